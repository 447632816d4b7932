import { estimateShare } from '@tailor/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SegmentEstimator } from '../src/segments/segment-estimator.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
beforeEach(async () => {
  t = await startTestTailor();
});
afterEach(async () => {
  await t.close();
});

const DAY = 86_400_000;
const PRO_BUYERS = 'traits.plan = "pro" and count("Order Completed", 30d) >= 2';

/**
 * `people` people: every third on the pro plan, person p with p % 4 orders in the last days; person
 * 4 (free, no orders) turns pro, orders once, refuses analytics, then orders twice: those two feed
 * nothing.
 */
async function collectPeople(people: number): Promise<void> {
  const batch: Record<string, unknown>[] = [];
  const recent = new Date(Date.now() - 2 * DAY).toISOString();
  for (let p = 0; p < people; p++) {
    batch.push({
      type: 'identify',
      userId: `u${p}`,
      traits: { plan: p % 3 === 0 ? 'pro' : 'free', email: `u${p}@example.com` },
    });
    for (let k = 0; k < p % 4; k++)
      batch.push({ type: 'track', userId: `u${p}`, event: 'Order Completed', timestamp: recent });
  }
  batch.push(
    { type: 'identify', userId: 'u4', traits: { plan: 'pro' } },
    { type: 'track', userId: 'u4', event: 'Order Completed', timestamp: recent },
    {
      type: 'track',
      userId: 'u4',
      event: 'Consent Changed',
      context: { consent: { categoryPreferences: { analytics: false } } },
    },
    { type: 'track', userId: 'u4', event: 'Order Completed', timestamp: recent },
    { type: 'track', userId: 'u4', event: 'Order Completed', timestamp: recent },
  );
  for (let i = 0; i < batch.length; i += 400) await t.collect(batch.slice(i, i + 400));
}

function estimate(body: object, authorization = t.adminAuth) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/segments/estimate',
    headers: { authorization },
    payload: body,
  });
}

/** The members once the definition is saved and backfilled: what the estimate must agree with. */
async function membersOnceSaved(name: string, definition: string): Promise<number> {
  expect((await t.admin('PUT', `/v1/segments/${name}`, { definition })).statusCode).toBe(200);
  await t.tailor.pipeline.catchUp();
  return (await t.admin('GET', `/v1/segments/${name}/members?limit=1`)).json<{ count: number }>()
    .count;
}

async function logLength(): Promise<number> {
  return (await t.tailor.log.read(0, 100_000)).length;
}

describe('POST /v1/segments/estimate', () => {
  it('counts a small population exactly, as the saved segment then holds, and writes nothing', async () => {
    expect((await t.admin('PUT', '/v1/segments/live', { definition: PRO_BUYERS })).statusCode).toBe(
      200,
    );
    await collectPeople(60);
    const before = await logLength();
    const res = await estimate({ definition: PRO_BUYERS });
    expect(res.statusCode).toBe(200);
    const answer = res.json();
    expect(await logLength()).toBe(before);
    expect((await t.admin('GET', '/v1/segments')).json().items).toHaveLength(1);

    const members = await membersOnceSaved('pro buyers', PRO_BUYERS);
    // u4 refused analytics after one order: the two orders after it count for nothing, in the
    // backfill as in the real-time fold (the segment defined before the events).
    const u4 = (await t.admin('GET', '/v1/profiles?identifier=userId:u4')).json();
    expect(u4.traits.plan).toBe('pro');
    expect(u4.segments).toEqual([]);
    const live = (await t.admin('GET', '/v1/segments/live/members?limit=1')).json().count;
    expect(live).toBe(members);
    expect(answer).toEqual({
      definition: PRO_BUYERS,
      estimate: members,
      share: members / 60,
      interval: { low: members, high: members, level: 0.95 },
      sampled: 60,
      matched: members,
      total: 60,
      exact: true,
      timedOut: false,
    });
    // pro people are p % 3 == 0 with p % 4 >= 2 orders; u4 is not one of them.
    expect(members).toBe(
      Array.from({ length: 60 }, (_, p) => p).filter((p) => p % 3 === 0 && p % 4 >= 2).length,
    );
  });

  it('reads existing segments and computed traits as they stand', async () => {
    await collectPeople(30);
    await membersOnceSaved('pro', 'traits.plan = "pro"');
    const res = await estimate({ definition: 'in_segment("pro") and not traits.plan = "free"' });
    expect(res.json()).toMatchObject({ estimate: 11, exact: true });
    // Editing "pro" itself: a reference to itself is the cycle saving would refuse.
    const self = await estimate({ definition: 'in_segment("pro")', name: 'pro' });
    expect(self.statusCode).toBe(400);
    expect(self.json()).toMatchObject({ position: 11 });
    expect(self.json().message).toMatch(/cycle|itself/);
  });

  it.each([
    ['traits.plan == "pro"', 13, /Expected/],
    ['traits.plan = "pro" and', 23, /at offset 23/],
    ['in_segment("nope")', 11, /^no segment named "nope" \(at offset 11\)$/],
    ['traits.x = 1 and computed.ghost > 2', 17, /^no computed trait named ghost/],
  ])(
    'answers %s with the language error at its position',
    async (definition, position, message) => {
      const res = await estimate({ definition });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_request', position });
      expect(res.json().message).toMatch(message);
    },
  );

  it('is for keys that read segments: not the write key; personal traits stay masked for a viewer', async () => {
    await collectPeople(12);
    expect((await estimate({ definition: 'true' }, t.writeAuth)).statusCode).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/segments/estimate',
          payload: { definition: 'true' },
        })
      ).statusCode,
    ).toBe(401);
    const { key } = (await t.admin('PUT', '/v1/keys/v', { role: 'viewer' })).json<{
      key: string;
    }>();
    const probe = { definition: 'traits.email = "u4@example.com"' };
    expect((await estimate(probe)).json().estimate).toBe(1);
    // The viewer sees `[masked]` where the profile API masks it: the probe finds nobody.
    const viewer = await estimate(probe, `Bearer ${key}`);
    expect(viewer.statusCode).toBe(200);
    expect(viewer.json()).toMatchObject({ estimate: 0, exact: true });
    expect(
      (await estimate({ definition: 'traits.plan = "pro"' }, `Bearer ${key}`)).json().estimate,
    ).toBe(5);
  });
});

describe('SegmentEstimator over a sample', () => {
  function estimator(options: { sampleSize: number; budgetMs?: number }, clock?: () => number) {
    return new SegmentEstimator({
      definitions: t.tailor.definitions,
      profiles: t.tailor.profiles,
      log: t.tailor.log,
      pii: t.tailor.pii,
      purposes: t.tailor.config.privacy.purposes,
      now: t.tailor.now,
      ...(clock && { clock }),
      options: { budgetMs: 60_000, ...options },
    });
  }

  it('evaluates a uniform sample of a larger population and gives a 95 % interval', async () => {
    await collectPeople(400);
    const answer = await estimator({ sampleSize: 100 }).estimate(PRO_BUYERS, '(unsaved)', true);
    const members = await membersOnceSaved('pro buyers', PRO_BUYERS);
    expect(answer).toMatchObject({ sampled: 100, total: 400, exact: false, timedOut: false });
    const share = estimateShare(answer.matched, 100, 400);
    expect(answer).toMatchObject({
      estimate: share.estimate,
      interval: { low: share.low, high: share.high },
    });
    // Truth is 67 of 400; six standard errors of a 100-of-400 sample (~0.032 with the finite
    // population correction) is about 77 people: a sample that far off would be a broken draw.
    const se = Math.sqrt(((members / 400) * (1 - members / 400) * 300) / (100 * 399));
    expect(Math.abs(answer.estimate - members)).toBeLessThan(6 * se * 400);
  });

  it('stops at its time budget: the people evaluated by then are the sample', async () => {
    await collectPeople(50);
    let tick = 0;
    // Each reading of the clock is one millisecond later; a budget of 20 leaves time for some.
    const answer = await estimator({ sampleSize: 1000, budgetMs: 20 }, () => tick++).estimate(
      'traits.plan = "pro"',
      '(unsaved)',
      true,
    );
    expect(answer.timedOut).toBe(true);
    expect(answer.exact).toBe(false);
    expect(answer.sampled).toBeGreaterThan(0);
    expect(answer.sampled).toBeLessThan(50);
    expect(answer.total).toBe(50);
  });
});
