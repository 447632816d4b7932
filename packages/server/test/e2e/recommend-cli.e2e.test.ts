import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRecommender, splitByTime, trainRecommender } from '@tailor/core';
import { readInteractionsFile } from '../../src/models/read-interactions-file.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));

let dir: string;
let file: string;
let usersFile: string;
/** What each user had, by id as written. */
const had = new Map<string, Set<string>>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-recommend-cli-'));
  // 30 users in three taste groups; items 000..011, group = item % 3; each user buys most of
  // their group's items and one other item, nine days apart from early January into February 2024.
  const rows = ['customer,product,bought_at'];
  for (let u = 0; u < 30; u++) {
    const user = String(u).padStart(4, '0');
    const items = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const inGroup = i % 3 === u % 3 && (i + u) % 4 !== 0;
      if (inGroup || i === (u * 7 + 1) % 12) items.add(String(i).padStart(3, '0'));
    }
    had.set(user, items);
    let day = 1 + (u % 7);
    for (const item of items) {
      const date = new Date(Date.UTC(2024, 0, day)).toISOString().slice(0, 10);
      rows.push(`${user},${item},${date}T10:00:00`);
      day += 9;
    }
  }
  file = join(dir, 'interactions.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  usersFile = join(dir, 'users.csv');
  writeFileSync(usersFile, 'user,name\n0001,a\n0004,b\n0001,a again\n9999,new\n');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const fail = (error: unknown) => error as { code: number; stderr: string };
const COLUMNS = ['--user', 'customer', '--item', 'product'];

async function recommend(extra: string[]): Promise<Record<string, string>[]> {
  const out = join(dir, 'made', String(Math.random()).slice(2), 'recs.csv');
  await run(process.execPath, [
    CLI,
    'recommend',
    file,
    ...COLUMNS,
    '--users',
    usersFile,
    '--k',
    '3',
    '--out',
    out,
    ...extra,
  ]);
  return parse<Record<string, string>>(readFileSync(out), { columns: true });
}

describe('tailor recommend (the CLI)', () => {
  it('writes up to k items per user that they did not have, ranked from 1, ids as written', async () => {
    for (const method of [[], ['--method', 'item-knn'], ['--time', 'bought_at']]) {
      const rows = await recommend(method);
      expect(Object.keys(rows[0] ?? {})).toEqual(['user', 'item', 'rank', 'score']);
      // Each user once, in the order of USERS.csv.
      expect([...new Set(rows.map((r) => r.user))]).toEqual(['0001', '0004', '9999']);
      for (const user of ['0001', '0004', '9999']) {
        const mine = rows.filter((r) => r.user === user);
        expect(mine.map((r) => r.rank)).toEqual(['1', '2', '3']);
        const scores = mine.map((r) => Number(r.score));
        expect([...scores].sort((a, b) => b - a)).toEqual(scores);
        for (const r of mine) {
          expect(r.item).toMatch(/^\d{3}$/);
          expect(had.get(user)?.has(r.item ?? '') ?? false).toBe(false);
        }
      }
      // 0004 is in group 1 (items 001, 004, 007, 010) and had 001, 007 and 010 of them, and 005:
      // the rest of its group (004) comes first.
      const forFour = rows.filter((r) => r.user === '0004').map((r) => r.item);
      const group = ['001', '004', '007', '010'].filter((i) => !had.get('0004')?.has(i));
      expect(forFour.slice(0, group.length).sort(), JSON.stringify(method)).toEqual(group);
    }
  }, 60_000);

  it('gives a user it does not know the most popular items', async () => {
    const rows = await recommend(['--method', 'popularity']);
    const counts = new Map<string, number>();
    for (const items of had.values())
      for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
    const popular = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([item]) => item);
    expect(rows.filter((r) => r.user === '9999').map((r) => r.item)).toEqual(popular);
    expect(rows.filter((r) => r.user === '9999').map((r) => Number(r.score))).toEqual(
      popular.map((item) => counts.get(item)),
    );
  }, 60_000);

  it('reads the same interactions from a messy export the same way', async () => {
    // BOM, CRLF, header names in another case, times in other ISO 8601 forms for the same
    // instants (basic format, an offset, a space), a USERS.csv headed "User": same recommendations.
    const forms = [
      (t: string) => t.replace(/[-:]/g, '') + 'Z',
      (t: string) => `${t.slice(0, 10)}T12:00:00+02:00`,
      (t: string) => t.replace('T', ' '),
    ];
    const [, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
    const messy = join(dir, 'messy.csv');
    writeFileSync(
      messy,
      '\uFEFFCustomer,Product,Bought At\r\n' +
        lines
          .map((line, i) => {
            const [user, item, time] = line.split(',') as [string, string, string];
            return `${user},${item},${forms[i % 3]!(time)}`;
          })
          .join('\r\n') +
        '\r\n\r\n',
    );
    const messyUsers = join(dir, 'messy-users.csv');
    writeFileSync(messyUsers, '\uFEFFUser\r\n0001\r\n0004\r\n9999\r\n');
    const out = join(dir, 'messy', 'recs.csv');
    await run(process.execPath, [
      CLI,
      'recommend',
      messy,
      ...COLUMNS,
      '--time',
      'bought at',
      '--users',
      messyUsers,
      '--k',
      '3',
      '--out',
      out,
    ]).catch((e: unknown) => {
      throw new Error(fail(e).stderr);
    });
    const rows = parse<Record<string, string>>(readFileSync(out), { columns: true });
    expect(rows).toEqual(await recommend(['--time', 'bought_at']));
  }, 60_000);

  it('evaluates every method on a time split and prints JSON', async () => {
    const { stdout } = await run(process.execPath, [
      CLI,
      'recommend',
      'evaluate',
      file,
      ...COLUMNS,
      '--time',
      'bought_at',
      '--split',
      '2024-02-01',
      '--k',
      '5',
    ]);
    const summary = JSON.parse(stdout);
    expect(summary.k).toBe(5);
    expect(summary.split).toBe('2024-02-01T00:00:00.000Z');
    expect(summary.test.users).toBeGreaterThan(5);
    expect(Object.keys(summary.methods)).toEqual(['popularity', 'item-knn', 'ease']);
    for (const result of Object.values<Record<string, number>>(summary.methods))
      for (const name of ['recall', 'ndcg', 'coverage', 'popularityBias']) {
        expect(result[name]).toBeGreaterThanOrEqual(0);
        expect(result[name]).toBeLessThanOrEqual(1);
      }
    // The groups are plain to see: a collaborative method finds them, popularity cannot.
    expect(summary.methods.ease.recall).toBeGreaterThan(summary.methods.popularity.recall);
  }, 60_000);

  it('evaluates a blend beside its members, as a blend trained on its own would score', async () => {
    const evaluate = (extra: string[]) =>
      run(process.execPath, [
        CLI,
        'recommend',
        'evaluate',
        file,
        ...COLUMNS,
        '--time',
        'bought_at',
        '--split',
        '2024-02-01',
        '--k',
        '5',
        ...extra,
      ]);
    const { stdout } = await evaluate(['--methods', 'popularity', '--blend', 'ease,item-knn:0.5']);
    const summary = JSON.parse(stdout) as { methods: Record<string, Record<string, number>> };
    // The members are added to the methods compared, the blend last.
    expect(Object.keys(summary.methods)).toEqual(['popularity', 'ease', 'item-knn', 'blend']);
    const { blend = {}, ease = {}, popularity = {} } = summary.methods;
    const knn = summary.methods['item-knn'] ?? {};
    expect(blend.parts).toEqual([
      { method: 'ease', weight: 1 },
      { method: 'item-knn', weight: 0.5 },
    ]);
    expect(blend.trainSeconds).toBeCloseTo((ease.trainSeconds ?? 0) + (knn.trainSeconds ?? 0), 9);
    // The CLI reuses its members' fits; a blend fitted whole by core gives the same measures.
    const split = splitByTime(
      readInteractionsFile(file, { user: 'customer', item: 'product', time: 'bought_at' }),
      Date.UTC(2024, 1, 1),
    );
    if (!split.ok) throw new Error(split.error);
    const model = trainRecommender(
      split.value.train,
      'blend',
      {},
      {
        blend: [
          { method: 'ease', weight: 1 },
          { method: 'item-knn', weight: 0.5 },
        ],
      },
    );
    if (!model.ok) throw new Error(model.error);
    const direct = evaluateRecommender(split.value, model.value, 5);
    for (const name of ['recall', 'ndcg', 'coverage', 'popularityBias'] as const)
      expect(blend[name], name).toBeCloseTo(direct[name], 12);
    expect(blend.recall).toBeGreaterThan(popularity.recall ?? 1);

    for (const [spec, message] of [
      ['ease', /a blend mixes 2 to 5 methods/],
      ['ease,ease:2', /each method once/],
      ['ease,magic', /unknown method magic/],
      ['ease,item-knn:0', /item-knn:0: a weight is a number > 0 and <= 100/],
      ['ease,item-knn:x', /a weight is a number/],
      ['ease,bought-together', /bought-together needs --order COLUMN/],
    ] as const) {
      const error = fail(await evaluate(['--blend', spec]).catch((e: unknown) => e));
      expect(error.code, spec).toBe(1);
      expect(error.stderr, spec).toMatch(message);
    }
  }, 120_000);

  it.each([
    ['a missing column', ['--item', 'sku'], /has no column sku/],
    ['a missing --users', ['--users'], /--users is required/],
    [
      'a time that does not parse',
      ['--time', 'product'],
      /line 2, column product: .*not an ISO 8601/,
    ],
    ['a method it does not know', ['--method', 'magic'], /--method/],
  ])('fails clearly on %s', async (_, extra, message) => {
    const args =
      extra[0] === '--users'
        ? [...COLUMNS, '--k', '3', '--out', join(dir, 'x.csv')]
        : [...COLUMNS, '--users', usersFile, '--k', '3', '--out', join(dir, 'x.csv'), ...extra];
    const error = fail(
      await run(process.execPath, [CLI, 'recommend', file, ...args]).catch((e: unknown) => e),
    );
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(message);
  });

  it('learns what is bought together from an order column, and evaluates order completion', async () => {
    // Items come in pairs, i and i + 6, always ordered together; 40 people, two orders each,
    // the second after the split.
    const rows = ['customer,product,bought_at,order_id'];
    for (let u = 0; u < 40; u++)
      for (const [n, date] of [
        [0, '2024-01-10'],
        [1, '2024-02-10'],
      ] as const) {
        const a = (u * 5 + n * 7) % 6;
        for (const item of [a, a + 6])
          rows.push(`c${u},${String(item).padStart(3, '0')},${date}T10:00:00,${u}-${n}`);
      }
    const orders = join(dir, 'orders.csv');
    writeFileSync(orders, rows.join('\n') + '\n');
    const out = join(dir, 'together.csv');
    await run(process.execPath, [
      CLI,
      'recommend',
      orders,
      ...COLUMNS,
      '--order',
      'order_id',
      '--method',
      'bought-together',
      '--users',
      usersFile,
      '--k',
      '2',
      '--out',
      out,
    ]);
    expect(parse(readFileSync(out), { columns: true })).toHaveLength(6);
    const { stdout } = await run(process.execPath, [
      CLI,
      'recommend',
      'evaluate',
      orders,
      ...COLUMNS,
      '--time',
      'bought_at',
      '--order',
      'order_id',
      '--split',
      '2024-02-01',
      '--k',
      '1',
    ]);
    const summary = JSON.parse(stdout);
    expect(summary.test.orders).toBe(40);
    expect(Object.keys(summary.methods)).toEqual([
      'popularity',
      'item-knn',
      'ease',
      'bought-together',
    ]);
    // Given one item of an order, its partner is the first item bought together with it.
    expect(summary.methods['bought-together'].orders.recall).toBe(1);
    expect(summary.methods.popularity.orders.recall).toBeLessThan(0.5);

    const error = fail(
      await run(process.execPath, [
        CLI,
        'recommend',
        'evaluate',
        orders,
        ...COLUMNS,
        '--time',
        'bought_at',
        '--split',
        '2024-02-01',
        '--methods',
        'bought-together',
      ]).catch((e: unknown) => e),
    );
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(/bought-together needs --order COLUMN/);
  }, 240_000);

  it('refuses a file with a header and no interactions (it wrote an empty RECS.csv and exited 0)', async () => {
    const empty = join(dir, 'header-only.csv');
    writeFileSync(empty, 'customer,product\r\n\r\n');
    const args = [...COLUMNS, '--users', usersFile, '--k', '3', '--out', join(dir, 'e.csv')];
    const error = fail(
      await run(process.execPath, [CLI, 'recommend', empty, ...args]).catch((e: unknown) => e),
    );
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(/header-only\.csv has a header and no interactions/);
  });
});
