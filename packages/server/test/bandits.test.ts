import { afterEach, describe, expect, it } from 'vitest';
import type { Decision } from '../src/decide/decider.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
const T0 = Date.UTC(2026, 10, 29, 12);
let clock = T0;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
afterEach(async () => {
  await t.close();
});

function admin(method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}
const collect = (batch: Record<string, unknown>[]) => t.collect(batch);
async function decide(who: Record<string, string>): Promise<Decision> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/decide',
    headers: { authorization: t.adminAuth }, // full reasons (the draws); the write key gets ids only
    payload: { ...who, placements: ['hero'] },
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ decisions: Decision[] }>().decisions[0]!;
}
const identify = (ids: string[]) =>
  collect(
    ids.map((userId) => ({
      type: 'identify',
      userId,
      traits: { plan: 'free' },
      timestamp: new Date(T0 - DAY).toISOString(),
    })),
  );
const order = (userId: string, at: number) => ({
  type: 'track',
  userId,
  event: 'Order Completed',
  properties: { revenue: 10 },
  timestamp: new Date(at).toISOString(),
});
const arms = async () =>
  Object.fromEntries(
    (await admin('GET', '/v1/placements/hero/arms'))
      .json()
      .items.map((i: { id: string }) => [i.id, i]),
  );

const HERO = {
  items: [
    { id: 'a', priority: 0, template: 'A' },
    { id: 'b', priority: 0, template: 'B' },
    {
      id: 'flash',
      priority: 0,
      override: true,
      template: 'Flash',
      schedule: { start: new Date(T0 + 30 * DAY).toISOString() },
    },
  ],
  default: { id: 'welcome', template: 'Welcome' },
  optimize: { method: 'thompson', metric: { event: 'Order Completed', within: '7d' } },
};

describe('placements that optimize by Thompson sampling', () => {
  it('count people shown and converted per item from the log, and come to favour the item that converts', async () => {
    t = await startTestTailor({}, () => clock);
    const put = await admin('PUT', '/v1/placements/hero', HERO);
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ optimize: HERO.optimize });
    const bad = await admin('PUT', '/v1/placements/other', {
      ...HERO,
      optimize: { method: 'thompson', metric: { event: 'Decision Made' } },
    });
    expect(bad.statusCode).toBe(400);

    const people = Array.from({ length: 200 }, (_, i) => `p${i}`);
    await identify(people);
    // Before any count every item is Beta(1, 1): both are served, each with its draw in the reasons.
    const firstSeen = new Map<string, Map<string, number>>();
    const show = (person: string, item: string) => {
      const seen = firstSeen.get(person) ?? new Map<string, number>();
      if (!seen.has(item)) seen.set(item, clock);
      firstSeen.set(person, seen);
    };
    // An exposure counts as it is decided, before the pipeline folds its record: each item's
    // count is the people shown it so far.
    const first = new Map<string, string>();
    const shownSoFar = new Map<string, number>();
    for (const person of people) {
      const d = await decide({ userId: person });
      expect(d).toMatchObject({ fallback: false, content: d.itemId === 'a' ? 'A' : 'B' });
      const before = shownSoFar.get(d.itemId!) ?? 0;
      expect(d.reasons[0]).toMatch(
        new RegExp(
          `^${d.itemId!}: chosen, thompson: sampled [\\d.e-]+ \\(0/${before} converted\\)$`,
        ),
      );
      shownSoFar.set(d.itemId!, before + 1);
      expect(d.reasons).toContain('flash: outside its schedule');
      first.set(person, d.itemId!);
      show(person, d.itemId!);
    }
    const shownA = people.filter((p) => first.get(p) === 'a');
    expect(shownA.length).toBeGreaterThan(60);
    expect(shownA.length).toBeLessThan(140);
    // Shown again an hour later: still one person each (the second item is a first exposure to it).
    clock = T0 + HOUR;
    for (const person of people.slice(0, 20))
      show(person, (await decide({ userId: person })).itemId!);
    // Unknown people get the default as a fallback: not an exposure.
    expect(await decide({ anonymousId: 'stranger' })).toMatchObject({
      itemId: 'welcome',
      fallback: true,
    });

    // People first shown a convert one in two, people first shown b one in ten; plus orders that must not count.
    const converters = people.filter((p, i) => (first.get(p) === 'a' ? i % 2 === 0 : i % 10 === 0));
    const orders = converters.map((p) => order(p, T0 + 2 * HOUR));
    const late = people.find(
      (p) => !converters.includes(p) && !firstSeen.get(p)?.has('a') && people.indexOf(p) >= 20,
    )!;
    const early = people.find(
      (p) => !converters.includes(p) && p !== late && people.indexOf(p) >= 20,
    )!;
    orders.push(order(early, T0 - HOUR), order(converters[0]!, T0 + 3 * HOUR));
    await collect(orders);
    // The late order arrives when it happens: a time more than a day past its arrival is taken as the arrival.
    clock = T0 + 8 * DAY;
    await collect([order(late, T0 + 8 * DAY)]);
    clock = T0 + HOUR;

    // The reference: distinct people per item, converted when an order fell in [first exposure, + 7 days).
    const expected = (item: string, without: readonly string[] = []) => {
      let exposures = 0;
      let conversions = 0;
      for (const [person, seen] of firstSeen) {
        const at = seen.get(item);
        if (at === undefined || without.includes(person)) continue;
        exposures++;
        if (converters.includes(person) && T0 + 2 * HOUR >= at && T0 + 2 * HOUR < at + 7 * DAY)
          conversions++;
      }
      return { exposures, conversions };
    };
    let counts = await arms();
    expect(counts.a).toMatchObject(expected('a'));
    expect(counts.b).toMatchObject(expected('b'));
    expect(counts.flash).toMatchObject({ exposures: 0, conversions: 0, rate: null });
    expect(counts.a.rate).toBeCloseTo(expected('a').conversions / expected('a').exposures, 12);
    expect(counts.a.conversions / counts.a.exposures).toBeGreaterThan(0.35);
    expect(counts.b.conversions / counts.b.exposures).toBeLessThan(0.2);

    // Erasing a person takes them out of the counts.
    const erased = converters.find((p) => first.get(p) === 'a')!;
    expect(
      (await admin('POST', '/v1/privacy/erase', { identifier: `userId:${erased}` })).statusCode,
    ).toBe(202);
    await collect([]);
    counts = await arms();
    expect(counts.a).toMatchObject(expected('a', [erased]));
    expect(counts.b).toMatchObject(expected('b', [erased]));

    // New people now mostly see a, and the reasons show what the bandit knew.
    const newcomers = Array.from({ length: 100 }, (_, i) => `q${i}`);
    await identify(newcomers);
    let servedA = 0;
    for (const person of newcomers) {
      const d = await decide({ userId: person });
      // Each newcomer shown a before counts already.
      const a = counts.a as { exposures: number; conversions: number };
      expect(d.reasons.find((r) => r.startsWith('a: '))).toMatch(
        new RegExp(
          `thompson: sampled [\\d.e-]+ \\(${a.conversions}/${a.exposures + servedA} converted\\)`,
        ),
      );
      if (d.itemId === 'a') servedA++;
    }
    expect(servedA).toBeGreaterThan(90);

    // An override in its schedule still wins over the bandit.
    clock = T0 + 31 * DAY;
    expect(await decide({ userId: 'q0' })).toMatchObject({
      itemId: 'flash',
      reasons: ['flash: chosen', 'a: flash is an override', 'b: flash is an override'],
    });
  });

  it('keeps its counts across restarts, catching up from the log without counting anything twice', async () => {
    clock = T0;
    t = await startTestTailor({}, () => clock);
    await admin('PUT', '/v1/placements/hero', HERO);
    await identify(['u1', 'u2', 'u3']);
    const shown = new Map<string, string>();
    for (const u of ['u1', 'u2']) shown.set(u, (await decide({ userId: u })).itemId!);
    await collect([order('u1', T0 + HOUR)]);
    const before = await arms();
    // Batches with nothing to count move the stage's position in memory only; a restart reads them again.
    await collect([
      { type: 'track', userId: 'u3', event: 'Page Viewed', timestamp: new Date(T0).toISOString() },
    ]);
    await restart();
    expect(await arms()).toEqual(before);
    shown.set('u3', (await decide({ userId: 'u3' })).itemId!);
    await collect([order('u3', T0 + HOUR), order('u2', T0 + 2 * HOUR)]);
    await restart();
    const after = await arms();
    for (const item of ['a', 'b']) {
      const people = [...shown].filter(([, i]) => i === item).map(([u]) => u);
      expect(after[item]).toMatchObject({ exposures: people.length, conversions: people.length });
    }
  });

  it('reports a placement that does not optimize, and 404 for an unknown one', async () => {
    t = await startTestTailor({}, () => clock);
    await admin('PUT', '/v1/placements/hero', { ...HERO, optimize: undefined });
    expect((await admin('GET', '/v1/placements/hero/arms')).json()).toEqual({
      placement: 'hero',
      optimize: null,
      items: [],
    });
    expect((await admin('GET', '/v1/placements/nope/arms')).statusCode).toBe(404);
    expect((await decide({ userId: 'nobody' })).reasons).toEqual([
      'welcome: default, unknown person',
    ]);
  });
});

/** Closes the Tailor and opens it again on the same data folder. */
async function restart() {
  await t.reopen();
  await t.tailor.pipeline.catchUp();
}
