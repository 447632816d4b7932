import { afterEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';
import { webhookConfig } from './support/webhook-config.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';
import { stepCounts } from './support/journey-harness.js';

/**
 * The new journey steps as `openTailor` wires them: entry on a real segment's `Segment Entered`,
 * a webhook step through a destination defined over the API (its Channel, its secret), and a trait
 * update that the pipeline folds into the profile.
 */
let t: TestTailor | undefined;
let hooks: WebhookReceiver | undefined;
afterEach(async () => {
  await t?.close();
  await hooks?.close();
  t = hooks = undefined;
});

async function call(tt: TestTailor, method: 'PUT' | 'GET', url: string, payload?: object) {
  return tt.app.inject({
    method,
    url,
    headers: { authorization: tt.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}

describe('journey steps wired into a Tailor', () => {
  it('enters people on a segment, posts them to a destination and sets a trait on their profile', async () => {
    hooks = await startWebhookReceiver();
    const tt = await startTestTailor({ logLevel: 'silent', ...webhookConfig() });
    t = tt;
    tt.tailor.background.start();
    const destination = await call(tt, 'PUT', '/v1/destinations/crm', {
      type: 'webhook',
      url: `${hooks.base}/crm`,
      events: ['Never Sent'],
      secret: 'crm-secret-0001',
    });
    expect(destination.statusCode, destination.body).toBe(200);
    expect(
      (await call(tt, 'PUT', '/v1/segments/vip', { definition: 'traits.plan = "vip"' })).statusCode,
    ).toBe(200);
    const unknown = await call(tt, 'PUT', '/v1/journeys/bad', {
      entry: { segment: 'vip' },
      steps: [{ webhook: { destination: 'nowhere' } }],
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ message: string }>().message).toMatch(/no destination nowhere/);
    const put = await call(tt, 'PUT', '/v1/journeys/vip-welcome', {
      entry: { segment: 'vip' },
      steps: [
        { webhook: { destination: 'crm', event: 'VIP Welcome' } },
        { traits: { vip_welcomed: true } },
      ],
    });
    expect(put.statusCode, put.body).toBe(200);
    await tt.collect([
      { type: 'identify', userId: 'u1', traits: { plan: 'vip', email: 'u1@example.com' } },
      { type: 'identify', userId: 'u2', traits: { plan: 'free' } },
      // A client's own "Segment Entered" enters no one.
      { type: 'track', userId: 'u2', event: 'Segment Entered', properties: { segment: 'vip' } },
    ]);
    const traitsOf = async (userId: string) =>
      (await call(tt, 'GET', `/v1/profiles?identifier=userId:${userId}`)).json<{
        traits: Record<string, unknown>;
      }>().traits;
    await expect
      .poll(async () => (await traitsOf('u1'))['vip_welcomed'], { timeout: 10_000 })
      .toBe(true);
    expect(hooks.received).toHaveLength(1);
    const body = JSON.parse(hooks.received[0]!.body) as {
      event: string;
      userId: string;
      context: { traits: Record<string, unknown> };
    };
    expect(body.event).toBe('VIP Welcome');
    expect(body.userId).toBe('u1');
    expect(body.context.traits['email']).toBe('[masked]'); // the destination's default PII mode
    expect((await traitsOf('u2'))['vip_welcomed']).toBeUndefined();
    const stats = await call(tt, 'GET', '/v1/journeys/vip-welcome/stats');
    expect(stats.json()).toEqual({
      steps: {
        '0': stepCounts({ entered: 1, done: 1 }),
        '1': stepCounts({ entered: 1, done: 1, left: 1 }, { end: 1 }),
      },
    });
  });
});
