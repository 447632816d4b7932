import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '@tailor/core';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/**
 * Journey stages (issue 18) as `openTailor` wires them: the stage is a computed trait of the
 * `stage` kind, defined over HTTP with a marketer key, decided per person as events arrive and as
 * time passes, shown in the profile, and each change announced in the log as
 * `Journey Stage Changed` for segments (and journeys) to read.
 */
const DAY = 86_400_000;
const MARKETER_KEY = 'test-marketer-key-0001';

let t: TestTailor | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function asMarketer(
  tt: TestTailor,
  method: 'PUT' | 'GET' | 'DELETE',
  url: string,
  payload?: object,
) {
  return tt.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${MARKETER_KEY}` },
    ...(payload !== undefined && { payload }),
  });
}

const stagesOf = (events: readonly StoredMessage[]) =>
  events
    .filter((e) => e.event === 'Journey Stage Changed')
    .map((e) => [e.properties?.['previousStage'], e.properties?.['stage']]);

describe('journey stages', () => {
  it('decides each person stage by the default rules, announces every change, follows time and a marketer changing the rules', async () => {
    let clock = Date.UTC(2026, 11, 1, 12);
    const tt = await startTestTailor({ logLevel: 'silent' }, () => clock);
    t = tt;
    await tt.tailor.keys.create('test-marketer', 'marketer', new Date(clock), MARKETER_KEY);
    const put = await asMarketer(tt, 'PUT', '/v1/computed-traits/journey_stage', {
      definition: 'stage()',
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json<{ definition: string }>().definition).toMatch(
      /^stage\(advocacy: count\("Referral Sent"\) >= 1 or count\("Product Reviewed"\) >= 1, retention: /,
    );
    // Segments read the stage and its announcements like any computed trait and event.
    for (const [name, definition] of [
      ['retained', 'computed.journey_stage = "retention"'],
      ['ever-bought', 'count("Journey Stage Changed" where properties.stage = "purchase") >= 1'],
    ])
      expect((await asMarketer(tt, 'PUT', `/v1/segments/${name}`, { definition })).statusCode).toBe(
        200,
      );

    await tt.collect([
      { type: 'track', userId: 'ann', event: 'Product Viewed', properties: { sku: 'a' } },
      { type: 'track', userId: 'bob', event: 'Page Viewed' },
    ]);
    clock += 1000;
    await tt.collect([{ type: 'track', userId: 'ann', event: 'Order Completed' }]);
    clock += 1000;
    await tt.collect([{ type: 'track', userId: 'ann', event: 'Order Completed' }]);
    // The announcements are folded in turn: a segment reading them follows.
    await tt.collect([]);
    const profile = async (userId: string) =>
      (await tt.admin('GET', `/v1/profiles?identifier=userId:${userId}`)).json<{
        computed: Record<string, unknown>;
        segments: string[];
      }>();
    expect((await profile('ann')).computed['journey_stage']).toBe('retention');
    expect((await profile('ann')).segments.sort()).toEqual(['ever-bought', 'retained']);
    expect((await profile('bob')).computed['journey_stage']).toBe('awareness');
    expect(stagesOf(await tt.eventsOf('ann'))).toEqual([
      [null, 'consideration'],
      ['consideration', 'purchase'],
      ['purchase', 'retention'],
    ]);
    const announced = (await tt.eventsOf('ann')).find((e) => e.event === 'Journey Stage Changed');
    expect(announced?.tailor.source).toBe('segments');
    expect(announced?.properties?.['trait']).toBe('journey_stage');

    // Bob looks at a product, then nothing for 30 days: back to awareness by the time sweep.
    await tt.collect([{ type: 'track', userId: 'bob', event: 'Product Added' }]);
    clock += 31 * DAY;
    await tt.collect([]);
    expect(stagesOf(await tt.eventsOf('bob'))).toEqual([
      [null, 'awareness'],
      ['awareness', 'consideration'],
      ['consideration', 'awareness'],
    ]);
    const lapsed = (await tt.eventsOf('bob')).filter((e) => e.event === 'Journey Stage Changed');
    expect(lapsed.at(-1)?.properties?.['cause']).toBe('time');

    // The marketer's own rules: every profile is decided again by the backfill.
    const mine = await asMarketer(tt, 'PUT', '/v1/computed-traits/journey_stage', {
      definition: 'stage(loyal: count("Order Completed") >= 2, else: "new")',
    });
    expect(mine.statusCode, mine.body).toBe(200);
    await tt.collect([]);
    expect((await profile('ann')).computed['journey_stage']).toBe('loyal');
    expect((await profile('bob')).computed['journey_stage']).toBe('new');
    expect(stagesOf(await tt.eventsOf('ann')).at(-1)).toEqual(['retention', 'loyal']);
  });

  it('starts a journey on a transition, which branches on the stage reached', async () => {
    const tt = await startTestTailor({ logLevel: 'silent' });
    t = tt;
    tt.tailor.background.start();
    expect(
      (await tt.admin('PUT', '/v1/computed-traits/journey_stage', { definition: 'stage()' }))
        .statusCode,
    ).toBe(200);
    const journey = await tt.admin('PUT', '/v1/journeys/first-order', {
      entry: { event: 'Journey Stage Changed' },
      reentry: 'always',
      steps: [
        {
          if: 'computed.journey_stage = "purchase"',
          then: [{ traits: { thanked: true } }],
          else: [],
        },
      ],
    });
    expect(journey.statusCode, journey.body).toBe(200);
    await tt.collect([
      { type: 'track', userId: 'dan', event: 'Order Completed' },
      { type: 'track', userId: 'eve', event: 'Page Viewed' },
    ]);
    const traitsOf = async (userId: string) =>
      (await tt.admin('GET', `/v1/profiles?identifier=userId:${userId}`)).json<{
        traits: Record<string, unknown>;
      }>().traits;
    await expect
      .poll(async () => (await traitsOf('dan'))['thanked'], { timeout: 15_000 })
      .toBe(true);
    const stats = await tt.admin('GET', '/v1/journeys/first-order/stats');
    await expect
      .poll(
        async () =>
          (await tt.admin('GET', '/v1/journeys/first-order/stats')).json<{
            steps: Record<string, { entered: number }>;
          }>().steps['0']?.entered,
        { timeout: 15_000 },
      )
      .toBe(2);
    expect(stats.statusCode).toBe(200);
    expect((await traitsOf('eve'))['thanked']).toBeUndefined();
  });

  it('refuses rules it cannot decide, and a trait a stage reads cannot be deleted', async () => {
    const tt = await startTestTailor({ logLevel: 'silent' });
    t = tt;
    const refused = async (definition: string) => {
      const res = await tt.admin('PUT', '/v1/computed-traits/stage', { definition });
      return [res.statusCode, res.json<{ message: string }>().message];
    };
    expect(await refused('stage(a: count("X") >= 1, a: count("Y") >= 1)')).toEqual([
      400,
      expect.stringMatching(/stage a is named twice/),
    ]);
    expect(await refused('stage(vip: in_segment("vip"))')).toEqual([
      400,
      expect.stringMatching(/cannot read in_segment/),
    ]);
    expect(await refused('stage(vip: computed.spend > 100)')).toEqual([
      400,
      expect.stringMatching(/no computed trait named spend/),
    ]);
    expect(
      (
        await tt.admin('PUT', '/v1/computed-traits/spend', {
          definition: 'sum("Order Completed".revenue)',
        })
      ).statusCode,
    ).toBe(200);
    expect(await refused('stage(vip: computed.spend > 100, else: regular)')).toEqual([
      200,
      undefined,
    ]);
    const del = await tt.admin('DELETE', '/v1/computed-traits/spend');
    expect(del.statusCode).toBe(409);
    expect(del.json<{ message: string }>().message).toMatch(/used by computed trait stage/);
    await tt.collect([
      { type: 'track', userId: 'cy', event: 'Order Completed', properties: { revenue: 150 } },
    ]);
    const cy = (await tt.admin('GET', '/v1/profiles?identifier=userId:cy')).json<{
      computed: Record<string, unknown>;
    }>();
    expect(cy.computed).toEqual({ spend: 150, stage: 'vip' });
  });
});
