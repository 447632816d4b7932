import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));
const CDNOW = fileURLToPath(new URL('../fixtures/cdnow/CDNOW_sample.txt', import.meta.url));

let dir: string;
let csv: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-clv-cli-'));
  // The CDNOW sample as CSV with ISO dates: customer id, (unused) id, date, CDs, dollar value.
  const rows = readFileSync(CDNOW, 'ascii')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 5)
    .map(([id, order, d, cds, value]) =>
      [id, order, `${d!.slice(0, 4)}-${d!.slice(4, 6)}-${d!.slice(6)}`, cds, value].join(','),
    );
  csv = join(dir, 'cdnow.csv');
  writeFileSync(csv, ['customer,order,date,cds,dollars', ...rows].join('\n') + '\n');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const fail = (error: unknown) => error as { code: number; stderr: string };
const COLUMNS = ['--customer', 'customer', '--date', 'date', '--amount', 'dollars'];

describe('tailor clv (the CLI)', () => {
  it('fits the CDNOW sample to the published parameters and writes every customer', async () => {
    const out = join(dir, 'made', 'by', 'clv.csv');
    const { stdout, stderr } = await run(process.execPath, [
      CLI,
      'clv',
      csv,
      ...COLUMNS,
      '--until',
      '1997-09-30',
      '--json',
      '--out',
      out,
    ]);
    expect(stderr).toMatch(/6919 transactions read/);
    const summary = JSON.parse(stdout);
    expect(Object.keys(summary)).toEqual(['customers', 'bgnbd', 'gammaGamma']);
    expect(summary.customers).toBe(2357);
    const { r, alpha, a, b, logLikelihood } = summary.bgnbd;
    expect([r, alpha, a, b].map((v: number) => v.toFixed(3))).toEqual([
      '0.243',
      '4.414',
      '0.793',
      '2.426',
    ]);
    expect(logLikelihood.toFixed(1)).toBe('-9582.4');
    const { p, q, gamma } = summary.gammaGamma;
    expect([p, q, gamma].map((v: number) => v.toFixed(2))).toEqual(['6.25', '3.74', '15.44']);

    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'customer',
      'x',
      't_x',
      'T',
      'expected_purchases',
      'p_alive',
      'expected_spend',
      'clv',
    ]);
    expect(rows).toHaveLength(2357);
    // Customer 00004 is the paper's worked example: x = 2, t_x = 30.43, T = 38.86.
    const example = rows.find((row) => row.customer === '00004')!;
    expect(example.x).toBe('2');
    expect(Number(example.t_x).toFixed(2)).toBe('30.43');
    expect(Number(example.T).toFixed(2)).toBe('38.86');
    expect(Number(example.p_alive)).toBeGreaterThan(0);
    const value = Number(example.expected_purchases) * Number(example.expected_spend);
    expect(Number(example.clv)).toBeCloseTo(value, 3);
    for (const row of rows) {
      expect(Number(row.expected_purchases)).toBeGreaterThanOrEqual(0);
      expect(Number(row.p_alive)).toBeLessThanOrEqual(1);
      expect(Number(row.clv)).toBeGreaterThanOrEqual(0);
    }
  }, 60_000);

  it('reads YYYYMMDD dates, counts in days and prints a readable summary without --json', async () => {
    const file = join(dir, 'small.csv');
    writeFileSync(
      file,
      'who,when,paid\n0001,20240101,10\n0001,20240105,20\n0001,20240105,5\n02,20240102,7\n02,20240110,9\n3,20240103,4\n0001,20240301,99\n',
    );
    const out = join(dir, 'small-out.csv');
    const { stdout } = await run(process.execPath, [
      CLI,
      'clv',
      file,
      '--customer',
      'who',
      '--date',
      'when',
      '--amount',
      'paid',
      '--until',
      '2024-01-31',
      '--unit',
      'day',
      '--horizon',
      '30',
      '--out',
      out,
    ]);
    expect(stdout).toMatch(/^3 customers \(2 with repeat purchases\)/);
    expect(stdout).toMatch(/next 30 days/);
    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(rows.map((row) => [row.customer, row.x, row.t_x, row.T])).toEqual([
      ['0001', '1', '4', '30'],
      ['02', '1', '8', '29'],
      ['3', '0', '0', '28'],
    ]);
  }, 60_000);

  it('reads a messy export: BOM, CRLF, quoted ids, mixed ISO dates, loose numbers, other case', async () => {
    // The same purchases as the YYYYMMDD test above, written as a spreadsheet or a database
    // would: ids quoted (a comma and a doubled quote in them), dates in several ISO 8601 forms
    // (a date-time counts as the day it is written with, whatever its zone), amounts with spaces
    // and exponents, a header in another case, a trailing empty line.
    const file = join(dir, 'messy.csv');
    writeFileSync(
      file,
      '\uFEFFWho,"When, local",Paid\r\n' +
        '0001,2024-01-01T23:30:00-05:00,1e1\r\n' +
        '0001,20240105T0800Z,  20 \r\n' +
        '0001,2024-01-05 09:00,5\r\n' +
        '"0,2",2024-01-02,7\r\n' +
        '"0,2",20240110,9.0\r\n' +
        '"3""",2024-01-03t10:00:00.5+02,4\r\n' +
        '0001,2024-03-01,99\r\n\r\n',
    );
    const out = join(dir, 'messy', 'out.csv');
    await run(process.execPath, [
      CLI,
      'clv',
      file,
      '--customer',
      'who',
      '--date',
      'When, local',
      '--amount',
      'paid',
      '--until',
      '20240131',
      '--unit',
      'day',
      '--out',
      out,
    ]);
    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(rows.map((row) => [row.customer, row.x, row.t_x, row.T])).toEqual([
      ['0001', '1', '4', '30'],
      ['0,2', '1', '8', '29'],
      ['3"', '0', '0', '28'],
    ]);
  }, 60_000);

  it('warns when the Gamma-Gamma fit leaves the mean spend undefined (q <= 1)', async () => {
    // Three repeat customers, one of them a thousand times the others: q comes out below 1.
    const file = join(dir, 'few.csv');
    writeFileSync(
      file,
      'c,d,a\n1,2023-01-02,22\n1,2023-02-10,1000\n2,2023-01-05,0\n2,2023-03-01,5.5\n' +
        '3,2023-01-09,7\n3,2023-03-01,8\n4,2023-01-10,3\n',
    );
    const { stderr } = await run(process.execPath, [
      CLI,
      'clv',
      file,
      '--customer',
      'c',
      '--date',
      'd',
      '--amount',
      'a',
      '--until',
      '2023-06-30',
    ]);
    expect(stderr).toMatch(/warning: Gamma-Gamma q is 0\.\d+ \(at most 1\)/);
  }, 60_000);

  it.each([
    ['a missing file', '/nope.csv', [], /file not found/],
    ['a missing column', 'cdnow', ['--amount', 'price'], /has no column price/],
    [
      'a date that does not parse',
      'bad-date',
      [],
      /line 3, column date: not an ISO 8601 date .*'1997-02-30'/,
    ],
    [
      'an amount that does not parse',
      'bad-amount',
      [],
      /line 2, column dollars: not a number: '12,5'/,
    ],
    ['a bad --until', 'cdnow', ['--until', 'yesterday'], /--until: not an ISO 8601 date/],
    ['a unit it does not know', 'cdnow', ['--unit', 'month'], /--unit/],
    ['an empty file', 'empty', [], /empty\.csv is empty: no header row/],
  ])('fails clearly on %s', async (_, name, extra, message) => {
    writeFileSync(
      join(dir, 'bad-date.csv'),
      'customer,date,dollars\n1,1997-01-01,3\n1,1997-02-30,4\n',
    );
    writeFileSync(join(dir, 'bad-amount.csv'), 'customer,date,dollars\n1,19970101,"12,5"\n');
    writeFileSync(join(dir, 'empty.csv'), '');
    const file = name.startsWith('/') ? name : join(dir, `${name}.csv`);
    const args = [...COLUMNS, '--until', '1997-09-30', ...extra];
    const error = fail(
      await run(process.execPath, [CLI, 'clv', file, ...args]).catch((e: unknown) => e),
    );
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(message);
  });
});
