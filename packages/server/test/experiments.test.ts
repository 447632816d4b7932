import { afterEach, describe, expect, it } from 'vitest';
import { analyzeExperiment, layerBucket } from '@tailor/core';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
let clock = Date.UTC(2026, 10, 29, 12);
afterEach(async () => {
  await t.close();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

async function start() {
  clock = Date.UTC(2026, 10, 29, 12);
  t = await startTestTailor({}, () => clock);
}
function admin(
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  url: string,
  payload?: object,
  key?: string,
) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: key === undefined ? t.adminAuth : `Bearer ${key}` },
    ...(payload !== undefined && { payload }),
  });
}
async function collect(batch: Record<string, unknown>[]) {
  for (let i = 0; i < batch.length; i += 500) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: t.writeAuth },
      payload: { batch: batch.slice(i, i + 500) },
    });
    expect(res.json().rejected).toEqual([]);
  }
  await t.tailor.pipeline.catchUp();
}
async function assign(name: string, person: Record<string, string>) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/experiments/${name}/assign`,
    headers: { authorization: t.writeAuth },
    payload: person,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ variant: string | null; reason?: string }>();
}
/** Assigns many people, 100 requests at a time (they share the log's commits). */
async function assignAll(name: string, people: Record<string, string>[]) {
  const out: { variant: string | null; reason?: string }[] = [];
  for (let i = 0; i < people.length; i += 100)
    out.push(...(await Promise.all(people.slice(i, i + 100).map((p) => assign(name, p)))));
  return out;
}

const CHECKOUT = {
  variants: [{ id: 'control' }, { id: 'one-page' }],
  metrics: [
    { name: 'purchase', type: 'conversion', event: 'Order Completed' },
    { name: 'purchase_1h', type: 'conversion', event: 'Order Completed', within: '1h' },
    { name: 'aov', type: 'mean', event: 'Order Completed', property: 'revenue' },
    { name: 'orders', type: 'count', event: 'Order Completed' },
    { name: 'refunds', type: 'conversion', event: 'Order Refunded', guardrail: true },
  ],
};

describe('experiments: definition', () => {
  it('stores, lists, reads and deletes experiments, with their status', async () => {
    await start();
    const put = await admin('PUT', '/v1/experiments/checkout', {
      ...CHECKOUT,
      start: iso(clock + DAY),
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      name: 'checkout',
      version: 1,
      status: 'scheduled',
      variants: [{ id: 'control' }, { id: 'one-page' }],
    });
    expect(
      (
        await admin('PUT', '/v1/experiments/checkout', { ...CHECKOUT, start: iso(clock + DAY) })
      ).json(),
    ).toMatchObject({ version: 1 });
    expect((await admin('PUT', '/v1/experiments/checkout', CHECKOUT)).json()).toMatchObject({
      version: 2,
      status: 'running',
    });
    expect(
      (await admin('GET', '/v1/experiments')).json().items.map((e: { name: string }) => e.name),
    ).toEqual(['checkout']);
    // Results before anyone is assigned: nothing to compare, nothing mismatched.
    const empty = await admin('GET', '/v1/experiments/checkout/results');
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toMatchObject({
      exposures: 0,
      srm: { ok: true, pValue: null },
      variants: [
        { id: 'control', users: 0 },
        { id: 'one-page', users: 0 },
      ],
    });
    expect(empty.json().variants[1].metrics.purchase).toMatchObject({
      users: 0,
      conversions: 0,
      rate: null,
      pValue: null,
    });
    expect((await admin('GET', '/v1/experiments/checkout')).json()).toMatchObject({
      name: 'checkout',
      metrics: CHECKOUT.metrics,
    });
    expect((await admin('DELETE', '/v1/experiments/checkout')).statusCode).toBe(204);
    expect((await admin('GET', '/v1/experiments/checkout')).statusCode).toBe(404);
    expect((await admin('DELETE', '/v1/experiments/checkout')).statusCode).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/experiments/checkout/assign',
          headers: { authorization: t.writeAuth },
          payload: { userId: 'u' },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('refuses bad input with a clear reason: audience (with its position), variants, control, times, metrics, layer room', async () => {
    await start();
    const bad = async (body: object, message: RegExp, position?: number) => {
      const res = await admin('PUT', '/v1/experiments/x', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().message).toMatch(message);
      if (position !== undefined) expect(res.json().position).toBe(position);
    };
    const v = [{ id: 'a' }, { id: 'b' }];
    await bad({ variants: v, audience: 'traits.plan = ' }, /^audience: /, 14);
    await bad(
      { variants: v, audience: 'count("Order Completed") > 2' },
      /^audience: count\(\.\.\.\) belongs in a computed trait/,
    );
    await bad({ variants: v, audience: 'in_segment("nope")' }, /audience: no segment named "nope"/);
    await bad(
      { variants: v, audience: 'computed.ltv > 3' },
      /audience: no computed trait named ltv/,
    );
    await bad({ variants: [{ id: 'a' }, { id: 'a' }] }, /variants: ids must be unique/);
    await bad(
      {
        variants: [
          { id: 'a', weight: 0 },
          { id: 'b', weight: 0 },
        ],
      },
      /at least one weight must be above 0/,
    );
    await bad({ variants: [{ id: 'a' }] }, /variants/);
    await bad({ variants: v, control: 'c' }, /control: no variant c/);
    await bad(
      { variants: v, start: iso(clock), stop: iso(clock - 1) },
      /stop: must be after start/,
    );
    await bad({ variants: v, traffic: 1.5 }, /traffic/);
    await bad(
      { variants: v, metrics: [{ name: 'm', type: 'mean', event: 'E' }] },
      /metrics\[0\]\.property: a mean metric needs/,
    );
    await bad(
      { variants: v, metrics: [{ name: 'm', type: 'conversion', event: 'E', within: '7 days' }] },
      /within/,
    );
    await bad(
      {
        variants: v,
        metrics: [
          { name: 'm', type: 'count', event: 'E' },
          { name: 'm', type: 'count', event: 'F' },
        ],
      },
      /metrics\[1\]\.name: m is used twice/,
    );
    await bad({ variants: v, metrics: [{ name: 'm', type: 'ratio', event: 'E' }] }, /type/);
    expect(
      (await admin('PUT', '/v1/experiments/l1', { variants: v, layer: 'home', traffic: 0.7 }))
        .statusCode,
    ).toBe(200);
    await bad(
      { variants: v, layer: 'home', traffic: 0.4 },
      /traffic: layer home has no free slice of 0.4 \(l1 hold 70% of it\)/,
    );
  });

  it('lets a marketer define, a viewer read, and a write key only assign', async () => {
    await start();
    const now = new Date();
    const marketer = await t.tailor.keys.create('m', 'marketer', now);
    const viewer = await t.tailor.keys.create('v', 'viewer', now);
    expect(
      (await admin('PUT', '/v1/experiments/e', { variants: [{ id: 'a' }, { id: 'b' }] }, marketer))
        .statusCode,
    ).toBe(200);
    expect(
      (await admin('PUT', '/v1/experiments/e', { variants: [{ id: 'a' }, { id: 'b' }] }, viewer))
        .statusCode,
    ).toBe(403);
    expect((await admin('DELETE', '/v1/experiments/e', undefined, viewer)).statusCode).toBe(403);
    expect((await admin('GET', '/v1/experiments/e', undefined, viewer)).statusCode).toBe(200);
    expect((await admin('GET', '/v1/experiments/e/results', undefined, viewer)).statusCode).toBe(
      200,
    );
    expect(
      (await admin('POST', '/v1/experiments/e/assign', { userId: 'u' }, viewer)).statusCode,
    ).toBe(403);
    const write = { authorization: t.writeAuth };
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/experiments/e', headers: write })).statusCode,
    ).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'PUT',
          url: '/v1/experiments/e',
          headers: write,
          payload: { variants: [{ id: 'a' }, { id: 'b' }] },
        })
      ).statusCode,
    ).toBe(403);
    // The write key in the body, as a browser's sendBeacon sends it.
    const beacon = await t.app.inject({
      method: 'POST',
      url: '/v1/experiments/e/assign',
      payload: { anonymousId: 'anon-1', writeKey: 'test-write-key-0001' },
    });
    expect(beacon.statusCode).toBe(200);
    expect(beacon.json().variant).toMatch(/^[ab]$/);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/experiments/e/assign',
          headers: write,
          payload: {},
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/experiments/nope/assign',
          headers: write,
          payload: { userId: 'u' },
        })
      ).statusCode,
    ).toBe(404);
  });
});

describe('experiments: assignment', () => {
  it('is sticky, records one `Experiment Viewed` event per assignment, and records nothing when nobody is assigned', async () => {
    await start();
    await admin('PUT', '/v1/experiments/hero', {
      variants: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      layer: 'home',
      traffic: 0.5,
    });
    const first = await assignAll(
      'hero',
      Array.from({ length: 300 }, (_, i) => ({ userId: `u${i}` })),
    );
    const again = await assignAll(
      'hero',
      Array.from({ length: 300 }, (_, i) => ({ userId: `u${i}` })),
    );
    expect(again).toEqual(first);
    const assigned = first.filter((r) => r.variant !== null).length;
    expect(assigned).toBeGreaterThan(100);
    expect(assigned).toBeLessThan(200);
    expect(
      first
        .filter((r) => r.variant === null)
        .every((r) => r.reason === 'outside the traffic share'),
    ).toBe(true);

    const inIndex = first.findIndex((r) => r.variant !== null);
    const outIndex = first.findIndex((r) => r.variant === null);
    const events = async (userId: string) =>
      (
        (await admin('GET', `/v1/events?userId=${userId}`)).json().events as {
          event: string;
          properties: object;
          userId: string;
          anonymousId: string | null;
        }[]
      ).filter((e) => e.event === 'Experiment Viewed');
    const seen = await events(`u${inIndex}`);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({
      userId: `u${inIndex}`,
      anonymousId: null,
      properties: { experiment: 'hero', variant: first[inIndex]?.variant, layer: 'home' },
    });
    expect(await events(`u${outIndex}`)).toEqual([]);
  });

  it('assigns only while running, inside the audience, and never two experiments of a layer to one person', async () => {
    await start();
    await admin('PUT', '/v1/segments/vip', { definition: 'traits.plan = "vip"' });
    await admin('PUT', '/v1/experiments/later', {
      variants: [{ id: 'a' }, { id: 'b' }],
      start: iso(clock + HOUR),
      stop: iso(clock + 2 * HOUR),
    });
    expect(await assign('later', { userId: 'x' })).toEqual({
      variant: null,
      reason: `not started: starts at ${iso(clock + HOUR)}`,
    });
    clock += HOUR;
    expect((await assign('later', { userId: 'x' })).variant).not.toBeNull();
    clock += HOUR;
    expect(await assign('later', { userId: 'x' })).toEqual({
      variant: null,
      reason: `stopped at ${iso(clock)}`,
    });

    await admin('PUT', '/v1/experiments/vips', {
      variants: [{ id: 'a' }, { id: 'b' }],
      audience: 'in_segment("vip")',
    });
    await collect([
      { type: 'identify', userId: 'ann', traits: { plan: 'vip' } },
      { type: 'identify', userId: 'bob', traits: { plan: 'free' } },
    ]);
    expect((await assign('vips', { userId: 'ann' })).variant).not.toBeNull();
    expect(await assign('vips', { userId: 'bob' })).toEqual({
      variant: null,
      reason: 'not in the audience',
    });
    expect(await assign('vips', { anonymousId: 'stranger' })).toEqual({
      variant: null,
      reason: 'unknown person: the audience needs a profile',
    });
    // The audience reads the current state: bob becomes a vip.
    await collect([{ type: 'identify', userId: 'bob', traits: { plan: 'vip' } }]);
    expect((await assign('vips', { userId: 'bob' })).variant).not.toBeNull();

    // A layer: two experiments take 40% and 50% of it; nobody is in both.
    expect(
      (
        await admin('PUT', '/v1/experiments/red', {
          variants: [{ id: 'a' }, { id: 'b' }],
          layer: 'pdp',
          traffic: 0.4,
        })
      ).json().layerRange,
    ).toEqual([0, 0.4]);
    expect(
      (
        await admin('PUT', '/v1/experiments/blue', {
          variants: [{ id: 'a' }, { id: 'b' }],
          layer: 'pdp',
          traffic: 0.5,
        })
      ).json().layerRange,
    ).toEqual([0.4, 0.9]);
    const people = Array.from({ length: 1000 }, (_, i) => ({ userId: `p${i}` }));
    const [red, blue] = [await assignAll('red', people), await assignAll('blue', people)];
    let inRed = 0;
    let inBlue = 0;
    for (let i = 0; i < people.length; i++) {
      const bucket = layerBucket('pdp', `p${i}`);
      expect(red[i]?.variant !== null && blue[i]?.variant !== null).toBe(false);
      if (red[i]?.variant !== null) inRed++;
      if (blue[i]?.variant !== null) inBlue++;
      if (bucket >= 0.4 && bucket < 0.9)
        expect(red[i]).toEqual({ variant: null, reason: 'in experiment blue of layer pdp' });
      if (bucket >= 0.9)
        expect(red[i]).toEqual({ variant: null, reason: 'outside the traffic share' });
    }
    expect(inRed).toBeGreaterThan(330);
    expect(inRed).toBeLessThan(470);
    expect(inBlue).toBeGreaterThan(430);
    expect(inBlue).toBeLessThan(570);
    // A running experiment grows in place when the layer has room: everyone keeps their variant.
    expect(
      (
        await admin('PUT', '/v1/experiments/blue', {
          variants: [{ id: 'a' }, { id: 'b' }],
          layer: 'pdp',
          traffic: 0.6,
        })
      ).json().layerRange,
    ).toEqual([0.4, 1]);
    const blueAgain = await assignAll('blue', people);
    blue.forEach((r, i) => {
      if (r.variant !== null) expect(blueAgain[i]?.variant).toBe(r.variant);
    });
    // It cannot grow over another one that runs.
    const over = await admin('PUT', '/v1/experiments/red', {
      variants: [{ id: 'a' }, { id: 'b' }],
      layer: 'pdp',
      traffic: 0.5,
    });
    expect(over.statusCode).toBe(400);
    expect(over.json().message).toMatch(
      /red runs in layer pdp at \[0, 0.4\) and cannot grow there to 0.5 without taking people from blue/,
    );
  });
});

describe('experiments: results', () => {
  it('measures 2,000 people assigned through the API: users, rates, means, counts, SRM and the core statistic', async () => {
    await start();
    expect((await admin('PUT', '/v1/experiments/checkout', CHECKOUT)).statusCode).toBe(200);
    const assignedAt = clock;
    // A pre-period: every 7th person ordered 3 days before (CUPED's covariate), another 20 days before (outside).
    await collect(
      Array.from({ length: 2000 }, (_, i) => i)
        .filter((i) => i % 7 === 0)
        .flatMap((i) => [
          {
            type: 'track',
            userId: `u${i}`,
            event: 'Order Completed',
            properties: { revenue: 999 },
            timestamp: iso(assignedAt - 3 * DAY),
          },
          {
            type: 'track',
            userId: `u${i}`,
            event: 'Order Completed',
            properties: { revenue: 999 },
            timestamp: iso(assignedAt - 20 * DAY),
          },
        ]),
    );
    const people = Array.from({ length: 2000 }, (_, i) => ({ userId: `u${i}` }));
    const variants = (await assignAll('checkout', people)).map((r) => r.variant);
    expect(variants.every((v) => v === 'control' || v === 'one-page')).toBe(true);

    // Known conversion shares: 10% of control (i % 10 = 0), 20% of one-page (i % 10 < 2), each
    // with one order of 50 (control) or 60 (one-page) two hours after assignment; one-page
    // converters with i % 20 = 1 order a second time. Nobody refunds.
    clock += 2 * HOUR;
    const orders: Record<string, unknown>[] = [];
    const expected = {
      control: { users: 0, conversions: 0, orders: 0, ordersSquares: 0 },
      'one-page': { users: 0, conversions: 0, orders: 0, ordersSquares: 0 },
    };
    variants.forEach((v, i) => {
      const e = expected[v as keyof typeof expected];
      e.users++;
      const converts = v === 'control' ? i % 10 === 0 : i % 10 < 2;
      if (!converts) return;
      const count = v === 'one-page' && i % 20 === 1 ? 2 : 1;
      e.conversions++;
      e.orders += count;
      e.ordersSquares += count * count;
      for (let k = 0; k < count; k++)
        orders.push({
          type: 'track',
          userId: `u${i}`,
          event: 'Order Completed',
          properties: { revenue: v === 'control' ? 50 : 60 },
          timestamp: iso(clock),
        });
    });
    await collect(orders);
    // A person seen later in the other variant (a client's own exposure event) counts once, in the first.
    const moved = variants.indexOf('control');
    await collect([
      {
        type: 'track',
        userId: `u${moved}`,
        event: 'Experiment Viewed',
        properties: { experiment: 'checkout', variant: 'one-page' },
      },
    ]);

    const res = await admin('GET', '/v1/experiments/checkout/results');
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({
      experiment: 'checkout',
      control: 'control',
      exposures: 2001,
      srm: { ok: true },
    });
    expect(r.metrics.find((m: { name: string }) => m.name === 'refunds')).toMatchObject({
      guardrail: true,
    });
    const [control, onePage] = r.variants;
    expect(control).toMatchObject({ id: 'control', users: expected.control.users });
    expect(onePage).toMatchObject({ id: 'one-page', users: expected['one-page'].users });
    expect(Number(control.users) + Number(onePage.users)).toBe(2000);
    for (const [v, e] of [
      [control, expected.control],
      [onePage, expected['one-page']],
    ] as const) {
      expect(v.metrics.purchase).toMatchObject({
        type: 'conversion',
        users: e.users,
        conversions: e.conversions,
      });
      expect(v.metrics.purchase.rate).toBeCloseTo(e.conversions / e.users, 12);
      // Ordered two hours after assignment: outside a one-hour window.
      expect(v.metrics.purchase_1h).toMatchObject({ conversions: 0 });
      expect(v.metrics.aov).toMatchObject({
        type: 'mean',
        n: e.orders,
        mean: v.id === 'control' ? 50 : 60,
      });
      expect(v.metrics.orders).toMatchObject({ type: 'mean', n: e.users });
      expect(v.metrics.orders.mean).toBeCloseTo(e.orders / e.users, 12);
      expect(v.metrics.refunds).toMatchObject({ conversions: 0, rate: 0 });
      // Pre-period orders vary within each variant, so CUPED runs on purchases.
      expect(v.metrics.purchase.cuped).not.toBeNull();
    }
    expect(control.metrics.purchase.pValue).toBeNull();
    // The p-value is the core statistic on the same counts.
    const core = analyzeExperiment(
      {
        variants: [
          {
            id: 'control',
            users: expected.control.users,
            metrics: {
              purchase: {
                users: expected.control.users,
                conversions: expected.control.conversions,
              },
            },
          },
          {
            id: 'one-page',
            users: expected['one-page'].users,
            metrics: {
              purchase: {
                users: expected['one-page'].users,
                conversions: expected['one-page'].conversions,
              },
            },
          },
        ],
      },
      [{ name: 'purchase', type: 'conversion' }],
    );
    if (!core.ok) throw new Error(core.error);
    const corePurchase = core.value.variants[1]?.metrics.purchase;
    expect(onePage.metrics.purchase.pValue).toBe(corePurchase?.pValue);
    expect(onePage.metrics.purchase.chanceToBeatControl).toBe(corePurchase?.chanceToBeatControl);
    expect(onePage.metrics.purchase.pValue).toBeLessThan(1e-6); // 10% against 20% over ~1,000 people each
    expect(r.srm).toEqual(core.value.srm);
    // The omnibus test comes first in the response, one per metric (with two arms, z² = X²).
    expect(Object.keys(r).indexOf('omnibus')).toBeLessThan(Object.keys(r).indexOf('variants'));
    expect(r.omnibus.purchase).toEqual(core.value.omnibus.purchase);
    expect(r.omnibus.orders).toMatchObject({ test: 'welch-anova', df: 1, arms: 2 });
    expect(r.omnibus.aov).toBeNull(); // every order is 50 in one arm and 60 in the other: no spread
    expect(r.omnibus.refunds).toBeNull(); // nobody refunded: nothing to test
  }, 60_000);

  it('counts the conversion of a person assigned anonymously who orders once logged in (the event carries both ids)', async () => {
    await start();
    await admin('PUT', '/v1/experiments/e', {
      variants: [{ id: 'a' }, { id: 'b' }],
      metrics: [{ name: 'buy', type: 'conversion', event: 'Order Completed' }],
    });
    const { variant } = await assign('e', { anonymousId: 'device-1' });
    clock += HOUR;
    await collect([
      {
        type: 'track',
        userId: 'ann',
        anonymousId: 'device-1',
        event: 'Order Completed',
        timestamp: iso(clock),
      },
    ]);
    const r = (await admin('GET', '/v1/experiments/e/results')).json();
    const mine = r.variants.find((v: { id: string }) => v.id === variant);
    expect(mine).toMatchObject({ users: 1, metrics: { buy: { conversions: 1 } } });
  });

  it('analyses a mean metric per person: Σ revenue / Σ orders, with each person who ordered a cluster (the delta method)', async () => {
    await start();
    await admin('PUT', '/v1/experiments/e', {
      variants: [{ id: 'a' }, { id: 'b' }],
      metrics: [{ name: 'aov', type: 'mean', event: 'Order Completed', property: 'revenue' }],
    });
    const people = Array.from({ length: 60 }, (_, i) => `m${i}`);
    const variants = (
      await assignAll(
        'e',
        people.map((userId) => ({ userId })),
      )
    ).map((r) => r.variant as 'a' | 'b');
    clock += HOUR;
    // Person i orders i % 4 times (some never), amounts varying within and between people.
    const sums = {
      a: {
        n: 0,
        sum: 0,
        sumSquares: 0,
        count: 0,
        countSquares: 0,
        sumTimesCount: 0,
        withValues: 0,
      },
      b: {
        n: 0,
        sum: 0,
        sumSquares: 0,
        count: 0,
        countSquares: 0,
        sumTimesCount: 0,
        withValues: 0,
      },
    };
    const events: Record<'a' | 'b', number[]> = { a: [], b: [] };
    const orders = people.flatMap((userId, i) => {
      const v = variants[i]!;
      const amounts = Array.from(
        { length: i % 4 },
        (_, k) => 10 + ((i * 7) % 13) * 5 + k * (v === 'b' ? 4 : 1),
      );
      const total = amounts.reduce((a, x) => a + x, 0);
      const s = sums[v];
      s.n++;
      s.sum += total;
      s.sumSquares += total * total;
      s.count += amounts.length;
      s.countSquares += amounts.length ** 2;
      s.sumTimesCount += total * amounts.length;
      if (amounts.length > 0) s.withValues++; // people who never ordered add no degree of freedom
      events[v].push(...amounts);
      return amounts.map((revenue) => ({
        type: 'track',
        userId,
        event: 'Order Completed',
        properties: { revenue },
        timestamp: iso(clock),
      }));
    });
    await collect(orders);
    const r = (await admin('GET', '/v1/experiments/e/results')).json();
    // The core's ratio statistics (checked against SciPy on per-person data) on the sums made here.
    const core = analyzeExperiment(
      {
        variants: (['a', 'b'] as const).map((id) => ({
          id,
          users: sums[id].n,
          metrics: { aov: sums[id] },
        })),
      },
      [{ name: 'aov', type: 'ratio' }],
    );
    if (!core.ok) throw new Error(core.error);
    for (const [i, id] of (['a', 'b'] as const).entries()) {
      const served = r.variants[i].metrics.aov;
      expect(served).toMatchObject({
        type: 'mean',
        n: events[id].length,
        users: sums[id].n,
        cuped: null,
      });
      expect(served.mean).toBeCloseTo(events[id].reduce((a, x) => a + x, 0) / events[id].length, 9);
      expect(served).toEqual(core.value.variants[i]?.metrics.aov);
    }
  });
});
