import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Transaction } from './models.schema.js';

/** The CDNOW sample (2,357 customers, 6,919 transactions), shipped once, with the server's fixtures. */
const CDNOW = fileURLToPath(
  new URL('../../../server/test/fixtures/cdnow/CDNOW_sample.txt', import.meta.url),
);

/** Whole days since 1970-01-01 of a YYYYMMDD date. */
export function dayOf(yyyymmdd: string): number {
  const [y, m, d] = [yyyymmdd.slice(0, 4), yyyymmdd.slice(4, 6), yyyymmdd.slice(6, 8)].map(
    Number,
  ) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

/** The sample's transactions: customer id, (unused id), date YYYYMMDD, CDs, dollar value. */
export function readCdnow(): Transaction[] {
  return readFileSync(CDNOW, 'ascii')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields): fields is [string, string, string, string, string] => fields.length === 5)
    .map(([customer, , date, , value]) => ({ customer, day: dayOf(date), amount: Number(value) }));
}

/** The calibration period of Fader, Hardie & Lee (2005): 39 weeks, to 1997-09-30. */
export const CALIBRATION_END = dayOf('19970930');
export const WEEK = 7;

/** A customer of clv.reference.json, with SciPy's expectations under SciPy's fitted parameters. */
export interface ReferenceCase {
  customer: string;
  x: number;
  tx: number;
  T: number;
  m: number;
  expected: Record<string, number>;
  p_alive: number;
  expected_spend: number;
  clv: number;
  clv_discounted: number;
}

/** What make-clv-reference.py (SciPy) wrote: the fits and the expectations of a few customers. */
export interface ClvReference {
  customers: number;
  repeaters: number;
  bgnbd: { r: number; alpha: number; a: number; b: number; log_likelihood: number };
  gamma_gamma: { p: number; q: number; gamma: number; log_likelihood: number };
  discount: number;
  cases: ReferenceCase[];
}

export function readClvReference(): ClvReference {
  const file = new URL('../../../server/test/fixtures/cdnow/clv.reference.json', import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(file), 'utf8')) as ClvReference;
}
