import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WarehouseChannel } from '../src/destinations/warehouse/warehouse-channel.js';
import type { Delivery, Destination } from '../src/destinations/destination-store.js';
import { freshSchemaName, testPostgresUrl } from './support/postgres.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';
import { webhookConfig } from './support/webhook-config.js';

let t: TestTailor | undefined;
let db: pg.Pool;
let schema: string;
const clock = Date.UTC(2026, 11, 1, 12);

beforeEach(() => {
  db = new pg.Pool({ connectionString: testPostgresUrl(), max: 2 });
  schema = freshSchemaName();
});
afterEach(async () => {
  await t?.close();
  t = undefined;
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.end();
});

const rows = async (sql: string, values: unknown[] = []) =>
  (await db.query<Record<string, unknown>>(sql, values)).rows;
const columnsOf = async (table: string) =>
  Object.fromEntries(
    (
      await rows(
        'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
        [schema, table],
      )
    ).map((r) => [r.column_name, r.data_type]),
  );

const admin = (method: 'PUT' | 'POST' | 'GET', url: string, payload?: object) =>
  (t as TestTailor).admin(method, url, payload);

const at = (minute: number) => new Date(clock - 60 * 60_000 + minute * 60_000).toISOString();

describe('a warehouse destination', () => {
  it('keeps a PostgreSQL schema current: a table per event with typed columns, identifies, pages, users, identities and memberships', async () => {
    t = await startTestTailor(webhookConfig(), () => clock);
    const put = await admin('PUT', '/v1/destinations/analysts', {
      type: 'warehouse',
      url: testPostgresUrl(),
      schema,
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      type: 'warehouse',
      schema,
      events: ['*'],
      purpose: 'analytics',
      batchSize: 500,
    });
    expect(
      (await admin('PUT', '/v1/segments/buyers', { definition: 'count("Order Completed") >= 1' }))
        .statusCode,
    ).toBe(200);

    await t.collect(
      [
        {
          type: 'identify',
          userId: 'u-ann',
          anonymousId: 'a-ann',
          traits: { plan: 'pro', age: 31, email: 'ann@example.com' },
          timestamp: at(1),
        },
        {
          type: 'page',
          anonymousId: 'a-ann',
          name: 'Home',
          properties: { path: '/', title: 'Welcome' },
          timestamp: at(2),
        },
        {
          type: 'track',
          userId: 'u-ann',
          event: 'Order Completed',
          properties: { revenue: 12.5, cartId: 'c-1', products: [{ sku: 'x' }] },
          timestamp: at(3),
        },
        {
          type: 'track',
          userId: 'u-bo',
          event: 'Order Completed',
          properties: { revenue: '7', coupon: true },
          timestamp: at(4),
        },
        { type: 'identify', userId: 'u-ann', traits: { plan: 'team' }, timestamp: at(5) },
        // Refused analytics: not synced at all.
        {
          type: 'identify',
          userId: 'u-cy',
          traits: { plan: 'pro' },
          context: { consent: { categoryPreferences: { analytics: false } } },
          timestamp: at(6),
        },
        {
          type: 'track',
          userId: 'u-cy',
          event: 'Order Completed',
          properties: { revenue: 99 },
          timestamp: at(7),
        },
      ],
      { drain: true },
    );

    expect(await columnsOf('order_completed')).toMatchObject({
      id: 'text',
      user_id: 'text',
      timestamp: 'timestamp with time zone',
      revenue: 'double precision',
      cart_id: 'text',
      products: 'jsonb',
      coupon: 'boolean',
    });
    expect(
      await rows(
        `SELECT user_id, revenue, cart_id, coupon FROM ${schema}.order_completed ORDER BY user_id`,
      ),
    ).toEqual([
      { user_id: 'u-ann', revenue: 12.5, cart_id: 'c-1', coupon: null },
      { user_id: 'u-bo', revenue: 7, cart_id: null, coupon: true }, // '7' into the number column
    ]);
    expect(
      await rows(
        `SELECT event, user_id FROM ${schema}.tracks WHERE event = 'Order Completed' ORDER BY user_id`,
      ),
    ).toEqual([
      { event: 'Order Completed', user_id: 'u-ann' },
      { event: 'Order Completed', user_id: 'u-bo' },
    ]);
    expect(await rows(`SELECT anonymous_id, name, path, title FROM ${schema}.pages`)).toEqual([
      { anonymous_id: 'a-ann', name: 'Home', path: '/', title: 'Welcome' },
    ]);
    expect(await rows(`SELECT count(*)::int AS n FROM ${schema}.identifies`)).toEqual([{ n: 2 }]);
    // The latest traits win; personal ones are masked (the destination's pii is `mask`).
    const users = await rows(`SELECT id, plan, age, email FROM ${schema}.users`);
    expect(users).toEqual([{ id: 'u-ann', plan: 'team', age: 31, email: expect.any(String) }]);
    expect(users[0]?.email).not.toContain('ann@example.com');
    expect(await rows(`SELECT user_id, type, value FROM ${schema}.identities`)).toEqual([
      { user_id: 'u-ann', type: 'anonymousId', value: 'a-ann' },
    ]);
    const memberships = await rows(
      `SELECT segment, member, user_id FROM ${schema}.segment_memberships ORDER BY user_id`,
    );
    expect(memberships).toEqual([
      { segment: 'buyers', member: true, user_id: 'u-ann' },
      { segment: 'buyers', member: true, user_id: 'u-bo' },
    ]);
    const everything = JSON.stringify(await rows(`SELECT * FROM ${schema}.tracks`));
    expect(everything).not.toContain('u-cy');

    // A new property adds a column.
    await t.collect(
      [
        {
          type: 'track',
          userId: 'u-bo',
          event: 'Order Completed',
          properties: { revenue: 3, gift: 'yes' },
          timestamp: at(8),
        },
      ],
      { drain: true },
    );
    expect(await columnsOf('order_completed')).toMatchObject({ gift: 'text' });

    // Erasure reaches every table.
    expect(
      (await admin('POST', '/v1/privacy/erase', { identifier: 'userId:u-ann' })).statusCode,
    ).toBe(202);
    await t.collect([], { drain: true });
    for (const table of [
      'tracks',
      'order_completed',
      'identifies',
      'pages',
      'users',
      'identities',
      'segment_memberships',
    ]) {
      const left = JSON.stringify(await rows(`SELECT * FROM ${schema}.${table}`));
      expect(left, table).not.toContain('u-ann');
      expect(left, table).not.toContain('a-ann');
    }
    expect(await rows(`SELECT user_id FROM ${schema}.order_completed ORDER BY revenue`)).toEqual([
      { user_id: 'u-bo' },
      { user_id: 'u-bo' },
    ]);
  });

  it('refuses a definition that does not fit its type, with the reason', async () => {
    t = await startTestTailor(webhookConfig(), () => clock);
    const refused = async (payload: object) => {
      const res = await admin('PUT', '/v1/destinations/bad', payload);
      expect(res.statusCode).toBe(400);
      return res.json<{ message: string }>().message;
    };
    expect(await refused({ type: 'warehouse', url: 'https://example.com/db' })).toMatch(
      /PostgreSQL URL/,
    );
    expect(
      await refused({ type: 'warehouse', url: testPostgresUrl(), secret: 'abcdefgh12' }),
    ).toMatch(/no secret/);
    expect(
      await refused({ type: 'webhook', url: 'https://example.com/hook', events: ['*'] }),
    ).toMatch(/needs a secret/);
    expect(
      await refused({
        type: 'webhook',
        url: 'postgres://127.0.0.1/x',
        events: ['*'],
        secret: 'abcdefgh12',
      }),
    ).toMatch(/http or https/);
    expect(await refused({ type: 'warehouse', url: 'postgres://10.1.2.3:5432/x' })).toMatch(
      /private address/,
    );
    expect(
      await refused({
        type: 'webhook',
        url: 'https://example.com/hook',
        events: ['*'],
        secret: 'abcdefgh12',
        history: true,
      }),
    ).toMatch(/history is for warehouses/);
  });

  it("keeps each loaded user's computed values current in users, for people who consented", async () => {
    t = await startTestTailor(webhookConfig(), () => clock);
    const tt = t;
    expect(
      (await admin('PUT', '/v1/computed-traits/orders', { definition: 'count("Order Completed")' }))
        .statusCode,
    ).toBe(200);
    // Carries a personal value (an email property): masked, as the destination's pii says by default.
    expect(
      (
        await admin('PUT', '/v1/computed-traits/lastEmail', {
          definition: 'last("Order Completed".email)',
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await admin('PUT', '/v1/destinations/analysts', {
          type: 'warehouse',
          url: testPostgresUrl(),
          schema,
        })
      ).statusCode,
    ).toBe(200);
    const order = (userId: string, minute: number) => ({
      type: 'track',
      userId,
      event: 'Order Completed',
      properties: { email: `${userId}@example.com` },
      timestamp: at(minute),
    });
    await tt.collect([order('u-ann', 1), order('u-ann', 2), order('u-bo', 3)], { drain: true });
    const users = async () =>
      (await rows(`SELECT id, computed_orders FROM ${schema}.users ORDER BY id`)).map((r) => [
        r.id,
        r.computed_orders,
      ]);
    expect(await users()).toEqual([
      ['u-ann', 2],
      ['u-bo', 1],
    ]);
    const emails = await rows(`SELECT computed_last_email AS e FROM ${schema}.users`);
    expect(emails).toHaveLength(2);
    for (const { e } of emails) expect(e).not.toMatch(/example\.com/);
    // A later order refreshes Ann's row; Bo refuses analytics: his next event leaves nothing new.
    await tt.collect(
      [
        order('u-ann', 4),
        {
          type: 'identify',
          userId: 'u-bo',
          traits: { consent: { analytics: false } },
          timestamp: at(5),
        },
        order('u-bo', 6),
      ],
      { drain: true },
    );
    expect(await users()).toEqual([
      ['u-ann', 3],
      ['u-bo', 1],
    ]);
  });

  it("writes each loaded user's model scores in users as the profile holds them", async () => {
    t = await startTestTailor(
      { ...webhookConfig(), models: { registryCheckSeconds: 0 } },
      () => clock,
    );
    const tt = t;
    const DAY = 86_400_000;
    const ago = (days: number) => new Date(clock - days * DAY).toISOString();
    const people = Array.from({ length: 60 }, (_, i) => `p${String(i)}`);
    const events: Record<string, unknown>[] = [];
    people.forEach((userId, i) => {
      const engaged = i % 2 === 0;
      for (let v = 0; v < (engaged ? 6 : 1); v++)
        events.push({ type: 'track', userId, event: 'Page Viewed', timestamp: ago(40 - v * 3) });
      if (engaged ? i % 10 < 8 : i % 10 < 2)
        events.push({ type: 'track', userId, event: 'Order Completed', timestamp: ago(10) });
    });
    await tt.collect(events);
    await admin('PUT', '/v1/models/buy', {
      type: 'propensity',
      label: { event: 'Order Completed', days: 30 },
    });
    const trained = await admin('POST', '/v1/models/buy/train?wait=true');
    expect(trained.statusCode, trained.body).toBe(200);
    await tt.collect([]); // the upkeep scores everyone
    await admin('PUT', '/v1/destinations/analysts', {
      type: 'warehouse',
      url: testPostgresUrl(),
      schema,
    });
    await tt.collect(
      people.map((userId) => ({ type: 'track', userId, event: 'Seen', timestamp: at(1) })),
      { drain: true },
    );
    const loaded = new Map(
      (await rows(`SELECT id, score_buy FROM ${schema}.users`)).map((r) => [r.id, r.score_buy]),
    );
    let compared = 0;
    for (const userId of people) {
      const profile = (await tt.admin('GET', `/v1/profiles?identifier=userId:${userId}`)).json<{
        scores: Record<string, { score: number }>;
      }>();
      const score = profile.scores.buy?.score;
      if (score === undefined) continue;
      expect(loaded.get(userId)).toBeCloseTo(score, 12);
      compared++;
    }
    expect(compared).toBe(people.length);
  }, 60_000);

  it('loads the history the log already holds when created with history, and only new events without', async () => {
    t = await startTestTailor(webhookConfig(), () => clock);
    await t.collect([
      {
        type: 'track',
        userId: 'u-old',
        event: 'Order Completed',
        properties: { revenue: 5 },
        timestamp: at(1),
      },
      { type: 'identify', userId: 'u-old', traits: { plan: 'free' }, timestamp: at(2) },
    ]);
    const other = freshSchemaName();
    try {
      for (const [name, target, history] of [
        ['replayed', schema, true],
        ['fresh', other, undefined],
      ] as const) {
        const put = await admin('PUT', `/v1/destinations/${name}`, {
          type: 'warehouse',
          url: testPostgresUrl(),
          schema: target,
          ...(history !== undefined && { history }),
        });
        expect(put.statusCode, put.body).toBe(200);
      }
      await t.collect(
        [
          {
            type: 'track',
            userId: 'u-new',
            event: 'Order Completed',
            properties: { revenue: 7 },
            timestamp: at(3),
          },
        ],
        { drain: true },
      );
      const orders = async (target: string) =>
        (await rows(`SELECT user_id, revenue FROM ${target}.order_completed ORDER BY user_id`)).map(
          (r) => [r.user_id, r.revenue],
        );
      expect(await orders(schema)).toEqual([
        ['u-new', 7],
        ['u-old', 5],
      ]);
      expect(await rows(`SELECT id, plan FROM ${schema}.users`)).toEqual([
        { id: 'u-old', plan: 'free' },
      ]);
      expect(await orders(other)).toEqual([['u-new', 7]]);
    } finally {
      await db.query(`DROP SCHEMA IF EXISTS ${other} CASCADE`);
    }
  });
});

describe('loading a warehouse', () => {
  it('changes nothing when the same batch is loaded again, and keeps the later traits of a user', async () => {
    const channel = new WarehouseChannel({ allowInternal: ['127.0.0.1/32'], timeoutMs: 10_000 });
    const destination: Destination = {
      name: 'w',
      type: 'warehouse',
      url: testPostgresUrl(),
      secret: testPostgresUrl(),
      schema,
      events: ['*'],
      createdAt: at(0),
      updatedAt: at(0),
    };
    const message = (n: number, extra: object) => ({
      messageId: `m-${n}`,
      userId: 'u-1',
      anonymousId: null,
      timestamp: at(n),
      receivedAt: at(n),
      context: {},
      tailor: {},
      ...extra,
    });
    const batch = [
      message(2, { type: 'identify', traits: { plan: 'team' } }),
      message(1, { type: 'identify', traits: { plan: 'pro', seats: 3 } }),
      message(3, { type: 'track', event: 'Signed Up', properties: { via: 'ad' } }),
    ].map((m, i) => ({ id: i, destination: 'w', message: m }) as unknown as Delivery);
    try {
      expect(await channel.deliver(destination, batch)).toEqual({ delivered: true });
      expect(await channel.deliver(destination, batch)).toEqual({ delivered: true });
      expect(await channel.deliver(destination, batch.slice(1, 2))).toEqual({ delivered: true });
      expect(await rows(`SELECT count(*)::int AS n FROM ${schema}.identifies`)).toEqual([{ n: 2 }]);
      expect(await rows(`SELECT count(*)::int AS n FROM ${schema}.signed_up`)).toEqual([{ n: 1 }]);
      // Loaded out of order, the identify of minute 2 still wins over the one of minute 1.
      expect(await rows(`SELECT id, plan, seats FROM ${schema}.users`)).toEqual([
        { id: 'u-1', plan: 'team', seats: 3 },
      ]);
    } finally {
      await channel.close();
    }
  });
});
