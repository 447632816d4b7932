import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/**
 * CLV as a computed trait, live on profiles: the CDNOW sample's calibration period collected
 * through the API, the models fitted by the pipeline's population job, each person's predictions
 * checked against SciPy's (fixtures/cdnow/make-clv-reference.py), then a purchase moving them in
 * real time.
 */
interface ReferenceCase {
  customer: string;
  x: number;
  tx: number;
  T: number;
  m: number;
  expected: Record<string, number>;
  p_alive: number;
  expected_spend: number;
  clv: number;
}
const fixture = (name: string) => new URL(`./fixtures/cdnow/${name}`, import.meta.url);
const reference = JSON.parse(readFileSync(fixture('clv.reference.json'), 'utf8')) as {
  until: string;
  bgnbd: { r: number; alpha: number; a: number; b: number };
  gamma_gamma: { p: number; q: number; gamma: number };
  cases: ReferenceCase[];
};

/** The CDNOW purchases up to the end of calibration, as Segment track messages at midnight UTC. */
function purchases(until: string): Record<string, unknown>[] {
  return readFileSync(fixture('CDNOW_sample.txt'), 'ascii')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const [customer, , date, , value] = line.trim().split(/\s+/);
      const day = `${date?.slice(0, 4)}-${date?.slice(4, 6)}-${date?.slice(6, 8)}`;
      return {
        type: 'track',
        messageId: `cdnow-${i}`,
        userId: `cdnow-${customer}`,
        event: 'Order Completed',
        properties: { revenue: Number(value) },
        timestamp: `${day}T00:00:00.000Z`,
      };
    })
    .filter((m) => m.timestamp.slice(0, 10) <= until);
}

interface ClvValue {
  purchases: number;
  x: number;
  tx: number;
  T: number;
  meanSpend: number;
  expectedPurchases: number | null;
  pAlive: number | null;
  expectedSpend: number | null;
  value: number | null;
}

let t: TestTailor;
afterEach(async () => {
  await t.close();
});

describe('CLV computed traits', () => {
  it('fits BG/NBD and Gamma-Gamma over everyone and predicts each person as SciPy does, then follows a purchase in real time', async () => {
    // Noon of the last calibration day: T counts to that day, as `tailor clv --until` does.
    const clock = Date.parse(`${reference.until}T12:00:00.000Z`);
    t = await startTestTailor({}, () => clock);
    const admin = { authorization: t.adminAuth };
    const put = (url: string, definition: string) =>
      t.app.inject({ method: 'PUT', url, headers: admin, payload: { definition } });
    const saved = await put('/v1/computed-traits/clv', 'clv("Order Completed".revenue, 52w)');
    expect(saved.statusCode).toBe(200);
    expect(saved.json().definition).toBe('clv("Order Completed".revenue, 52w)');
    expect((await put('/v1/segments/valuable', 'computed.clv.value > 30')).statusCode).toBe(200);

    const messages = purchases(reference.until);
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

    const population = (await t.tailor.profiles.populations()).values().next().value;
    const models = population?.cuts as {
      bgnbd: Record<string, number>;
      gammaGamma: Record<string, number>;
    };
    expect(population?.people).toBe(new Set(messages.map((m) => m.userId)).size);
    for (const name of ['r', 'alpha', 'a', 'b'] as const)
      expect(models.bgnbd[name]).toBeCloseTo(reference.bgnbd[name], 4);
    for (const name of ['p', 'q', 'gamma'] as const)
      expect(models.gammaGamma[name]).toBeCloseTo(reference.gamma_gamma[name], 3);

    const clvOf = async (userId: string) =>
      (
        await t.app.inject({
          method: 'GET',
          url: `/v1/profiles?identifier=userId:${userId}`,
          headers: admin,
        })
      ).json<{ computed: { clv: ClvValue | null }; segments: string[] }>();
    // The reference's cases from the sample (it also holds the paper's worked example, nobody here).
    const cases = reference.cases.filter((c) => /^\d+$/.test(c.customer));
    expect(cases.length).toBeGreaterThan(1);
    for (const c of cases) {
      const { computed, segments } = await clvOf(`cdnow-${c.customer}`);
      const v = computed.clv;
      expect(v).not.toBeNull();
      expect(v?.x).toBe(c.x);
      expect(v?.tx).toBeCloseTo(c.tx, 4);
      expect(v?.T).toBeCloseTo(c.T, 4);
      expect(v?.meanSpend).toBeCloseTo(c.m, 3);
      expect((v?.expectedPurchases ?? 0) / (c.expected['52'] ?? 1)).toBeCloseTo(1, 3);
      expect((v?.pAlive ?? 0) / c.p_alive).toBeCloseTo(1, 3);
      expect((v?.expectedSpend ?? 0) / c.expected_spend).toBeCloseTo(1, 3);
      expect((v?.value ?? 0) / c.clv).toBeCloseTo(1, 3);
      expect(segments.includes('valuable')).toBe(c.clv > 30);
    }

    // Customer 01322 (x = 1, P(alive) 0.17) buys again today: x, t_x and the predictions move in
    // the fold that takes the purchase, with the same models.
    const before = (await clvOf('cdnow-01322')).computed.clv;
    await t.collect([
      {
        type: 'track',
        userId: 'cdnow-01322',
        event: 'Order Completed',
        properties: { revenue: 80 },
        timestamp: `${reference.until}T09:00:00.000Z`,
      },
    ]);
    const after = (await clvOf('cdnow-01322')).computed.clv;
    expect(after?.x).toBe(2);
    expect(after?.tx).toBeCloseTo(after?.T ?? Number.NaN, 9);
    // Bought today: P(alive) is 1 / (1 + a / (b + x - 1)), the chance of not dropping out right
    // after this purchase (BG/NBD's dropout comes just after a transaction).
    const { a, b } = models.bgnbd as { a: number; b: number };
    expect(after?.pAlive).toBeCloseTo(1 / (1 + a / (b + 1)), 5);
    expect(after?.meanSpend).toBeCloseTo((39.09 + 80) / 2, 6);
    expect(after?.value ?? 0).toBeGreaterThan((before?.value ?? 0) * 3);
  });

  it('gives the history and no predictions until someone bought twice, and refuses a bad definition with its position', async () => {
    const clock = Date.parse('2026-03-10T10:00:00.000Z');
    t = await startTestTailor({}, () => clock);
    const admin = { authorization: t.adminAuth };
    const bad = await t.app.inject({
      method: 'PUT',
      url: '/v1/computed-traits/clv',
      headers: admin,
      payload: { definition: 'clv("Order Completed".revenue)' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_request', position: 29 });
    expect(bad.json().message).toMatch(/Expected .*\(at offset 29\)/);
    await t.app.inject({
      method: 'PUT',
      url: '/v1/computed-traits/clv',
      headers: admin,
      payload: { definition: 'clv("Order Completed".revenue, 52w)' },
    });
    await t.collect([
      {
        type: 'track',
        userId: 'one-timer',
        event: 'Order Completed',
        properties: { revenue: 25 },
        timestamp: '2026-02-24T08:00:00.000Z',
      },
    ]);
    const profile = (
      await t.app.inject({
        method: 'GET',
        url: '/v1/profiles?identifier=userId:one-timer',
        headers: admin,
      })
    ).json<{ computed: { clv: ClvValue } }>();
    expect(profile.computed.clv).toEqual({
      purchases: 1,
      x: 0,
      tx: 0,
      T: 2,
      meanSpend: 0,
      expectedPurchases: null,
      pAlive: null,
      expectedSpend: null,
      value: null,
    });
  });
});
