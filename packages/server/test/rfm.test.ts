import { readFileSync } from 'node:fs';
import type { RfmPopulation } from '@tailor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/**
 * RFM on real purchase histories (the CDNOW sample), checked against figures and quintile scores
 * computed independently with numpy (fixtures/cdnow/make-rfm-reference.py).
 */
interface ReferencePerson {
  recency: number;
  frequency: number;
  monetary: number;
  r: number;
  f: number;
  m: number;
}
const fixture = (name: string) => new URL(`./fixtures/cdnow/${name}`, import.meta.url);
const reference = JSON.parse(readFileSync(fixture('rfm.reference.json'), 'utf8')) as {
  now: string;
  cuts: { recency: number[]; frequency: number[]; monetary: number[] };
  people: Record<string, ReferencePerson>;
};

/** Every CDNOW purchase as a Segment track message (timestamps at midnight UTC of the day). */
function purchases(): Record<string, unknown>[] {
  return readFileSync(fixture('CDNOW_sample.txt'), 'ascii')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const [customer, , date, cds, value] = line.trim().split(/\s+/) as [
        string,
        string,
        string,
        string,
        string,
      ];
      return {
        type: 'track',
        messageId: `cdnow-${i}`,
        userId: `cdnow-${customer}`,
        event: 'Order Completed',
        properties: { revenue: Number(value), quantity: Number(cds) },
        timestamp: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00.000Z`,
      };
    });
}

let t: TestTailor;
afterEach(async () => {
  await t.close();
});

describe('RFM computed traits', () => {
  it('scores every customer into quintiles over the population, as an independent implementation does', async () => {
    let clock = Date.parse(reference.now);
    t = await startTestTailor({}, () => clock);
    const admin = { authorization: t.adminAuth };
    const put = (url: string, definition: string) =>
      t.app.inject({ method: 'PUT', url, headers: admin, payload: { definition } });
    expect(
      (await put('/v1/computed-traits/rfm', 'rfm("Order Completed".revenue, 365d)')).statusCode,
    ).toBe(200);
    expect(
      (
        await put(
          '/v1/segments/champions',
          'computed.rfm.r >= 4 and computed.rfm.f >= 4 and computed.rfm.m >= 4',
        )
      ).statusCode,
    ).toBe(200);

    const messages = purchases();
    for (let i = 0; i < messages.length; i += 500) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: t.writeAuth },
        payload: { batch: messages.slice(i, i + 500) },
      });
      expect(res.json().rejected).toEqual([]);
    }
    await t.tailor.pipeline.catchUp();

    const population = (await t.tailor.profiles.populations()).values().next().value as
      RfmPopulation | undefined;
    expect(population?.people).toBe(Object.keys(reference.people).length);
    for (const figure of ['recency', 'frequency', 'monetary'] as const) {
      population?.cuts[figure].forEach((cut, i) => {
        expect(cut).toBeCloseTo(reference.cuts[figure][i] ?? Number.NaN, 9);
      });
    }

    const customers = new Set(messages.map((m) => m.userId as string));
    let champions = 0;
    for (const userId of customers) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/v1/profiles?identifier=userId:${userId}`,
        headers: admin,
      });
      const profile = res.json<{
        computed: { rfm: (ReferencePerson & { score: string }) | null };
        segments: string[];
      }>();
      const expected = reference.people[userId.slice('cdnow-'.length)];
      if (expected === undefined) {
        expect(profile.computed.rfm).toBeNull(); // no purchase in the last 365 days
        continue;
      }
      const { monetary, ...rest } = profile.computed.rfm ?? { monetary: Number.NaN };
      expect(monetary).toBeCloseTo(expected.monetary, 6);
      expect(rest).toEqual({
        recency: expected.recency,
        frequency: expected.frequency,
        r: expected.r,
        f: expected.f,
        m: expected.m,
        score: `${expected.r}${expected.f}${expected.m}`,
      });
      const champion = expected.r >= 4 && expected.f >= 4 && expected.m >= 4;
      expect(profile.segments.includes('champions')).toBe(champion);
      if (champion) champions++;
    }
    expect(champions).toBeGreaterThan(0);
    const members = (
      await t.app.inject({ method: 'GET', url: '/v1/segments/champions/members', headers: admin })
    ).json();
    expect(members.count).toBe(champions);

    // A day later recency has grown by one, by time alone, and the cuts (older than the hourly
    // refresh) were computed again.
    clock += 86_400_000;
    await t.tailor.pipeline.catchUp();
    const [someone, figures] = Object.entries(reference.people).find(
      ([, p]) => p.recency < 100,
    ) ?? ['', undefined];
    const later = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/profiles?identifier=userId:cdnow-${someone}`,
        headers: admin,
      })
    ).json();
    expect(later.computed.rfm).toMatchObject({
      recency: (figures?.recency ?? 0) + 1,
      frequency: figures?.frequency,
    });
    expect((await t.tailor.profiles.populations()).values().next().value?.computedAt).toBe(
      new Date(clock).toISOString(),
    );
  }, 60_000);
});
