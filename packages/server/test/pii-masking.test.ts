import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';
import { webhookConfig } from './support/webhook-config.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const EMAIL = 'ann.lee@example.com';
const PHONE = '+33612345678';
const VIEWER_KEY = 'test-viewer-key-0001';
const MARKETER_KEY = 'test-marketer-key-0001';
const SECRET = 'webhook-secret-123';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let t: TestTailor;
let receiver: WebhookReceiver;
let base: string;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  base = receiver.base;
  t = await startTestTailor(webhookConfig(), () => Date.UTC(2026, 10, 24, 12));
  await t.tailor.keys.create('v', 'viewer', new Date(), VIEWER_KEY);
  await t.tailor.keys.create('m', 'marketer', new Date(), MARKETER_KEY);
});
afterEach(async () => {
  await t.close();
  await receiver.close();
});

function call(key: string, method: 'GET' | 'PUT', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(payload !== undefined && { payload }),
  });
}
const admin = (method: 'GET' | 'PUT', url: string, payload?: object) =>
  call('test-admin-key-0001', method, url, payload);

async function collect(batch: Record<string, unknown>[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: t.writeAuth },
    payload: { batch },
  });
  expect(res.json().rejected).toEqual([]);
  await t.tailor.pipeline.catchUp();
  await t.tailor.dispatcher.drain();
}

const order = {
  type: 'track',
  userId: 'u1',
  event: 'Order Completed',
  properties: {
    email: ' Ann.Lee@Example.com',
    phone: '+33 6 12 34 56 78',
    note: 'leave it with Ann',
    revenue: 20,
    name: 'Shoe',
  },
  context: { ip: '203.0.113.9', traits: { firstName: 'Ann' } },
};

describe('personal data sent to destinations', () => {
  it('is masked by default, hashed with pii: hash, sent as it is with pii: include; plans mark more', async () => {
    const plan = await admin('PUT', '/v1/tracking-plans/events/Order%20Completed', {
      mode: 'allow',
      schema: { type: 'object', properties: { note: { type: 'string', pii: true } } },
    });
    expect(plan.statusCode).toBe(200);
    const hook = (path: string, pii?: string) => ({
      type: 'webhook',
      url: `${base}/${path}`,
      events: ['*'],
      secret: SECRET,
      ...(pii !== undefined && { pii }),
    });
    expect((await admin('PUT', '/v1/destinations/masked', hook('masked'))).json()).toMatchObject({
      pii: 'mask',
    });
    expect(
      (await admin('PUT', '/v1/destinations/hashed', hook('hashed', 'hash'))).json(),
    ).toMatchObject({ pii: 'hash' });
    expect(
      (await admin('PUT', '/v1/destinations/full', hook('full', 'include'))).json(),
    ).toMatchObject({ pii: 'include' });
    await collect([order]);
    const body = (path: string) =>
      JSON.parse(receiver.received.find((r) => r.path === `/${path}`)?.body ?? 'null') as {
        userId: string;
        properties: object;
        context: object;
        tailor: object;
      };

    const masked = body('masked');
    expect(masked.userId).toBe('u1'); // kept, so the receiver can join
    expect(masked.properties).toEqual({
      email: '[masked]',
      phone: '[masked]',
      note: '[masked]',
      revenue: 20,
      name: 'Shoe',
    });
    expect(masked.context).toMatchObject({ ip: '[masked]', traits: { firstName: '[masked]' } });
    expect(JSON.stringify(masked)).not.toMatch(/ann|\+33|6 12 34/i); // the originals kept by normalization too

    const hashed = body('hashed');
    expect(hashed.properties).toEqual({
      email: sha256(EMAIL),
      phone: sha256(PHONE),
      note: sha256('leave it with ann'),
      revenue: 20,
      name: 'Shoe',
    });
    expect(hashed.context).toMatchObject({
      ip: sha256('203.0.113.9'),
      traits: { firstName: sha256('ann') },
    });
    expect(JSON.stringify(hashed)).not.toMatch(/ann\.lee|\+33/i);

    const full = body('full');
    expect(full.properties).toEqual({
      email: EMAIL,
      phone: PHONE,
      note: 'leave it with Ann',
      revenue: 20,
      name: 'Shoe',
    });
    expect(full.context).toMatchObject({ ip: '203.0.113.9', traits: { firstName: 'Ann' } });
  });

  it('only an admin key may send personal data on as it is', async () => {
    const hook = { type: 'webhook', url: `${base}/x`, events: ['*'], secret: SECRET };
    expect(
      (await call(MARKETER_KEY, 'PUT', '/v1/destinations/x', { ...hook, pii: 'include' }))
        .statusCode,
    ).toBe(403);
    expect(
      (await call(MARKETER_KEY, 'PUT', '/v1/destinations/x', { ...hook, pii: 'hash' })).statusCode,
    ).toBe(200);
    expect(
      (await call(MARKETER_KEY, 'PUT', '/v1/destinations/x', { ...hook, pii: 'plain' })).statusCode,
    ).toBe(400);
  });
});

describe('personal data read through the API', () => {
  beforeEach(async () => {
    await admin('PUT', '/v1/tracking-plans/traits', {
      mode: 'allow',
      schema: { properties: { nickname: { type: 'string', pii: true } } },
    });
    await collect([
      { type: 'identify', anonymousId: 'a1', traits: { nickname: 'annie' } },
      {
        type: 'identify',
        userId: 'u1',
        traits: { email: EMAIL, phone: PHONE, name: 'Ann Lee', plan: 'pro' },
        context: { ip: '203.0.113.9' },
      },
      { type: 'identify', anonymousId: 'a1', traits: { email: EMAIL } }, // merges the two profiles by email
      order,
    ]);
  });

  it('shows a profile in full to an admin key, masked to viewer and marketer keys', async () => {
    const full = (await admin('GET', `/v1/profiles?identifier=email:${EMAIL}`)).json();
    expect(full.traits).toMatchObject({
      email: EMAIL,
      phone: PHONE,
      name: 'Ann Lee',
      nickname: 'annie',
      plan: 'pro',
    });
    for (const key of [VIEWER_KEY, MARKETER_KEY]) {
      const res = await call(key, 'GET', `/v1/profiles?identifier=email:${EMAIL}`);
      expect(res.statusCode).toBe(200);
      const profile = res.json();
      expect(profile.id).toBe(full.id);
      expect(profile.traits).toEqual({
        ...full.traits,
        email: '[masked]',
        phone: '[masked]',
        name: '[masked]',
        nickname: '[masked]',
      });
      expect(profile.identifiers).toEqual(
        full.identifiers.map((i: { type: string; value: string }) =>
          ['email', 'phone'].includes(i.type) ? { ...i, value: '[masked]' } : i,
        ),
      );
      expect(profile.identifiers).toContainEqual({ type: 'userId', value: 'u1' });
      const byId = (await call(key, 'GET', `/v1/profiles/${full.id}`)).json();
      expect(byId.traits.email).toBe('[masked]');
    }
  });

  it('masks events, a profile’s events, merges and conflicts for a viewer key', async () => {
    const { id } = (await admin('GET', '/v1/profiles?identifier=userId:u1')).json();
    expect((await admin('GET', `/v1/profiles/${id}/merges`)).json().merges).toMatchObject([
      { reason: `identifier email:${EMAIL}` },
    ]);
    const reads = [
      '/v1/events?userId=u1',
      `/v1/profiles/${id}/events`,
      `/v1/profiles/${id}/merges`,
      '/v1/identity/conflicts',
    ];
    for (const url of reads) {
      const res = await call(VIEWER_KEY, 'GET', url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).not.toMatch(/ann\.lee|\+33|Ann Lee|annie|203\.0\.113\.9/i);
    }
    const asViewer = (await call(VIEWER_KEY, 'GET', '/v1/events?userId=u1')).json().events;
    const asAdmin = (await admin('GET', '/v1/events?userId=u1')).json().events;
    expect(asViewer.map((e: { messageId: string }) => e.messageId)).toEqual(
      asAdmin.map((e: { messageId: string }) => e.messageId),
    );
    expect(asViewer[0]).toMatchObject({
      userId: 'u1',
      traits: { email: '[masked]', plan: 'pro' },
      context: { ip: '[masked]' },
    });
    expect(asAdmin[0]).toMatchObject({ traits: { email: EMAIL }, context: { ip: '203.0.113.9' } });
  });
});
