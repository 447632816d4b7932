import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpReceiver, type SmtpReceiver } from '../support/smtp-receiver.js';
import { cleanupClusters, clusterEnv, startCluster } from './support/cluster.js';
import {
  ADMIN_AUTH,
  cleanupTailors,
  postCollect,
  spawnTailor,
  type SpawnedTailor,
} from './support/spawn-tailor.js';
import type { StepCounts } from '../../src/journeys/journey-store.js';
import { stepCounts } from '../support/journey-harness.js';

let smtp: SmtpReceiver | undefined;
afterEach(async () => {
  await cleanupClusters();
  await cleanupTailors();
  await smtp?.close();
  smtp = undefined;
});

const WELCOME = {
  entry: { event: 'Signed Up' },
  steps: [
    { wait: '2s' },
    {
      if: 'traits.plan = "pro"',
      then: [
        {
          email: {
            subject: 'Hi {{ traits.first_name }}',
            html: '<p>Welcome to pro, {{ traits.first_name }}</p>',
          },
        },
      ],
      else: [],
    },
  ],
};

type Stats = Record<string, StepCounts>;

/** A marketer key made with the admin key (`PUT /v1/keys/NAME`), as Bearer auth. */
async function marketerKey(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/keys/journeys-marketer`, {
    method: 'PUT',
    headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'marketer' }),
  });
  expect(response.status).toBe(200);
  return `Bearer ${((await response.json()) as { key: string }).key}`;
}

async function stats(url: string, auth: string): Promise<Stats> {
  const response = await fetch(`${url}/v1/journeys/welcome/stats`, {
    headers: { authorization: auth },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { steps: Stats }).steps;
}

/** Identifies a person (Segment spec, write key), optionally refusing the `marketing` purpose. */
async function identify(url: string, userId: string, firstName: string, refuse = false) {
  const response = await postCollect(url, '/v1/identify', {
    userId,
    traits: { email: `${userId}@example.com`, first_name: firstName, plan: 'pro' },
    ...(refuse && { context: { consent: { categoryPreferences: { marketing: false } } } }),
  });
  expect(response.status).toBe(200);
}

/** Sends the entry event with the write key; answers when it was sent. */
async function signUp(url: string, userId: string): Promise<number> {
  const at = Date.now();
  const response = await postCollect(url, '/v1/track', { userId, event: 'Signed Up' });
  expect(response.status).toBe(200);
  return at;
}

function emailsTo(receiver: SmtpReceiver, address: string) {
  return receiver.received.filter((m) => m.to === address);
}

describe('journeys on tailor serve', () => {
  it(
    'emails after the wait with the rendered subject and List-Unsubscribe, skips a refusal, and sends once across a kill mid-wait',
    { timeout: 90_000 },
    async () => {
      const receiver = await startSmtpReceiver();
      smtp = receiver;
      const env = {
        TAILOR_SMTP_URL: receiver.url,
        TAILOR_EMAIL_FROM: 'Tailor News <news@example.com>',
      };
      let server: SpawnedTailor = await spawnTailor({ env, startTimeoutMs: 40_000 });
      const marketer = await marketerKey(server.url);
      const put = await fetch(`${server.url}/v1/journeys/welcome`, {
        method: 'PUT',
        headers: { authorization: marketer, 'content-type': 'application/json' },
        body: JSON.stringify(WELCOME),
      });
      expect(put.status).toBe(200);

      // Ada is emailed; Bob refused marketing and gets nothing, though he takes the same branch.
      await identify(server.url, 'ada', 'Ada');
      await identify(server.url, 'bob', 'Bob', true);
      const adaSignedUp = await signUp(server.url, 'ada');
      await signUp(server.url, 'bob');
      await expect
        .poll(() => emailsTo(receiver, 'ada@example.com').length, { timeout: 20_000 })
        .toBe(1);
      const ada = emailsTo(receiver, 'ada@example.com')[0]!;
      expect(ada.at - adaSignedUp).toBeGreaterThanOrEqual(2000);
      expect(ada.raw).toMatch(/^Subject: Hi Ada$/m);
      expect(ada.raw).toMatch(/^From: Tailor News <news@example\.com>$/m);
      expect(ada.raw).toMatch(
        /^List-Unsubscribe: <mailto:news@example\.com\?subject=unsubscribe%20welcome>$/m,
      );
      expect(ada.raw).toContain('Welcome to pro, Ada');
      // Both went through the email step (Bob's skipped at send time for his consent).
      await expect
        .poll(() => stats(server.url, marketer), { timeout: 20_000 })
        .toMatchObject({
          '0': { entered: 2, waiting: 0, done: 2 },
          '1': { entered: 2, waiting: 0, done: 2 },
          '1.then.0': { entered: 2, waiting: 0, done: 2 },
        });
      expect(emailsTo(receiver, 'bob@example.com')).toEqual([]);

      // Carl enters, and the server is killed while he waits; the restarted one sends his email once.
      await identify(server.url, 'carl', 'Carl');
      const carlSignedUp = await signUp(server.url, 'carl');
      await expect
        .poll(async () => (await stats(server.url, marketer))['0']?.waiting, { timeout: 20_000 })
        .toBe(1);
      expect(emailsTo(receiver, 'carl@example.com')).toEqual([]);
      expect(await server.stop('SIGKILL')).toBeNull();
      const killedAt = Date.now();
      server = await spawnTailor({ dir: server.dir, env, startTimeoutMs: 40_000 });
      await expect
        .poll(() => emailsTo(receiver, 'carl@example.com').length, { timeout: 20_000 })
        .toBe(1);
      const carl = emailsTo(receiver, 'carl@example.com')[0]!;
      expect(carl.at).toBeGreaterThan(killedAt); // sent by the restarted server
      expect(carl.at - carlSignedUp).toBeGreaterThanOrEqual(2000);
      expect(carl.raw).toMatch(/^Subject: Hi Carl$/m);
      await expect
        .poll(async () => (await stats(server.url, marketer))['1.then.0'], { timeout: 20_000 })
        .toEqual(stepCounts({ entered: 3, done: 3, left: 3 }, { end: 3 }));
      // Another restart does not send anything again.
      expect(await server.stop('SIGTERM')).toBe(0);
      server = await spawnTailor({ dir: server.dir, env, startTimeoutMs: 40_000 });
      await sleep(1500); // several of the journeys' polls
      expect(receiver.received.map((m) => m.to).sort()).toEqual([
        'ada@example.com',
        'carl@example.com',
      ]);
      expect(await server.stop('SIGTERM')).toBe(0);
    },
  );

  it(
    'on two nodes of PostgreSQL and JetStream: one email however many nodes, and once across killing them all mid-wait',
    { timeout: 150_000 },
    async () => {
      const receiver = await startSmtpReceiver();
      smtp = receiver;
      const env = clusterEnv({
        TAILOR_SMTP_URL: receiver.url,
        TAILOR_EMAIL_FROM: 'Tailor News <news@example.com>',
      });
      const [a, b] = (await startCluster(2, env)) as [SpawnedTailor, SpawnedTailor];
      const marketer = await marketerKey(a.url);
      const put = await fetch(`${a.url}/v1/journeys/welcome`, {
        method: 'PUT',
        headers: { authorization: marketer, 'content-type': 'application/json' },
        body: JSON.stringify(WELCOME),
      });
      expect(put.status).toBe(200);
      // Saved on a, collected on b: whichever node runs the journeys sends Ada's email, once.
      await identify(b.url, 'ada', 'Ada');
      await identify(b.url, 'bob', 'Bob', true);
      const adaSignedUp = await signUp(b.url, 'ada');
      await signUp(b.url, 'bob');
      await expect
        .poll(() => emailsTo(receiver, 'ada@example.com').length, { timeout: 30_000 })
        .toBe(1);
      const ada = emailsTo(receiver, 'ada@example.com')[0]!;
      expect(ada.at - adaSignedUp).toBeGreaterThanOrEqual(2000);
      expect(ada.raw).toMatch(/^Subject: Hi Ada$/m);
      await expect
        .poll(async () => (await stats(b.url, ADMIN_AUTH))['1.then.0'], { timeout: 30_000 })
        .toEqual(stepCounts({ entered: 2, done: 2, left: 2 }, { end: 2 }));
      expect(emailsTo(receiver, 'bob@example.com')).toEqual([]);

      // Carl waits while every node is killed; one node started again sends his email once.
      await identify(b.url, 'carl', 'Carl');
      const carlSignedUp = await signUp(a.url, 'carl');
      await expect
        .poll(async () => (await stats(a.url, ADMIN_AUTH))['0']?.waiting, { timeout: 30_000 })
        .toBe(1);
      await Promise.all([a.stop('SIGKILL'), b.stop('SIGKILL')]);
      const killedAt = Date.now();
      const restarted = await spawnTailor({ dir: a.dir, env, startTimeoutMs: 40_000 });
      await expect
        .poll(() => emailsTo(receiver, 'carl@example.com').length, { timeout: 30_000 })
        .toBe(1);
      const carl = emailsTo(receiver, 'carl@example.com')[0]!;
      expect(carl.at).toBeGreaterThan(killedAt);
      expect(carl.at - carlSignedUp).toBeGreaterThanOrEqual(2000);
      await expect
        .poll(async () => (await stats(restarted.url, ADMIN_AUTH))['1.then.0'], {
          timeout: 30_000,
        })
        .toEqual(stepCounts({ entered: 3, done: 3, left: 3 }, { end: 3 }));
      await sleep(1500); // several of the journeys' polls
      expect(receiver.received.map((m) => m.to).sort()).toEqual([
        'ada@example.com',
        'carl@example.com',
      ]);
    },
  );
});
