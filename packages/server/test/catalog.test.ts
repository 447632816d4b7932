import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogItem } from '@tailor/core';
import { catalogImportCommand } from '../src/cli/catalog-command.js';
import { loadConfig } from '../src/config/load-config.js';
import { openTailor } from '../src/open-tailor.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
const clock = Date.UTC(2026, 11, 5, 12);
afterEach(async () => {
  await t.close();
});

function admin(method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload: payload as object }),
  });
}

describe('catalog', () => {
  it('stores items in bulk with attributes and availability, and refuses a bad batch whole', async () => {
    t = await startTestTailor({}, () => clock);
    const put = await admin('PUT', '/v1/catalog/items', [
      { id: 'p1', name: 'Monopoly', category: 'Games', brand: 'Hasbro', price: 19.99 },
      { id: 'p2', name: 'Uno', available: false, attributes: { players: 4, family: true } },
    ]);
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ stored: 2 });
    const p2 = await admin('GET', '/v1/catalog/items/p2');
    expect(p2.json()).toEqual({
      id: 'p2',
      name: 'Uno',
      available: false,
      attributes: { players: 4, family: true },
      source: 'api',
      updatedAt: new Date(clock).toISOString(),
    });
    // A negative price, an unknown field, a twice-given id: 400, and nothing of the batch stored.
    for (const bad of [
      [{ id: 'p3' }, { id: 'p1', price: -1 }],
      [{ id: 'p3', colour: 'red' }],
      [{ id: 'p3' }, { id: 'p3' }],
      [],
      { id: 'p3' },
    ]) {
      const answer = await admin('PUT', '/v1/catalog/items', bad);
      expect(answer.statusCode).toBe(400);
      expect(answer.json<{ message: string }>().message).toBeTruthy();
    }
    expect((await admin('GET', '/v1/catalog/items/p3')).statusCode).toBe(404);
    expect((await admin('GET', '/v1/catalog/items/p1')).json()).toMatchObject({ price: 19.99 });
    const page = await admin('GET', '/v1/catalog/items?limit=1');
    expect(page.json()).toMatchObject({ total: 2, next: 'p1' });
    const rest = await admin('GET', '/v1/catalog/items?limit=1&after=p1');
    expect(rest.json<{ items: CatalogItem[] }>().items.map((i) => i.id)).toEqual(['p2']);
    expect(rest.json<{ next: string | null }>().next).toBeNull();
    // The write key is public: it neither writes nor reads the catalogue.
    const headers = { authorization: t.writeAuth };
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/catalog/items', headers })).statusCode,
    ).toBe(403);
    const write = await t.app.inject({
      method: 'PUT',
      url: '/v1/catalog/items',
      headers,
      payload: [{ id: 'x' }],
    });
    expect(write.statusCode).toBe(403);
  });

  it('imports a CSV feed row by row: bad rows rejected with their line numbers, the others stored', async () => {
    t = await startTestTailor({}, () => clock);
    const csv = [
      'product_id,name,category,brand,price,available,organic',
      '0001,Monopoly,Games,Hasbro,19.99,true,false',
      '0002,Uno,Games,Mattel,-1,true,', // negative price
      '0003,"Tea, green",Food,,3.5,no,true',
      '0004,Short row',
    ].join('\r\n');
    const put = await t.app.inject({
      method: 'PUT',
      url: '/v1/catalog/items',
      headers: { authorization: t.adminAuth, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({
      stored: 2,
      rows: 4,
      rejectedCount: 2,
      rejected: [
        { line: 3, reason: 'price: must be >= 0' },
        { line: 5, reason: 'not as many fields as the header has columns' },
      ],
    });
    expect((await admin('GET', '/v1/catalog/items/0003')).json()).toEqual({
      id: '0003',
      name: 'Tea, green',
      category: 'Food',
      price: 3.5,
      available: false,
      attributes: { organic: true },
      source: 'api',
      updatedAt: new Date(clock).toISOString(),
    });
    expect((await admin('GET', '/v1/catalog/items/0002')).statusCode).toBe(404);
    // A header with no id column: 400, nothing stored; the write key may not import.
    const noId = await t.app.inject({
      method: 'PUT',
      url: '/v1/catalog/items',
      headers: { authorization: t.adminAuth, 'content-type': 'text/csv' },
      payload: 'sku,name\nS9,Nine\n',
    });
    expect(noId.statusCode).toBe(400);
    expect(noId.json<{ message: string }>().message).toMatch(/no id column/);
    const write = await t.app.inject({
      method: 'PUT',
      url: '/v1/catalog/items',
      headers: { authorization: t.writeAuth, 'content-type': 'text/csv' },
      payload: 'id\nz\n',
    });
    expect(write.statusCode).toBe(403);
    expect((await admin('GET', '/v1/catalog/items?limit=10')).json()).toMatchObject({ total: 2 });
  });

  it('tailor catalog import reads a CSV file into a data folder, rejected rows to a rejects file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-catalog-cli-'));
    const file = join(dir, 'feed.csv');
    writeFileSync(file, 'id,name,available\na,Apple,true\nb,Banana,perhaps\nc,Cherry,false\n');
    const exitCode = process.exitCode;
    try {
      await catalogImportCommand(file, { data: join(dir, 'data') });
      expect(process.exitCode).toBe(2);
      expect(
        readFileSync(`${file}.rejects.jsonl`, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as unknown),
      ).toEqual([{ line: 3, reason: 'available: "perhaps" is not true or false' }]);
      const config = loadConfig({
        flags: { dataDir: join(dir, 'data'), logLevel: 'silent' },
        env: {},
        cwd: dir,
      });
      const tailor = await openTailor(config);
      try {
        const page = await tailor.catalog.list({});
        expect(page.items.map(({ id, available }) => ({ id, available }))).toEqual([
          { id: 'a', available: true },
          { id: 'c', available: false },
        ]);
      } finally {
        await tailor.close();
      }
      // Every row good: no rejects file left, no failure code.
      process.exitCode = undefined;
      writeFileSync(file, 'id,name\nd,Date\n');
      await catalogImportCommand(file, { data: join(dir, 'data') });
      expect(process.exitCode).toBeUndefined();
      expect(existsSync(`${file}.rejects.jsonl`)).toBe(false);
      // A server on the folder would not see the items: the command points at its route instead.
      writeFileSync(join(dir, 'data', 'serve.pid'), String(process.ppid));
      await expect(catalogImportCommand(file, { data: join(dir, 'data') })).rejects.toThrow(
        /text\/csv/,
      );
    } finally {
      process.exitCode = exitCode;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('learns items from e-commerce events when a recommender reads the log, never overriding the catalog API', async () => {
    t = await startTestTailor({}, () => clock);
    await admin('PUT', '/v1/catalog/items', [
      { id: 'given', name: 'From the feed', available: false },
    ]);
    const batch = [
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'u1',
        properties: {
          products: [
            {
              product_id: 'p1',
              sku: 'S1',
              name: 'Monopoly',
              category: 'Games',
              brand: 'Hasbro',
              price: 19.99,
            },
            { product_id: 'given', name: 'From an event', price: 3 },
          ],
        },
      },
      {
        type: 'track',
        event: 'Product Viewed',
        userId: 'u2',
        properties: { product_id: 'p2', name: 'Uno' },
      },
      {
        type: 'track',
        event: 'Product Added',
        userId: 'u2',
        properties: { product_id: 'p2', category: 'Cards' },
      },
    ];
    await t.collect(batch);
    expect((await admin('PUT', '/v1/recommenders/shop', { method: 'popularity' })).statusCode).toBe(
      200,
    );
    expect((await admin('POST', '/v1/recommenders/shop/train')).statusCode).toBe(200);
    const items = (await admin('GET', '/v1/catalog/items')).json<{ items: CatalogItem[] }>();
    const byId = new Map(items.items.map((i) => [i.id, i]));
    expect(byId.get('p1')).toMatchObject({
      sku: 'S1',
      name: 'Monopoly',
      category: 'Games',
      brand: 'Hasbro',
      price: 19.99,
      available: true,
      source: 'events',
    });
    expect(byId.get('p2')).toMatchObject({ name: 'Uno', category: 'Cards', source: 'events' });
    expect(byId.get('given')).toEqual({
      id: 'given',
      name: 'From the feed',
      available: false,
      source: 'api',
      updatedAt: new Date(clock).toISOString(),
    });
  });

  it('serves only available items and at most N per category, and applies a new availability at once', async () => {
    t = await startTestTailor({}, () => clock);
    // Popularity: x by 5 people, a by 4, b by 3, y by 2: a stranger's list is x a b y without rules.
    const views = Object.entries({ x: 5, a: 4, b: 3, y: 2 }).flatMap(([item, n]) =>
      Array.from({ length: n }, (_, i) => ({
        type: 'track',
        event: 'Product Viewed',
        userId: `u${i}`,
        properties: { product_id: item },
        timestamp: new Date(clock - 3_600_000).toISOString(),
      })),
    );
    await t.collect(views);
    await admin('PUT', '/v1/catalog/items', [
      { id: 'x', category: 'toys' },
      { id: 'a', category: 'toys' },
      { id: 'b', category: 'games', available: false },
      { id: 'y', category: 'games' },
    ]);
    const list = async () =>
      (await admin('GET', '/v1/recommendations/shop?userId=stranger&k=10'))
        .json<{ items: { item: string }[] }>()
        .items.map((i) => i.item);
    await admin('PUT', '/v1/recommenders/plain', {
      method: 'popularity',
      rules: { availableOnly: false },
    });
    await admin('POST', '/v1/recommenders/plain/train');
    expect(
      (await admin('GET', '/v1/recommendations/plain?userId=stranger&k=10'))
        .json<{ items: { item: string }[] }>()
        .items.map((i) => i.item),
    ).toEqual(['x', 'a', 'b', 'y']);
    await admin('PUT', '/v1/recommenders/shop', { method: 'popularity' });
    await admin('POST', '/v1/recommenders/shop/train');
    expect(await list()).toEqual(['x', 'a', 'y']);
    await admin('PUT', '/v1/recommenders/shop', {
      method: 'popularity',
      rules: { maxPerCategory: 1 },
    });
    await admin('POST', '/v1/recommenders/shop/train');
    expect(await list()).toEqual(['x', 'y']);
    // b back in stock: it outranks y in games, without a training.
    await admin('PUT', '/v1/catalog/items', [{ id: 'b', category: 'games' }]);
    expect(await list()).toEqual(['x', 'b']);
    const bad = await admin('PUT', '/v1/recommenders/shop', {
      method: 'popularity',
      rules: { maxPerCategory: 0 },
    });
    expect(bad.statusCode).toBe(400);
  });
});
