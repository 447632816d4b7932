import jaroWinkler from 'talisman/metrics/jaro-winkler.js';
import levenshtein from 'talisman/metrics/levenshtein.js';
import doubleMetaphone from 'talisman/phonetics/double-metaphone.js';
import type { Comparator } from './matching.schema.js';

/** Each comparator's agreement levels, from disagreement (0) to full agreement (last). */
export const LEVELS: Record<Comparator, readonly string[]> = {
  exact: ['different', 'same'],
  jaro_winkler: ['different', 'similar', 'close', 'same'],
  levenshtein: ['different', 'similar', 'close', 'same'],
  phonetic: ['different', 'sounds alike', 'same'],
  numeric: ['different', 'close', 'same'],
  date: ['different', 'close', 'same'],
};

/** Level of agreement between two values, or -1 when either is missing (no evidence either way). */
export function compareValues(comparator: Comparator, a: string | undefined, b: string | undefined): number {
  const x = clean(a);
  const y = clean(b);
  if (x === undefined || y === undefined) return -1;
  if (x === y) return LEVELS[comparator].length - 1;
  switch (comparator) {
    case 'exact':
      return 0;
    case 'jaro_winkler': {
      const s = jaroWinkler(x, y);
      return s >= 0.94 ? 2 : s >= 0.85 ? 1 : 0;
    }
    case 'levenshtein': {
      const s = 1 - levenshtein(x, y) / Math.max(x.length, y.length);
      return s >= 0.8 ? 2 : s >= 0.6 ? 1 : 0;
    }
    case 'phonetic':
      return soundsAlike(x, y) ? 1 : 0;
    case 'numeric': {
      const p = Number(x);
      const q = Number(y);
      if (!Number.isFinite(p) || !Number.isFinite(q)) return 0;
      return Math.abs(p - q) <= Math.max(1, 0.05 * Math.max(Math.abs(p), Math.abs(q))) ? 1 : 0;
    }
    case 'date':
      return datesClose(x, y) ? 1 : 0;
  }
}

function clean(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  return v === '' ? undefined : v;
}

export function phoneticCode(value: string): string {
  return doubleMetaphone(value.replace(/[^a-z]/gi, ''))[0];
}

function soundsAlike(x: string, y: string): boolean {
  const [a1, a2] = doubleMetaphone(x.replace(/[^a-z]/gi, ''));
  const [b1, b2] = doubleMetaphone(y.replace(/[^a-z]/gi, ''));
  return a1 !== '' && (a1 === b1 || a1 === b2 || a2 === b1);
}

/** Dates as YYYYMMDD digits: close when one digit differs, or day and month are swapped. */
function datesClose(x: string, y: string): boolean {
  const a = x.replace(/\D/g, '');
  const b = y.replace(/\D/g, '');
  if (a.length !== 8 || b.length !== 8) return levenshtein(a, b) <= 1;
  if (levenshtein(a, b) <= 1) return true;
  return a.slice(0, 4) === b.slice(0, 4) && a.slice(4, 6) === b.slice(6, 8) && a.slice(6, 8) === b.slice(4, 6);
}
