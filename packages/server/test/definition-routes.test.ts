import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
beforeEach(async () => {
  t = await startTestTailor();
});
afterEach(async () => {
  await t.close();
});

function call(method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}

describe('segment and computed-trait definitions', () => {
  it('stores a definition in canonical text with its tree and references, and versions changes', async () => {
    const put = await call('PUT', '/v1/computed-traits/orders_30d', {
      definition: 'count( "Order Completed",30d )',
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      name: 'orders_30d',
      definition: 'count("Order Completed", 30d)',
      tree: {
        type: 'aggregate',
        fn: 'count',
        pattern: { event: 'Order Completed' },
        window: { amount: 30, unit: 'd' },
      },
      references: { events: ['Order Completed'], timeBased: true },
      version: 1,
    });
    const segment = await call('PUT', '/v1/segments/big spenders', {
      definition: 'computed.orders_30d >= 3 or sum("Order Completed".revenue, 365d) > 1000',
    });
    expect(segment.statusCode).toBe(200);
    expect(segment.json().references).toEqual({
      segments: [],
      computed: ['orders_30d'],
      events: ['Order Completed'],
      timeBased: true,
    });

    // The same text again keeps the version; a change bumps it. A JSON tree is accepted too.
    const again = await call('PUT', '/v1/segments/big%20spenders', {
      definition: segment.json().tree,
    });
    expect(again.json()).toMatchObject({ version: 1, definition: segment.json().definition });
    const changed = await call('PUT', '/v1/segments/big%20spenders', {
      definition: 'computed.orders_30d >= 5',
    });
    expect(changed.json().version).toBe(2);
    expect(
      (await call('GET', '/v1/segments')).json().items.map((d: { name: string }) => d.name),
    ).toEqual(['big spenders']);
    expect((await call('GET', '/v1/segments/big%20spenders')).json().definition).toBe(
      'computed.orders_30d >= 5',
    );
  });

  it.each([
    ['/v1/segments/s', 'traits.plan == "pro"', 13, /Expected/],
    ['/v1/segments/s', 'in_segment("nope")', 11, /^no segment named "nope" \(at offset 11\)$/],
    [
      '/v1/segments/s',
      'traits.x = 1 and computed.ghost > 2',
      17,
      /^no computed trait named ghost \(at offset 17\)$/,
    ],
    ['/v1/computed-traits/c', 'traits.plan = "pro"', 0, /Expected/],
  ])(
    'refuses a bad definition at %s with the reason and position (%s)',
    async (url, definition, position, message) => {
      const res = await call('PUT', url, { definition });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_request', position });
      expect(res.json().message).toMatch(message);
    },
  );

  it('refuses in_segment cycles and deleting what another segment uses', async () => {
    expect((await call('PUT', '/v1/segments/a', { definition: 'traits.x = 1' })).statusCode).toBe(
      200,
    );
    expect(
      (await call('PUT', '/v1/segments/b', { definition: 'in_segment("a")' })).statusCode,
    ).toBe(200);
    const cycle = await call('PUT', '/v1/segments/a', { definition: 'in_segment("b")' });
    expect(cycle.statusCode).toBe(400);
    expect(cycle.json().message).toMatch(/depend on itself/);
    const del = await call('DELETE', '/v1/segments/a');
    expect(del.statusCode).toBe(409);
    expect(del.json().message).toMatch(/used by segment b/);
    expect((await call('DELETE', '/v1/segments/b')).statusCode).toBe(204);
    expect((await call('DELETE', '/v1/segments/a')).statusCode).toBe(204);
    expect((await call('GET', '/v1/segments/a')).statusCode).toBe(404);
  });

  it('refuses deleting what a placement, an experiment or a model reads, until they no longer do', async () => {
    const put = async (url: string, body: object) => {
      const res = await call('PUT', url, body);
      expect(res.statusCode, res.body).toBe(200);
    };
    await put('/v1/segments/vip', { definition: 'traits.plan = "vip"' });
    await put('/v1/segments/eu', { definition: 'traits.region = "eu"' });
    await put('/v1/computed-traits/orders', { definition: 'count("Order Completed", 30d)' });
    await put('/v1/placements/hero', {
      items: [{ id: 'vip', when: 'in_segment("vip")', priority: 1, template: 'VIP' }],
      default: { id: 'plain', template: 'Hello' },
    });
    await put('/v1/experiments/banner', {
      variants: [{ id: 'a' }, { id: 'b' }],
      audience: 'in_segment("eu") and computed.orders > 0',
    });
    await put('/v1/models/buy', {
      type: 'propensity',
      label: { event: 'Order Completed', days: 30 },
      features: { computed: ['orders'] },
    });
    const refused = async (url: string, message: RegExp) => {
      const res = await call('DELETE', url);
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().message).toMatch(message);
    };
    await refused('/v1/segments/vip', /^vip is used by placement hero$/);
    await refused('/v1/segments/eu', /^eu is used by experiment banner$/);
    await refused('/v1/computed-traits/orders', /^orders is used by experiment banner, model buy$/);
    expect((await call('GET', '/v1/segments/vip')).statusCode).toBe(200);

    // Once they read something else (or are gone), the definitions go.
    await put('/v1/placements/hero', {
      items: [{ id: 'vip', when: 'traits.plan = "vip"', priority: 1, template: 'VIP' }],
      default: { id: 'plain', template: 'Hello' },
    });
    expect((await call('DELETE', '/v1/segments/vip')).statusCode).toBe(204);
    expect((await call('DELETE', '/v1/experiments/banner')).statusCode).toBe(204);
    expect((await call('DELETE', '/v1/segments/eu')).statusCode).toBe(204);
    await refused('/v1/computed-traits/orders', /^orders is used by model buy$/);
    expect((await call('DELETE', '/v1/models/buy')).statusCode).toBe(204);
    expect((await call('DELETE', '/v1/computed-traits/orders')).statusCode).toBe(204);
  });

  it('lets viewers read but only marketers and admins define', async () => {
    const write = await t.app.inject({
      method: 'PUT',
      url: '/v1/segments/x',
      headers: { authorization: t.writeAuth },
      payload: { definition: 'true' },
    });
    expect(write.statusCode).toBe(403);
  });
});
