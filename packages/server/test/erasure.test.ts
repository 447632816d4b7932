import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
const clock = Date.UTC(2026, 10, 29, 12);
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
async function collect(batch: Record<string, unknown>[]) {
  if (batch.length === 0) {
    t.tailor.flushDecisions();
    await t.tailor.pipeline.catchUp();
    return { stored: 0 };
  }
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: t.writeAuth },
    payload: { batch },
  });
  expect(res.json().rejected).toEqual([]);
  t.tailor.flushDecisions();
  await t.tailor.pipeline.catchUp();
  return res.json<{ stored: number; withheld?: number }>();
}
const privacyDefaults = {
  purposes: ['analytics', 'personalization', 'marketing', 'advertising'],
  withoutAnalytics: 'drop' as const,
};
const at = (minutes: number) => new Date(clock + minutes * 60_000).toISOString();

/** Every file of the data folder (databases, write-ahead logs, shared memory), as bytes. */
function dataFiles(): { name: string; bytes: Buffer }[] {
  return readdirSync(t.dir).map((name) => ({ name, bytes: readFileSync(join(t.dir, name)) }));
}
function filesHolding(needle: string): string[] {
  return dataFiles()
    .filter((f) => f.bytes.includes(Buffer.from(needle, 'utf8')))
    .map((f) => f.name);
}

describe('erasure', () => {
  // Without encryption the grep sees the person in the files before and proves they are gone
  // after; with it, nothing of theirs is readable in the files even before.
  it.each([
    ['off', false],
    ['on', true],
  ])(
    'removes a person from the log and everything derived, leaving no trace in the data files, and keeps others (encryption %s)',
    async (_name, encrypted) => {
      t = await startTestTailor(
        { privacy: { ...privacyDefaults, encryption: { enabled: encrypted } } },
        () => clock,
      );
      await admin('PUT', '/v1/computed-traits/orders', { definition: 'count("Order Completed")' });
      await admin('PUT', '/v1/segments/buyers', { definition: 'computed.orders >= 1' });
      await admin('PUT', '/v1/placements/hero', {
        items: [{ id: 'b', when: 'in_segment("buyers")', priority: 1, template: 'Thanks' }],
        default: { id: 'd', template: 'Hi' },
      });
      await collect([
        { type: 'page', anonymousId: 'erin-device-7f3a', name: 'Home', timestamp: at(0) },
        {
          type: 'identify',
          anonymousId: 'erin-device-7f3a',
          userId: 'erin-user-9c1d',
          traits: { email: 'erin.zed@example.com', name: 'Erin Zedd' },
          timestamp: at(1),
        },
        {
          type: 'track',
          userId: 'erin-user-9c1d',
          event: 'Order Completed',
          properties: { note: 'gift for Erin Zedd' },
          timestamp: at(2),
        },
        {
          type: 'identify',
          userId: 'kept-user-1',
          traits: { email: 'kept@example.com' },
          timestamp: at(1),
        },
        { type: 'track', userId: 'kept-user-1', event: 'Order Completed', timestamp: at(2) },
      ]);
      await t.app.inject({
        method: 'POST',
        url: '/v1/decide',
        headers: { authorization: t.writeAuth },
        payload: { userId: 'erin-user-9c1d', placements: ['hero'] },
      });
      await collect([]);
      const needles = ['erin.zed@example.com', 'erin-user-9c1d', 'erin-device-7f3a', 'Erin Zedd'];
      if (encrypted) for (const needle of needles) expect(filesHolding(needle)).toEqual([]);
      else expect(filesHolding('erin.zed@example.com').length).toBeGreaterThan(0); // the check can see it before

      const erase = await admin('POST', '/v1/privacy/erase', {
        identifier: 'email:erin.zed@example.com',
      });
      expect(erase.statusCode).toBe(202);
      await collect([]);

      expect((await admin('GET', '/v1/profiles?identifier=userId:erin-user-9c1d')).statusCode).toBe(
        404,
      );
      expect((await admin('GET', '/v1/events?userId=erin-user-9c1d')).json().events).toEqual([]);
      expect((await admin('GET', '/v1/segments/buyers/members')).json().count).toBe(1);
      for (const needle of needles) expect(filesHolding(needle), needle).toEqual([]);
      // The others are untouched.
      expect(
        (await admin('GET', '/v1/profiles?identifier=userId:kept-user-1')).json(),
      ).toMatchObject({ traits: { email: 'kept@example.com' }, segments: ['buyers'] });

      // Later messages for the person are dropped, consent or not (the write key cannot undo an
      // erasure), until an admin lifts the suppression.
      expect(
        await collect([
          { type: 'track', userId: 'erin-user-9c1d', event: 'Came Back', timestamp: at(5) },
        ]),
      ).toMatchObject({ withheld: 1 });
      const optIn = {
        type: 'track',
        userId: 'erin-user-9c1d',
        event: 'Opted In',
        context: { consent: { categoryPreferences: { analytics: true } } },
        timestamp: at(6),
      };
      expect(await collect([optIn])).toMatchObject({ stored: 0, withheld: 1 });
      expect(filesHolding('erin-user-9c1d')).toEqual([]);
      expect(
        (await admin('POST', '/v1/privacy/unsuppress', { identifier: 'userId:erin-user-9c1d' }))
          .statusCode,
      ).toBe(200);
      expect((await collect([optIn])).stored).toBe(1);
      // Her earlier events were deleted, not only hidden: lifted, the log gives the new one alone.
      expect((await t.eventsOf('erin-user-9c1d')).map((e) => e.event)).toEqual(['Opted In']);
      expect((await admin('GET', '/v1/profiles?identifier=userId:erin-user-9c1d')).statusCode).toBe(
        200,
      );
    },
  );

  it('is finished after a stop between the profile store and the log: the log, the deliveries and the record are erased later', async () => {
    let now = clock;
    t = await startTestTailor({}, () => now);
    await collect([
      { type: 'identify', userId: 'gone', traits: { plan: 'pro' }, timestamp: at(0) },
      { type: 'track', userId: 'gone', event: 'Viewed', timestamp: at(1) },
      { type: 'track', userId: 'kept', event: 'Viewed', timestamp: at(1) },
    ]);
    const person = await t.tailor.profiles.byIdentifier({ type: 'userId', value: 'gone' });
    const position = await t.tailor.profiles.position('profiles');
    // What the pipeline's erasure does first, then the process stops before the rest.
    const erased = await t.tailor.profiles.erase(
      person?.id ?? '',
      'profiles',
      { from: position, to: position },
      { requestId: 'r-stopped', requestedBy: 'key:test-admin', at: now },
    );
    expect(erased?.positions).toHaveLength(2);
    const logged = async () => (await t.tailor.log.read(0, 100)).map((e) => e.message.userId);
    expect((await logged()).filter((u) => u === 'gone')).toHaveLength(2); // still in the log

    await collect([]); // within the grace period: left to the erasure under way
    expect(await t.tailor.profiles.erasures.pending(now + 1, 10)).toHaveLength(1);
    now += 61_000;
    await collect([]);
    expect(await logged()).toEqual(['kept']);
    expect(await t.tailor.profiles.erasures.pending(now + 1, 10)).toEqual([]);
    const audit = await admin('GET', '/v1/audit?action=privacy.erase.completed');
    expect(audit.statusCode).toBe(200);
    expect(JSON.stringify(audit.json())).toContain(person?.id ?? 'none');
  });

  it('answers 404 for a person nobody holds and 400 for a malformed identifier', async () => {
    t = await startTestTailor({}, () => clock);
    expect(
      (await admin('POST', '/v1/privacy/erase', { identifier: 'email:nobody@example.com' }))
        .statusCode,
    ).toBe(404);
    expect((await admin('POST', '/v1/privacy/erase', { identifier: 'nocolon' })).statusCode).toBe(
      400,
    );
  });
});
