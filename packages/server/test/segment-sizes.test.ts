import { afterEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const at = (iso: string) => Date.parse(iso);
const identify = (userId: string, plan: string) => ({ type: 'identify', userId, traits: { plan } });

describe('segment size over time', () => {
  it('is counted after the backfill, once an hour, after each change, and outlives an erased member as a number', async () => {
    let now = at('2026-12-01T10:00:00Z');
    t = await startTestTailor({}, () => now);
    const tt = t;
    const admin: TestTailor['admin'] = (...args) => tt.admin(...args);
    const collect: TestTailor['collect'] = (...args) => tt.collect(...args);
    const put = (definition: string) =>
      admin('PUT', '/v1/segments/vip', { definition }).then((r) => r.statusCode);
    const sizes = async (query = '') => {
      const res = await admin('GET', `/v1/segments/vip/sizes${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{
        from: string;
        to: string;
        sizes: { at: string; size: number; version: number }[];
      }>();
    };

    expect(await put('traits.plan = "pro"')).toBe(200);
    await collect([identify('ann', 'pro'), identify('bob', 'pro'), identify('cy', 'free')]);
    expect((await sizes()).sizes).toEqual([
      { at: '2026-12-01T10:00:00.000Z', size: 2, version: 1 },
    ]);

    // Later in the same hour: no second count.
    now = at('2026-12-01T10:20:00Z');
    await collect([identify('dee', 'pro')]);
    expect((await sizes()).sizes).toHaveLength(1);

    // The next hour counts again.
    now = at('2026-12-01T11:00:05Z');
    await collect([]);
    expect((await sizes()).sizes.map((s) => s.size)).toEqual([2, 3]);

    // A change of definition is counted once its backfill has rebuilt every profile.
    now = at('2026-12-01T11:10:00Z');
    expect(await put('traits.plan = "free"')).toBe(200);
    await collect([]);
    const changed = await sizes();
    expect(changed.sizes.map((s) => [s.at, s.size, s.version])).toEqual([
      ['2026-12-01T10:00:00.000Z', 2, 1],
      ['2026-12-01T11:00:05.000Z', 3, 1],
      ['2026-12-01T11:10:00.000Z', 1, 2],
    ]);
    expect(changed.to).toBe('2026-12-01T11:10:00.000Z');
    expect(changed.from).toBe('2026-11-01T11:10:00.000Z');

    // Erasing cy, the only member: the counts already taken stay, the next one is 0.
    now = at('2026-12-01T11:30:00Z');
    expect((await admin('POST', '/v1/privacy/erase', { identifier: 'userId:cy' })).statusCode).toBe(
      202,
    );
    await collect([]);
    now = at('2026-12-01T12:00:00Z');
    await collect([]);
    expect((await sizes()).sizes.map((s) => s.size)).toEqual([2, 3, 1, 0]);

    // A period.
    const period = await sizes('?from=2026-12-01T10:30:00Z&to=2026-12-01T11:30:00Z');
    expect(period.sizes.map((s) => s.at)).toEqual([
      '2026-12-01T11:00:05.000Z',
      '2026-12-01T11:10:00.000Z',
    ]);
  });

  it('refuses a period that is not one and a segment that does not exist', async () => {
    t = await startTestTailor();
    expect(
      (await t.admin('PUT', '/v1/segments/vip', { definition: 'traits.x = 1' })).statusCode,
    ).toBe(200);
    const bad = await t.admin('GET', '/v1/segments/vip/sizes?from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toBe(
      'from is not a time: give ISO 8601, e.g. 2026-01-31T00:00:00Z',
    );
    const reversed = await t.admin(
      'GET',
      '/v1/segments/vip/sizes?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z',
    );
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json<{ message: string }>().message).toBe('from is after to');
    const unknown = await t.admin('GET', '/v1/segments/nope/sizes');
    expect(unknown.statusCode).toBe(404);
    expect((await t.admin('GET', '/v1/segments/vip/sizes?at=1')).statusCode).toBe(400);
  });

  it('a deleted segment takes its counts with it', async () => {
    let now = at('2026-12-01T10:00:00Z');
    t = await startTestTailor({}, () => now);
    await t.admin('PUT', '/v1/segments/vip', { definition: 'traits.plan = "pro"' });
    await t.collect([identify('ann', 'pro')]);
    expect((await t.tailor.profiles.segmentSizes.latest()).map((s) => s.size)).toEqual([1]);
    expect((await t.admin('DELETE', '/v1/segments/vip')).statusCode).toBe(204);
    expect(await t.tailor.profiles.segmentSizes.latest()).toEqual([]);
    now = at('2026-12-01T10:05:00Z');
    await t.admin('PUT', '/v1/segments/vip', { definition: 'traits.plan = "free"' });
    await t.collect([]);
    const res = await t.admin('GET', '/v1/segments/vip/sizes');
    expect(res.json<{ sizes: unknown[] }>().sizes).toEqual([
      { at: '2026-12-01T10:05:00.000Z', size: 0, version: 1 },
    ]);
  });
});
