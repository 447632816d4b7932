import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
beforeEach(async () => {
  t = await startTestTailor();
});
afterEach(async () => {
  await t.close();
});

async function collect(batch: Record<string, unknown>[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: t.writeAuth },
    payload: { batch },
  });
  expect(res.statusCode).toBe(200);
  expect(res.json().rejected).toEqual([]);
  await t.tailor.pipeline.catchUp();
}

async function get(url: string) {
  return t.app.inject({ method: 'GET', url, headers: { authorization: t.adminAuth } });
}

describe('profiles over HTTP', () => {
  it('anonymous browsing then login: one profile, found by any identifier, with trait provenance and events', async () => {
    await collect([
      {
        type: 'page',
        anonymousId: 'anon-1',
        name: 'Home',
        messageId: 'm1',
        timestamp: '2026-11-01T10:00:00Z',
      },
      {
        type: 'track',
        anonymousId: 'anon-1',
        event: 'Product Viewed',
        messageId: 'm2',
        timestamp: '2026-11-01T10:01:00Z',
      },
      {
        type: 'identify',
        anonymousId: 'anon-1',
        userId: 'u-1',
        traits: { email: ' Ann@Example.COM ', phone: '(415) 555-0100', plan: 'pro' },
        messageId: 'm3',
        timestamp: '2026-11-01T10:02:00Z',
      },
    ]);
    const byEmail = await get('/v1/profiles?identifier=email:ann@example.com&provenance=true');
    expect(byEmail.statusCode).toBe(200);
    const profile = byEmail.json();
    expect(profile).toMatchObject({
      identifiers: [
        { type: 'anonymousId', value: 'anon-1' },
        { type: 'email', value: 'ann@example.com' },
        { type: 'phone', value: '+14155550100' },
        { type: 'userId', value: 'u-1' },
      ],
      traits: { email: 'ann@example.com', phone: '+14155550100', plan: 'pro' },
      computed: {},
      segments: [],
      consent: {},
      createdAt: '2026-11-01T10:00:00.000Z',
      updatedAt: '2026-11-01T10:02:00.000Z',
      provenance: {
        plan: { source: 'key:test-write', messageId: 'm3', timestamp: '2026-11-01T10:02:00.000Z' },
      },
    });
    // The same profile by phone in national form (normalized like collection), by userId and by id.
    expect((await get('/v1/profiles?identifier=phone:415-555-0100')).json().id).toBe(profile.id);
    expect((await get('/v1/profiles?identifier=userId:u-1')).json().id).toBe(profile.id);
    const byId = (await get(`/v1/profiles/${profile.id}`)).json();
    expect(byId.provenance).toBeUndefined();
    expect(byId.traits.plan).toBe('pro');

    const page1 = (await get(`/v1/profiles/${profile.id}/events?limit=2`)).json();
    expect(page1.events.map((e: { messageId: string }) => e.messageId)).toEqual(['m1', 'm2']);
    const page2 = (
      await get(`/v1/profiles/${profile.id}/events?limit=2&cursor=${page1.next}`)
    ).json();
    expect(page2).toMatchObject({ events: [{ messageId: 'm3', type: 'identify' }], next: null });
  });

  it('a second device merges into the older profile; the merged id leads to it and the history says why', async () => {
    await collect([
      { type: 'identify', anonymousId: 'laptop', userId: 'u-2', messageId: 'a1' },
      { type: 'track', anonymousId: 'phone', event: 'App Opened', messageId: 'a2' },
    ]);
    const phoneProfile = (await get('/v1/profiles?identifier=anonymousId:phone')).json()
      .id as string;
    await collect([{ type: 'identify', anonymousId: 'phone', userId: 'u-2', messageId: 'a3' }]);

    const merged = (await get(`/v1/profiles/${phoneProfile}`)).json();
    expect(merged.id).not.toBe(phoneProfile);
    expect(merged.mergedIds).toEqual([phoneProfile]);
    const history = (await get(`/v1/profiles/${merged.id}/merges`)).json();
    expect(history.merges).toEqual([
      {
        into: merged.id,
        from: phoneProfile,
        messageId: 'a3',
        at: expect.any(String),
        reason: 'identifier anonymousId:phone',
      },
    ]);
    const events = (await get(`/v1/profiles/${merged.id}/events`)).json().events;
    expect(events.map((e: { messageId: string }) => e.messageId)).toEqual(['a1', 'a2', 'a3']);
  });

  it('a shared computer keeps two userIds apart and lists the conflict', async () => {
    await collect([
      { type: 'identify', anonymousId: 'family-pc', userId: 'mum', messageId: 'f1' },
      { type: 'identify', anonymousId: 'family-pc', userId: 'son', messageId: 'f2' },
    ]);
    const mum = (await get('/v1/profiles?identifier=userId:mum')).json();
    const son = (await get('/v1/profiles?identifier=userId:son')).json();
    expect(mum.id).not.toBe(son.id);
    const { conflicts } = (await get('/v1/identity/conflicts')).json();
    expect(conflicts).toEqual([
      {
        identifier: { type: 'anonymousId', value: 'family-pc' },
        limitType: 'userId',
        limit: 1,
        profileId: mum.id,
        resolvedTo: son.id,
        messageId: 'f2',
        at: expect.any(String),
      },
    ]);
    expect((await get(`/v1/profiles/${son.id}/merges`)).json().conflicts).toHaveLength(1);
  });

  it('answers 404 for an unknown profile or identifier and 400 for a malformed identifier', async () => {
    const nobody = await get('/v1/profiles?identifier=email:nobody@example.com');
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json().message).toBe('no profile holds email:nobody@example.com');
    // A mistyped type is still a 404 (nobody holds it), and the answer names the types there are.
    const typo = await get('/v1/profiles?identifier=emial:ann@example.com');
    expect(typo.statusCode).toBe(404);
    expect(typo.json().message).toMatch(
      /emial is not an identifier type here; the identifier types are userId, email, phone, anonymousId/,
    );
    const erase = await t.admin('POST', '/v1/privacy/export', {
      identifier: 'emial:ann@example.com',
    });
    expect(erase.statusCode).toBe(404);
    expect(erase.json().message).toMatch(/emial is not an identifier type here/);
    expect((await get('/v1/profiles/p_nope')).statusCode).toBe(404);
    expect((await get('/v1/profiles/p_nope/events')).statusCode).toBe(404);
    const bad = await get('/v1/profiles?identifier=no-colon-here');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/TYPE:VALUE/);
    const write = await t.app.inject({
      method: 'GET',
      url: '/v1/profiles?identifier=userId:x',
      headers: { authorization: t.writeAuth },
    });
    expect(write.statusCode).toBe(403);
  });

  it('reports the pipeline in /metrics', async () => {
    await collect([{ type: 'track', userId: 'm-1', event: 'E' }]);
    const text = (await get('/metrics')).body;
    expect(text).toMatch(/^tailor_pipeline_events_total 1$/m);
    expect(text).toMatch(/^tailor_pipeline_behind_events 0$/m);
    expect(text).toMatch(/^tailor_pipeline_lag_seconds_count 1$/m);
  });
});
