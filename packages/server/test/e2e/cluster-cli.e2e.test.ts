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
const RFM = fileURLToPath(new URL('../fixtures/online-retail/rfm.csv', import.meta.url));
const REFERENCE = fileURLToPath(
  new URL('../fixtures/online-retail/clusters.reference.json', import.meta.url),
);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-cluster-cli-'));
  writeFileSync(
    join(dir, 'small.csv'),
    'who,a,b\n0001,0,0\n02,0.5,0.2\n"x,y",0.1,0.4\n0004,10,10\n5,10.4,9.8\n006,9.7,10.1\n',
  );
  writeFileSync(join(dir, 'bad-number.csv'), 'who,a,b\n1,1,2\n2,3,"4,5"\n');
  writeFileSync(join(dir, 'blank.csv'), 'who,a,b\n1,1,2\n2,,4\n');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const fail = (error: unknown) => error as { code: number; stderr: string };
const within = (actual: number, expected: number, relative: number) =>
  Math.abs(actual - expected) <= relative * Math.abs(expected);

describe('tailor cluster (the CLI)', () => {
  it("clusters the Online Retail RFM table, choosing scikit-learn's k, and writes id,cluster", async () => {
    const reference = JSON.parse(readFileSync(REFERENCE, 'utf8')).rfm;
    const out = join(dir, 'made', 'by', 'clusters.csv');
    const { stdout, stderr } = await run(process.execPath, [
      CLI,
      'cluster',
      RFM,
      '--id',
      'customer',
      '--features',
      'recency,frequency,monetary',
      '--scale',
      'log-standard',
      '--unit',
      'customers',
      '--out',
      out,
    ]);
    expect(stderr).toMatch(/4338 rows read/);
    const summary = JSON.parse(stdout);
    const expected = reference.by_k.find((c: { k: number }) => c.k === reference.best_k);
    expect(summary.k).toBe(reference.best_k);
    expect(within(summary.silhouette, expected.silhouette, 0.01)).toBe(true);
    expect(within(summary.inertia, expected.inertia, 0.01)).toBe(true);
    expect(summary.scale).toBe('log-standard');
    expect(summary.sizes.reduce((a: number, b: number) => a + b)).toBe(4338);
    expect(summary.sizes[0]).toBeGreaterThanOrEqual(summary.sizes[1]);
    expect(Object.keys(summary.centroids[0])).toEqual(['recency', 'frequency', 'monetary']);
    // Two groups, in pounds and days: the larger one lapsed and low-spending, the other recent.
    const [lapsed, active] = summary.centroids;
    expect(lapsed.recency).toBeGreaterThan(active.recency);
    expect(lapsed.monetary).toBeLessThan(active.monetary);
    expect(summary.candidates.map((c: { k: number }) => c.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Each cluster described for a marketer: what sets it apart, its share and its medians.
    const share = (size: number) => `${((size / 4338) * 100).toFixed(1)} % of customers`;
    expect(summary.personas[1].name).toBe('high frequency, high monetary');
    expect(summary.personas[1].description).toContain(share(summary.sizes[1]));
    expect(summary.personas[1].description).toMatch(/low recency.*median monetary [\d,]+/);
    expect(summary.personas[0].name).toBe('low frequency, low monetary');

    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'cluster']);
    expect(rows).toHaveLength(4338);
    expect(rows[0]!.id).toBe('12346');
    const counts = [0, 0];
    for (const row of rows) counts[Number(row.cluster)]!++;
    expect(counts).toEqual(summary.sizes);
  }, 120_000);

  it('keeps ids as written and takes a given k', async () => {
    const out = join(dir, 'small-out.csv');
    const { stdout } = await run(process.execPath, [
      CLI,
      'cluster',
      join(dir, 'small.csv'),
      '--id',
      'who',
      '--features',
      'a,b',
      '--k',
      '2',
      '--out',
      out,
    ]);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ k: 2, scale: 'standard', sizes: [3, 3], candidates: [] });
    expect(summary.silhouette).toBeGreaterThan(0.9);
    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(rows.map((row) => row.id)).toEqual(['0001', '02', 'x,y', '0004', '5', '006']);
    const [first, second] = [rows.slice(0, 3), rows.slice(3)].map(
      (group) => new Set(group.map((row) => row.cluster)),
    );
    expect(first!.size).toBe(1);
    expect(second!.size).toBe(1);
    expect(first).not.toEqual(second);
  }, 60_000);

  it('--method ward: the same two groups, hierarchically', async () => {
    const out = join(dir, 'ward-out.csv');
    const { stdout } = await run(process.execPath, [
      CLI,
      'cluster',
      join(dir, 'small.csv'),
      '--id',
      'who',
      '--features',
      'a,b',
      '--method',
      'ward',
      '--out',
      out,
    ]);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ k: 2, method: 'ward', algorithm: null, sizes: [3, 3] });
    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(new Set(rows.slice(0, 3).map((row) => row.cluster)).size).toBe(1);
    expect(rows[0]!.cluster).not.toBe(rows[3]!.cluster);
  }, 60_000);

  it('--method gmm: a Gaussian mixture, with its BIC', async () => {
    const out = join(dir, 'gmm-out.csv');
    const { stdout } = await run(process.execPath, [
      CLI,
      'cluster',
      join(dir, 'small.csv'),
      '--id',
      'who',
      '--features',
      'a,b',
      '--method',
      'gmm',
      '--k',
      '2',
      '--out',
      out,
    ]);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ k: 2, method: 'gmm', algorithm: null, sizes: [3, 3] });
    expect(typeof summary.bic).toBe('number');
  }, 60_000);

  it('--method dbscan: finds its k and writes noise as -1', async () => {
    const file = join(dir, 'with-outlier.csv');
    writeFileSync(file, 'who,a,b\n1,0,0\n2,0.1,0\n3,0,0.1\n4,5,5\n5,5.1,5\n6,5,5.1\n7,20,-9\n');
    const out = join(dir, 'dbscan-out.csv');
    const { stdout } = await run(process.execPath, [
      CLI,
      'cluster',
      file,
      '--id',
      'who',
      '--features',
      'a,b',
      '--scale',
      'none',
      '--method',
      'dbscan',
      '--eps',
      '0.5',
      '--min-samples',
      '3',
      '--out',
      out,
    ]);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ k: 2, method: 'dbscan', noise: 1, sizes: [3, 3] });
    expect(summary.personas).toHaveLength(2);
    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(rows.map((row) => row.cluster)).toEqual(['0', '0', '0', '1', '1', '1', '-1']);
  }, 60_000);

  it('names a column holding a comma by quoting it in --features, and clusters alike rows', async () => {
    const file = join(dir, 'quoted.csv');
    writeFileSync(
      file,
      '\uFEFFWho,"Spend, GBP",Visits\r\n0001,  12 ,1e3\r\n0002,12,1000\r\n0003,-0,1000\r\n\r\n',
    );
    const out = join(dir, 'quoted', 'out.csv');
    const { stdout } = await run(process.execPath, [
      CLI,
      'cluster',
      file,
      '--id',
      'who',
      '--features',
      ' visits ,"Spend, GBP"',
      '--out',
      out,
    ]);
    // Spend 12, 12, 0 and the same visits: two groups; then a constant feature alone, where
    // the silhouette is undefined (it used to fail with "the silhouette needs at least 2 clusters").
    expect(JSON.parse(stdout)).toMatchObject({ k: 2, sizes: [2, 1] });
    const alike = await run(process.execPath, [
      CLI,
      'cluster',
      file,
      '--id',
      'who',
      '--features',
      'Visits',
      '--out',
      out,
    ]);
    expect(JSON.parse(alike.stdout)).toMatchObject({ silhouette: null });
    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(rows.map((row) => row.id)).toEqual(['0001', '0002', '0003']);
  }, 60_000);

  it.each([
    ['a missing file', '/nope.csv', [], /file not found/],
    ['an unknown column', 'small', ['--features', 'a,c'], /has no column c \(columns: who, a, b\)/],
    ['a value that is not a number', 'bad-number', [], /line 3, column b: not a number: '4,5'/],
    ['an empty value', 'blank', [], /line 3, column a: not a number: ''/],
    [
      'k larger than the rows',
      'small',
      ['--k', '7'],
      /k \(7\) is larger than the number of rows \(6\)/,
    ],
    ['a k that is not a number', 'small', ['--k', 'many'], /--k.*whole number from 1, or auto/],
    ['a scale it does not know', 'small', ['--scale', 'log'], /--scale/],
    ['a method it does not know', 'small', ['--method', 'spectral'], /--method/],
    ['a radius that is not positive', 'small', ['--method', 'dbscan', '--eps', '0'], /--eps/],
    [
      'a --features quote left open',
      'small',
      ['--features', 'a,"b'],
      /--features.*Quote Not Closed/,
    ],
  ])(
    'fails clearly on %s',
    async (_, name, extra, message) => {
      const file = name.startsWith('/') ? name : join(dir, `${name}.csv`);
      const args = ['--id', 'who', '--features', 'a,b', '--out', join(dir, 'x.csv'), ...extra];
      const error = fail(
        await run(process.execPath, [CLI, 'cluster', file, ...args]).catch((e: unknown) => e),
      );
      expect(error.code).toBe(1);
      expect(error.stderr).toMatch(message);
    },
    60_000,
  );
});
