import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config/config.schema.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
const clock = Date.UTC(2026, 10, 29, 12);
afterEach(async () => {
  await t.close();
});
async function start(overrides: Partial<Config> = {}) {
  t = await startTestTailor(overrides, () => clock);
}
function admin(method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}
async function collect(batch: Record<string, unknown>[], headers: Record<string, string> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: t.writeAuth, ...headers },
    payload: { batch },
  });
  expect(res.json().rejected).toEqual([]);
  await t.tailor.pipeline.catchUp();
  return res.json<{ stored: number; withheld?: number }>();
}
const at = (minutes: number) => new Date(clock + minutes * 60_000).toISOString();
const prefs = (categoryPreferences: Record<string, boolean>) => ({
  consent: { categoryPreferences },
});

describe('consent', () => {
  it('keeps each purpose from messages, identify traits and Sec-GPC, latest answer first, with its history', async () => {
    await start();
    await collect([
      {
        type: 'identify',
        userId: 'ann',
        traits: { plan: 'pro' },
        context: prefs({ analytics: true, marketing: true, personalization: true }),
        timestamp: at(0),
      },
    ]);
    await collect([{ type: 'track', userId: 'ann', event: 'Viewed', timestamp: at(1) }], {
      'sec-gpc': '1',
    });
    await collect([
      {
        type: 'identify',
        userId: 'ann',
        traits: { consent: { marketing: false, unknown_purpose: true } },
        timestamp: at(2),
      },
    ]);
    // An older answer arriving late does not undo a newer one.
    await collect([
      {
        type: 'track',
        userId: 'ann',
        event: 'Late',
        context: prefs({ marketing: true }),
        timestamp: at(-5),
      },
    ]);
    const profile = (await admin('GET', '/v1/profiles?identifier=userId:ann')).json();
    expect(profile.consent).toEqual({
      analytics: true,
      marketing: false,
      personalization: true,
      advertising: false,
    });
    const stored = await t.tailor.profiles.byIdentifier({ type: 'userId', value: 'ann' });
    expect(stored?.consent.history.map((h) => [h.purpose, h.granted, h.source])).toEqual([
      ['analytics', true, 'context'],
      ['marketing', true, 'context'],
      ['personalization', true, 'context'],
      ['advertising', false, 'gpc'],
      ['marketing', false, 'traits'],
    ]);
  });

  it('does not store a message that refuses analytics, or stores it without identifiers, as configured', async () => {
    await start();
    const dropped = await collect([
      { type: 'track', userId: 'bob', event: 'Counted', timestamp: at(0) },
      {
        type: 'track',
        userId: 'bob',
        event: 'Refused',
        context: prefs({ analytics: false }),
        timestamp: at(1),
      },
    ]);
    expect(dropped).toMatchObject({ withheld: 1 });
    // The event is not kept; the refusal is (as the person's consent record), and the profile enforces it.
    const events = (await admin('GET', '/v1/events?userId=bob')).json().events as {
      event: string;
      context: object;
    }[];
    expect(events.map((e) => e.event)).toEqual(['Counted', 'Consent Updated']);
    expect(events[1]?.context).toEqual({ consent: { categoryPreferences: { analytics: false } } });
    expect((await admin('GET', '/v1/profiles?identifier=userId:bob')).json().consent).toEqual({
      analytics: false,
    });
    await t.close();

    await start({
      privacy: {
        purposes: ['analytics', 'personalization', 'marketing', 'advertising'],
        withoutAnalytics: 'strip',
        encryption: { enabled: true },
      },
    });
    const stripped = await collect([
      {
        type: 'identify',
        userId: 'cy',
        traits: { email: 'cy@example.com' },
        context: { ...prefs({ analytics: false }), ip: '203.0.113.9' },
        timestamp: at(0),
      },
    ]);
    expect(stripped).toMatchObject({ stored: 2 });
    expect((await admin('GET', '/v1/profiles?identifier=userId:cy')).json()).toMatchObject({
      consent: { analytics: false },
      traits: {},
    });
    const logged = (await t.tailor.log.read(0, 10)).map((e) => e.message);
    const anonymized = logged.find((m) => m.tailor.anonymized === true);
    expect(anonymized).toMatchObject({ userId: null, anonymousId: null, type: 'identify' });
    expect(JSON.stringify(anonymized)).not.toMatch(/cy@example.com|203\.0\.113\.9|"cy"/);
    expect(JSON.stringify(logged)).not.toMatch(/cy@example.com|203\.0\.113\.9/);
  });

  it('stops using a person’s events once they refuse analytics, and lets segments read consent', async () => {
    await start();
    await admin('PUT', '/v1/computed-traits/views', { definition: 'count("Viewed")' });
    await admin('PUT', '/v1/segments/reachable', {
      definition: 'consent.marketing != false and computed.views >= 1',
    });
    await collect([{ type: 'track', userId: 'dee', event: 'Viewed', timestamp: at(0) }]);
    let profile = (await admin('GET', '/v1/profiles?identifier=userId:dee')).json();
    expect(profile).toMatchObject({ computed: { views: 1 }, segments: ['reachable'] });
    // Marketing refused through the identify traits: the segment that reads consent is left.
    await collect([
      {
        type: 'identify',
        userId: 'dee',
        traits: { consent: { marketing: false } },
        timestamp: at(1),
      },
    ]);
    profile = (await admin('GET', '/v1/profiles?identifier=userId:dee')).json();
    expect(profile).toMatchObject({ consent: { marketing: false }, segments: [] });
    // Analytics refused in the stored profile (by the consent API's event), then events without an answer are not used.
    await collect([
      {
        type: 'identify',
        userId: 'dee',
        traits: { consent: { analytics: false }, plan: 'gold' },
        timestamp: at(2),
      },
    ]);
    await collect([{ type: 'track', userId: 'dee', event: 'Viewed', timestamp: at(3) }]);
    profile = (await admin('GET', '/v1/profiles?identifier=userId:dee')).json();
    expect(profile.computed.views).toBe(1);
    expect(profile.traits.plan).toBeUndefined();
  });

  it('serves the default in every placement to a person who refused personalization', async () => {
    await start();
    await admin('PUT', '/v1/placements/hero', {
      items: [{ id: 'pro', when: 'traits.plan = "pro"', priority: 1, template: 'Pro' }],
      default: { id: 'generic', template: 'Hello' },
    });
    await collect([{ type: 'identify', userId: 'eve', traits: { plan: 'pro' }, timestamp: at(0) }]);
    const decide = async () =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/decide',
          headers: { authorization: t.writeAuth },
          payload: { userId: 'eve', placements: ['hero'] },
        })
      ).json().decisions[0];
    expect(await decide()).toMatchObject({ itemId: 'pro' });
    await collect([
      {
        type: 'track',
        userId: 'eve',
        event: 'Settings Saved',
        context: prefs({ personalization: false }),
        timestamp: at(1),
      },
    ]);
    // The write key is not told why (a person's consent is theirs); an admin key is.
    expect(await decide()).toMatchObject({
      itemId: 'generic',
      fallback: true,
      reasons: ['generic: default'],
    });
    const full = await t.app.inject({
      method: 'POST',
      url: '/v1/decide',
      headers: { authorization: t.adminAuth },
      payload: { userId: 'eve', placements: ['hero'] },
    });
    expect(full.json().decisions[0]).toMatchObject({
      itemId: 'generic',
      reasons: ['generic: default, no personalization consent'],
    });
  });

  it('records answers given through the API under the person’s identifiers', async () => {
    await start();
    await collect([{ type: 'identify', userId: 'fay', anonymousId: 'anon-fay', timestamp: at(0) }]);
    const profile = (await admin('GET', '/v1/profiles?identifier=userId:fay')).json();
    const put = await admin('PUT', `/v1/profiles/${profile.id}/consent`, {
      purposes: { marketing: false, advertising: true },
    });
    expect(put.statusCode).toBe(200);
    await t.tailor.pipeline.catchUp();
    expect((await admin('GET', `/v1/profiles/${profile.id}`)).json().consent).toEqual({
      marketing: false,
      advertising: true,
    });
    expect(
      (await admin('PUT', `/v1/profiles/${profile.id}/consent`, { purposes: { telepathy: true } }))
        .statusCode,
    ).toBe(400);
    expect(
      (await admin('PUT', '/v1/profiles/p_nobody/consent', { purposes: { marketing: true } }))
        .statusCode,
    ).toBe(404);
  });

  it('exports everything held about a person, merged profiles and consent history included', async () => {
    await start();
    await admin('PUT', '/v1/placements/hero', {
      items: [],
      default: { id: 'generic', template: 'Hello' },
    });
    await collect([
      { type: 'page', anonymousId: 'anon-gil', name: 'Home', timestamp: at(0) },
      { type: 'identify', userId: 'gil', traits: { email: 'gil@example.com' }, timestamp: at(1) },
      { type: 'alias', userId: 'gil', previousId: 'anon-gil', timestamp: at(2) },
      {
        type: 'track',
        userId: 'gil',
        event: 'Saved',
        context: prefs({ marketing: false }),
        timestamp: at(3),
      },
    ]);
    await t.app.inject({
      method: 'POST',
      url: '/v1/decide',
      headers: { authorization: t.writeAuth },
      payload: { userId: 'gil', placements: ['hero'] },
    });
    t.tailor.flushDecisions();
    await t.tailor.pipeline.catchUp();
    const res = await admin('POST', '/v1/privacy/export', { identifier: 'email:GIL@example.com' });
    expect(res.statusCode).toBe(200);
    const data = res.json();
    expect(data.profile).toMatchObject({
      traits: { email: 'gil@example.com' },
      consent: { marketing: false },
      provenance: { email: { source: 'key:test-write' } },
    });
    expect(data.events.map((e: { type: string; event?: string }) => e.event ?? e.type)).toEqual([
      'page',
      'identify',
      'alias',
      'Saved',
      'Decision Made',
    ]);
    expect(data.decisions).toHaveLength(1);
    expect(data.consent.history).toMatchObject([{ purpose: 'marketing', granted: false }]);
    expect(
      (await admin('POST', '/v1/privacy/export', { identifier: 'email:nobody@example.com' }))
        .statusCode,
    ).toBe(404);
  });
});
