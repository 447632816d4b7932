import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootstrapKeys } from '../src/keys/key-registry.js';
import { startTestTailor, WRITE_KEY, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
beforeEach(async () => {
  t = await startTestTailor();
});
afterEach(async () => {
  await t.close();
});

async function collect(batch: Record<string, unknown>[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: t.writeAuth },
    payload: { batch },
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function admin(method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}

describe('GET /v1/events', () => {
  it('pages one person’s events in log order with an opaque cursor', async () => {
    const mine = Array.from({ length: 7 }, (_, i) => ({
      type: 'track',
      userId: 'p1',
      event: `E${i}`,
      messageId: `p1-${i}`,
    }));
    const others = [
      { type: 'track', userId: 'p2', event: 'X' },
      { type: 'page', anonymousId: 'a1', name: 'Home' },
    ];
    await collect([...mine.slice(0, 3), ...others, ...mine.slice(3)]);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/v1/events?userId=p1&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await admin('GET', query);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      seen.push(...page.events.map((e: { messageId: string }) => e.messageId));
      cursor = page.next;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(mine.map((m) => m.messageId));
    expect(pages).toBe(3);

    const anonymous = (await admin('GET', '/v1/events?anonymousId=a1')).json();
    expect(anonymous).toMatchObject({
      events: [{ type: 'page', anonymousId: 'a1', userId: null, name: 'Home' }],
      next: null,
    });
  });

  it('each event carries the fields the contract names', async () => {
    await collect([{ type: 'track', userId: 'p3', event: 'Viewed', properties: { sku: 'A1' } }]);
    const [event] = (await admin('GET', '/v1/events?userId=p3')).json().events;
    for (const field of [
      'messageId',
      'type',
      'userId',
      'anonymousId',
      'event',
      'properties',
      'timestamp',
      'receivedAt',
    ]) {
      expect(event).toHaveProperty(field);
    }
  });

  it.each([
    ['the whole log oldest first', '/v1/events?order=asc'],
    ['a filter on the oldest-first read', '/v1/events?userId=a&order=asc&event=X'],
    ['a type that is none', '/v1/events?type=click'],
    ['both identifiers', '/v1/events?userId=a&anonymousId=b'],
    ['a forged cursor', '/v1/events?userId=a&cursor=bm9wZQ'],
    ['a limit over 1000', '/v1/events?userId=a&limit=5000'],
  ])('400 for %s', async (_name, url) => {
    const res = await admin('GET', url);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('invalid_request');
  });
});

describe('tracking plans', () => {
  const orderPlan = {
    mode: 'allow',
    schema: {
      type: 'object',
      required: ['revenue'],
      properties: {
        revenue: { type: 'number' },
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      },
    },
  };

  it('allow mode stores every message and counts violations per event and rule', async () => {
    expect(
      (await admin('PUT', '/v1/tracking-plans/events/Order%20Completed', orderPlan)).statusCode,
    ).toBe(200);
    const outcome = await collect([
      {
        type: 'track',
        userId: 'q',
        event: 'Order Completed',
        properties: { revenue: 'ten', currency: 'usd' },
      },
      { type: 'track', userId: 'q', event: 'Order Completed', properties: { currency: 'EUR' } },
      { type: 'track', userId: 'q', event: 'Order Completed', properties: { revenue: 3 } },
      { type: 'track', userId: 'q', event: 'Unplanned', properties: { anything: true } },
    ]);
    expect(outcome).toMatchObject({ stored: 4, rejected: [] });

    const res = (await admin('GET', '/v1/quality/violations?event=Order%20Completed')).json();
    const counts = Object.fromEntries(
      res.violations.map((v: { rule: string; count: number }) => [v.rule, v.count]),
    );
    expect(counts).toEqual({ '/revenue type': 1, '/currency pattern': 1, '/revenue required': 1 });
    expect(res.total).toBe(3);
    expect(res.violations[0]).toMatchObject({
      event: 'Order Completed',
      firstSeenAt: expect.any(String),
      lastSeenAt: expect.any(String),
      example: expect.any(String),
    });
  });

  it('block mode rejects with the reason, alone and in a batch', async () => {
    await admin('PUT', '/v1/tracking-plans/traits', {
      mode: 'block',
      schema: { type: 'object', properties: { age: { type: 'integer', minimum: 0 } } },
    });
    const single = await t.app.inject({
      method: 'POST',
      url: '/v1/identify',
      headers: { authorization: t.writeAuth },
      payload: { userId: 'r', traits: { age: -3 } },
    });
    expect(single.statusCode).toBe(400);
    expect(single.json()).toMatchObject({
      code: 'blocked_by_tracking_plan',
      message: expect.stringMatching(/\/age minimum/),
    });
    const batch = await collect([
      { type: 'identify', userId: 'r', traits: { age: 'old' } },
      { type: 'identify', userId: 'r', traits: { age: 40 } },
    ]);
    expect(batch).toMatchObject({
      stored: 1,
      rejected: [{ index: 0, reason: expect.stringMatching(/\/age type/) }],
    });
    const traits = (await admin('GET', '/v1/quality/violations?event=%24identify')).json();
    expect(traits.total).toBe(2);
  });

  it('lists and deletes plans; refuses a schema that is not JSON Schema', async () => {
    await admin('PUT', '/v1/tracking-plans/events/Signed%20Up', orderPlan);
    const list = (await admin('GET', '/v1/tracking-plans')).json();
    expect(list.plans).toMatchObject([{ target: 'event:Signed Up', mode: 'allow' }]);
    const bad = await admin('PUT', '/v1/tracking-plans/traits', {
      mode: 'allow',
      schema: { type: 'object', properties: { a: { type: 7 } } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/JSON Schema/);
    expect((await admin('DELETE', '/v1/tracking-plans/events/Signed%20Up')).statusCode).toBe(204);
    expect((await admin('DELETE', '/v1/tracking-plans/events/Signed%20Up')).statusCode).toBe(404);
    expect((await admin('GET', '/v1/tracking-plans')).json().plans).toEqual([]);
  });

  it('a write key cannot change plans', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/v1/tracking-plans/traits',
      headers: { authorization: `Bearer ${WRITE_KEY}` },
      payload: orderPlan,
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('keys', () => {
  it('creates keys by role, lists them without secrets, and revokes them', async () => {
    const made = await admin('PUT', '/v1/keys/analyst', { role: 'viewer' });
    expect(made.statusCode).toBe(200);
    const { key } = made.json();
    expect(key).toMatch(/^tv_/);
    const asViewer = { authorization: `Bearer ${key}` };
    expect((await t.app.inject({ url: '/v1/events?userId=x', headers: asViewer })).statusCode).toBe(
      200,
    );
    expect((await t.app.inject({ url: '/v1/keys', headers: asViewer })).statusCode).toBe(403);

    const list = (await admin('GET', '/v1/keys')).json().keys;
    expect(list.map((k: { name: string }) => k.name)).toContain('analyst');
    expect(JSON.stringify(list)).not.toContain(key);

    expect((await admin('DELETE', '/v1/keys/analyst')).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/v1/events?userId=x', headers: asViewer })).statusCode).toBe(
      401,
    );
    expect((await admin('PUT', '/v1/keys/x', { role: 'root' })).statusCode).toBe(400);
  });

  it('registers env keys at start, creates defaults only on a first start, and stores keys hashed', async () => {
    const registry = t.tailor.keys;
    const result = await bootstrapKeys(registry, { writeKey: 'env-write-key-123456' }, new Date());
    expect(result.created).toEqual([]); // the test keys already exist: not a first start
    expect(registry.authenticate('env-write-key-123456')?.role).toBe('write');
    await t.tailor.close();
    const stateFile = readFileSync(join(t.dir, 'state.sqlite')).toString('latin1');
    expect(stateFile).not.toContain('env-write-key-123456');
    expect(stateFile).not.toContain(WRITE_KEY);
  });
});

describe('system routes', () => {
  it('health reports readiness; metrics count events for a key that may read; openapi documents the routes', async () => {
    await collect([
      { type: 'track', userId: 's', event: 'A' },
      { type: 'track', event: 'no id' },
    ]);
    // Not ready until the background work (pipeline, dispatcher) runs; this test's Tailor folds by hand.
    const starting = await t.app.inject({ url: '/health' });
    expect(starting.statusCode).toBe(200);
    expect(starting.json()).toEqual({ status: 'starting', ready: false, background: 'starting' });
    t.tailor.background.start();
    await t.tailor.background.ready();
    const health = (await t.app.inject({ url: '/health' })).json();
    expect(health).toEqual({ status: 'ok', ready: true, background: 'running' });

    // Traffic and error rates are not for anyone holding the public write key.
    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ url: '/metrics', headers: { authorization: t.writeAuth } })).statusCode,
    ).toBe(403);
    const metrics = (
      await t.app.inject({ url: '/metrics', headers: { authorization: t.adminAuth } })
    ).body;
    expect(metrics).toMatch(/^tailor_events_received_total 2$/m);
    expect(metrics).toMatch(/^tailor_events_stored_total 1$/m);
    expect(metrics).toMatch(/^tailor_events_rejected_total\{reason="invalid"\} 1$/m);
    expect(metrics).toMatch(/^tailor_log_events 1$/m);
    expect(metrics).toMatch(/tailor_http_request_duration_seconds_bucket\{.*route="\/v1\/batch"/);
    expect(metrics).toMatch(/^tailor_log_size_bytes \d+/m);
    expect(metrics).toMatch(/^tailor_recommendation_lists_ahead 0$/m);

    const spec = (await t.app.inject({ url: '/openapi.json' })).json();
    expect(spec.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/track',
      '/v1/batch',
      '/v1/events',
      '/v1/keys/{name}',
      '/v1/quality/violations',
    ]) {
      expect(spec.paths).toHaveProperty([path]);
    }
    expect(JSON.stringify(spec.paths['/v1/track'].post.requestBody)).toContain('event');
  });

  it('http.publicMetrics opens /metrics to a scraper without a key', async () => {
    const open = await startTestTailor({ http: { publicMetrics: true } });
    try {
      const metrics = await open.app.inject({ url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toMatch(/^tailor_events_received_total 0$/m);
    } finally {
      await open.close();
    }
  });

  it('an unknown route is a 404 with a code', async () => {
    const res = await t.app.inject({ url: '/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('not_found');
  });
});
