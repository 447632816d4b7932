import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
let clock = Date.UTC(2026, 10, 29, 12);
afterEach(async () => {
  await t.close();
});

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
async function admin(method: Method, url: string, payload?: object) {
  const res = await t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
  await settle();
  return res;
}
/** Lets the entries of answered requests be recorded (after the answer is sent). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
async function audit(
  query = '',
): Promise<{ entries: Record<string, unknown>[]; next: string | null }> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/v1/audit${query}`,
    headers: { authorization: t.adminAuth },
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}
const collect = (batch: Record<string, unknown>[]) => t.collect(batch);
/** The bytes of audit.sqlite and its write-ahead log. */
function auditFiles(): Buffer {
  t.tailor.audit.flush();
  return Buffer.concat(
    readdirSync(t.dir)
      .filter((f) => f.startsWith('audit.sqlite'))
      .map((f) => readFileSync(join(t.dir, f))),
  );
}
const ann = [
  {
    type: 'identify',
    userId: 'ann-user-51',
    anonymousId: 'ann-device-7',
    traits: { email: 'ann.lee@example.com', name: 'Ann Lee' },
  },
  { type: 'track', userId: 'ann-user-51', event: 'Order Completed' },
];

describe('audit log', () => {
  it('records a read by identifier with the profile id it resolved to, and nothing of the identifier anywhere in audit.sqlite', async () => {
    t = await startTestTailor({}, () => clock);
    await collect(ann);
    const read = await admin('GET', '/v1/profiles?identifier=email:ann.lee@example.com');
    expect(read.statusCode).toBe(200);
    const id = read.json<{ id: string }>().id;
    await admin('GET', '/v1/events?userId=ann-user-51');
    await admin('GET', `/v1/profiles/${id}/events`);
    await admin('GET', '/v1/profiles?identifier=email:nobody@example.com');

    const { entries } = await audit('?action=profile.read');
    expect(entries).toEqual([
      {
        id: expect.any(Number),
        at: new Date(clock).toISOString(),
        key: 'test-admin',
        role: 'admin',
        action: 'profile.read',
        target: 'profile',
        method: 'GET',
        route: '/v1/profiles',
        status: 404,
        ip: '127.0.0.1',
      },
      {
        id: expect.any(Number),
        at: new Date(clock).toISOString(),
        key: 'test-admin',
        role: 'admin',
        action: 'profile.read',
        target: `profile:${id}`,
        profileId: id,
        method: 'GET',
        route: '/v1/profiles',
        status: 200,
        ip: '127.0.0.1',
      },
    ]);
    expect((await audit(`?profileId=${id}`)).entries.map((e) => e.action)).toEqual([
      'profile.events.read',
      'events.read',
      'profile.read',
    ]);
    const bytes = auditFiles();
    for (const personal of [
      'ann.lee@example.com',
      'nobody@example.com',
      'ann-user-51',
      'ann-device-7',
      'Ann Lee',
      'identifier=',
    ]) {
      expect(bytes.includes(Buffer.from(personal)), personal).toBe(false);
    }
  });

  it('records definition changes: a segment PUT and DELETE, and a key made and revoked', async () => {
    t = await startTestTailor({}, () => clock);
    expect(
      (await admin('PUT', '/v1/segments/vip', { definition: 'traits.plan = "pro"' })).statusCode,
    ).toBe(200);
    expect(
      (await admin('PUT', '/v1/segments/vip', { definition: 'traits.plan = ' })).statusCode,
    ).toBe(400);
    expect((await admin('DELETE', '/v1/segments/vip')).statusCode).toBe(204);
    await admin('PUT', '/v1/keys/ci', { role: 'viewer' });
    await admin('DELETE', '/v1/keys/ci');
    const { entries } = await audit();
    expect(entries.map((e) => [e.action, e.target, e.method, e.route, e.status])).toEqual([
      ['key.revoke', 'key:ci', 'DELETE', '/v1/keys/:name', 204],
      ['key.put', 'key:ci', 'PUT', '/v1/keys/:name', 200],
      ['segment.delete', 'segment:vip', 'DELETE', '/v1/segments/:name', 204],
      ['segment.put', 'segment:vip', 'PUT', '/v1/segments/:name', 400],
      ['segment.put', 'segment:vip', 'PUT', '/v1/segments/:name', 200],
    ]);
    // The new key itself is in no entry.
    const made = await admin('PUT', '/v1/keys/ci2', { role: 'viewer' });
    expect(auditFiles().includes(Buffer.from(made.json<{ key: string }>().key))).toBe(false);
  });

  it('records an erasure request and its completion by the pipeline; the export carries the entries about the person', async () => {
    t = await startTestTailor({}, () => clock);
    await collect(ann);
    const id = (await admin('GET', '/v1/profiles?identifier=userId:ann-user-51')).json<{
      id: string;
    }>().id;
    await admin('PUT', `/v1/profiles/${id}/consent`, { purposes: { marketing: false } });
    const exported = (
      await admin('POST', '/v1/privacy/export', { identifier: 'email:ann.lee@example.com' })
    ).json();
    expect(exported.audit.map((e: { action: string }) => e.action)).toEqual([
      'consent.update',
      'profile.read',
    ]);
    expect(exported.audit[0]).toMatchObject({
      profileId: id,
      target: `profile:${id}`,
      key: 'test-admin',
    });

    clock += 60_000;
    const erase = await admin('POST', '/v1/privacy/erase', {
      identifier: 'email:ann.lee@example.com',
    });
    expect(erase.statusCode).toBe(202);
    expect((await audit(`?profileId=${id}`)).entries.map((e) => e.action)).toEqual([
      'privacy.erase.requested',
      'privacy.export',
      'consent.update',
      'profile.read',
    ]);
    clock += 60_000;
    await t.tailor.pipeline.catchUp();
    // Kept after the erasure: they name only the profile id, which now leads nowhere.
    const { entries } = await audit(`?profileId=${id}`);
    expect(entries.map((e) => e.action)).toEqual([
      'privacy.erase.completed',
      'privacy.erase.requested',
      'privacy.export',
      'consent.update',
      'profile.read',
    ]);
    expect(entries[0]).toEqual({
      id: expect.any(Number),
      at: new Date(clock).toISOString(),
      key: 'test-admin',
      role: null,
      action: 'privacy.erase.completed',
      target: `profile:${id}`,
      profileId: id,
      method: null,
      route: null,
      status: null,
      ip: null,
    });
    expect(entries[1]).toMatchObject({
      key: 'test-admin',
      role: 'admin',
      method: 'POST',
      route: '/v1/privacy/erase',
      status: 202,
    });
    expect(auditFiles().includes(Buffer.from('ann.lee@example.com'))).toBe(false);
  });

  it('pages newest first and filters by action, key, profile and time', async () => {
    t = await startTestTailor({}, () => clock);
    await t.tailor.keys.create('marketing', 'marketer', new Date(clock), 'marketing-key-0001');
    const start = clock;
    for (let i = 0; i < 5; i++) {
      clock = start + i * 60_000;
      await admin('PUT', `/v1/segments/s${i}`, { definition: 'traits.plan = "pro"' });
    }
    clock = start + 10 * 60_000;
    await t.app.inject({
      method: 'DELETE',
      url: '/v1/segments/s0',
      headers: { authorization: 'Bearer marketing-key-0001' },
    });
    await t.app.inject({
      method: 'POST',
      url: '/v1/privacy/erase',
      headers: { authorization: 'Bearer marketing-key-0001' },
      payload: { identifier: 'userId:x' },
    });
    await settle();

    const first = await audit('?action=segment.put&limit=2');
    expect(first.entries.map((e) => e.target)).toEqual(['segment:s4', 'segment:s3']);
    const second = await audit(`?action=segment.put&limit=2&cursor=${first.next ?? ''}`);
    expect(second.entries.map((e) => e.target)).toEqual(['segment:s2', 'segment:s1']);
    const last = await audit(`?action=segment.put&limit=2&cursor=${second.next ?? ''}`);
    expect(last.entries.map((e) => e.target)).toEqual(['segment:s0']);
    expect(last.next).toBeNull();

    const marketer = await audit('?key=marketing');
    // A refused attempt is recorded too (403), by the key's name.
    expect(marketer.entries.map((e) => [e.action, e.status, e.role])).toEqual([
      ['privacy.erase.requested', 403, 'marketer'],
      ['segment.delete', 204, 'marketer'],
    ]);
    const window = await audit(
      `?action=segment.put&since=${new Date(start + 60_000).toISOString()}&until=${new Date(start + 3 * 60_000).toISOString()}`,
    );
    expect(window.entries.map((e) => e.target)).toEqual(['segment:s2', 'segment:s1']);
    expect((await audit('?profileId=p_nobody')).entries).toEqual([]);
    const bad = await t.app.inject({
      method: 'GET',
      url: '/v1/audit?since=yesterday',
      headers: { authorization: t.adminAuth },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/v1/audit?cursor=zzz',
          headers: { authorization: t.adminAuth },
        })
      ).statusCode,
    ).toBe(400);
    // Reading the audit log is recorded, and so is a request with an unknown key (auth.failed); collection is not.
    await collect(ann);
    await t.app.inject({
      method: 'GET',
      url: '/v1/profiles/p_1',
      headers: { authorization: 'Bearer unknown-key-0001' },
    });
    await settle();
    const actions = new Set((await audit('?limit=1000')).entries.map((e) => String(e.action)));
    expect(actions.has('audit.read')).toBe(true);
    expect(
      [...actions].filter(
        (a) =>
          ![
            'audit.read',
            'segment.put',
            'segment.delete',
            'privacy.erase.requested',
            'auth.failed',
          ].includes(a),
      ),
    ).toEqual([]);
  });
});
