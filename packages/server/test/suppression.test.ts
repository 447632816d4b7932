import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '@tailor/core';
import { importFile } from '../src/import/import-file.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';
import { webhookConfig } from './support/webhook-config.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

/** After an erasure, no path that appends brings the person back (docs/security.md, "Erasure and suppression"). */
let t: TestTailor;
let receiver: WebhookReceiver;
const clock = Date.UTC(2026, 10, 29, 12);
const at = (minutes: number) => new Date(clock + minutes * 60_000).toISOString();
const ERIN = 'erin-user-9c1d';
const analyticsYes = { consent: { categoryPreferences: { analytics: true } } };

function admin(method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}
function write(url: string, payload: object) {
  return t.app.inject({ method: 'POST', url, headers: { authorization: t.writeAuth }, payload });
}
/** Folds and delivers everything logged so far. */
async function settle() {
  await t.collect([], { drain: true });
}
/** Nothing of Erin anywhere: no profile, no event in the log, nothing sent to the webhook. */
async function expectErinGone() {
  await settle();
  expect((await admin('GET', `/v1/profiles?identifier=userId:${ERIN}`)).statusCode).toBe(404);
  expect((await admin('GET', `/v1/events?userId=${ERIN}`)).json().events).toEqual([]);
  const logged = await t.tailor.log.read(0, 10_000);
  expect(logged.filter((e) => e.message.userId === ERIN)).toEqual([]);
  expect(receiver.received.filter(({ body }) => body.includes(ERIN))).toEqual([]);
}

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  t = await startTestTailor(webhookConfig(), () => clock);
  const url = `${receiver.base}/hook`;
  expect(
    (
      await admin('PUT', '/v1/destinations/all', {
        type: 'webhook',
        url,
        events: ['*'],
        secret: 's3cret-s3cret',
      })
    ).statusCode,
  ).toBe(200);
  await admin('PUT', '/v1/experiments/checkout', {
    variants: [{ id: 'control' }, { id: 'one-page' }],
  });
  await admin('PUT', '/v1/placements/hero', {
    items: [{ id: 'pro', when: 'traits.plan = "pro"', priority: 1, template: 'Pro' }],
    default: { id: 'generic', template: 'Hello' },
  });
  await t.collect([
    {
      type: 'identify',
      userId: ERIN,
      traits: { email: 'erin@example.com', plan: 'pro' },
      timestamp: at(0),
    },
  ]);
  expect(
    (await write('/v1/decide', { userId: ERIN, placements: ['hero'] })).json().decisions[0].itemId,
  ).toBe('pro');
  await settle();
  expect(receiver.received.some(({ body }) => body.includes(ERIN))).toBe(true); // the webhook sees people before
  receiver.received.length = 0;
  expect(
    (await admin('POST', '/v1/privacy/erase', { identifier: `userId:${ERIN}` })).statusCode,
  ).toBe(202);
  await expectErinGone();
});
afterEach(async () => {
  await t.close();
  await receiver.close();
});

describe('erasure and suppression: every path that appends', () => {
  it('decides for an erased person as for an unknown one, and records nothing', async () => {
    const answer = await write('/v1/decide', { userId: ERIN, placements: ['hero'] });
    const unknown = await write('/v1/decide', { userId: 'never-seen', placements: ['hero'] });
    expect(answer.json().decisions).toEqual(unknown.json().decisions);
    expect(answer.json().decisions[0]).toMatchObject({ itemId: 'generic', fallback: true });
    await expectErinGone();
    expect((await admin('GET', '/v1/events?userId=never-seen')).json().events).toHaveLength(1); // the unknown one is recorded
  });

  it('assigns an erased person a variant without recording an exposure', async () => {
    const assigned = await write('/v1/experiments/checkout/assign', { userId: ERIN });
    expect(assigned.statusCode).toBe(200);
    expect(['control', 'one-page']).toContain(assigned.json().variant);
    await expectErinGone();
  });

  it('keeps nothing collected for them, even a message giving analytics consent', async () => {
    const res = await write('/v1/batch', {
      batch: [
        { type: 'track', userId: ERIN, event: 'Came Back', timestamp: at(5) },
        {
          type: 'identify',
          userId: ERIN,
          traits: { plan: 'pro' },
          context: analyticsYes,
          timestamp: at(6),
        },
      ],
    });
    expect(res.json()).toMatchObject({ stored: 0, withheld: 2 });
    await expectErinGone();
  });

  it('imports nothing for them', async () => {
    const file = join(t.dir, 'people.jsonl');
    const lines = [
      {
        type: 'identify',
        userId: ERIN,
        traits: { email: 'erin@example.com' },
        context: analyticsYes,
        timestamp: at(7),
      },
      { type: 'track', userId: 'someone-else', event: 'Signed Up', timestamp: at(7) },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    const progress = await importFile(t.tailor.collector, {
      file,
      rejectsFile: `${file}.rejects.jsonl`,
    });
    expect(progress.stored).toBe(1);
    await expectErinGone();
    expect((await admin('GET', '/v1/profiles?identifier=userId:someone-else')).statusCode).toBe(
      200,
    );
  });

  it('does not fold or send a message for them already in the log, and erases it there', async () => {
    const message: StoredMessage = {
      type: 'track',
      messageId: 'late-1',
      event: 'Decision Made',
      userId: ERIN,
      anonymousId: null,
      timestamp: at(8),
      receivedAt: at(8),
      properties: {},
      context: {},
      tailor: { source: 'decide' },
    };
    await t.tailor.log.append([message]);
    await expectErinGone();
  });

  it('lifts a suppression only by an admin, audited', async () => {
    const lift = { identifier: `userId:${ERIN}` };
    expect((await write('/v1/privacy/unsuppress', lift)).statusCode).toBe(403);
    const lifted = await admin('POST', '/v1/privacy/unsuppress', lift);
    expect(lifted.statusCode).toBe(200);
    expect((await admin('POST', '/v1/privacy/unsuppress', lift)).statusCode).toBe(404); // no longer suppressed
    expect(
      (await admin('POST', '/v1/privacy/unsuppress', { identifier: 'nocolon' })).statusCode,
    ).toBe(400);
    const audit = (await admin('GET', '/v1/audit')).json<{
      entries: { action: string; status: number; role: string }[];
    }>();
    const entries = audit.entries.filter((e) => e.action === 'privacy.unsuppress');
    expect(entries.map((e) => [e.role, e.status]).sort()).toEqual([
      ['admin', 200],
      ['admin', 400],
      ['admin', 404],
      ['write', 403],
    ]);
    expect(JSON.stringify(audit)).not.toContain(ERIN);

    expect(
      (
        await write('/v1/batch', {
          batch: [{ type: 'track', userId: ERIN, event: 'Came Back', timestamp: at(9) }],
        })
      ).json(),
    ).toMatchObject({ stored: 1 });
    await settle();
    expect((await admin('GET', `/v1/profiles?identifier=userId:${ERIN}`)).statusCode).toBe(200);
    expect(receiver.received.some(({ body }) => body.includes('Came Back'))).toBe(true);
  });
});
