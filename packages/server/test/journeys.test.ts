import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { createLiquid } from '../src/decide/create-liquid.js';
import { journeyErasureOwner } from '../src/journeys/journey-erasure.js';
import { followLog } from '../src/journeys/journey-follower.js';
import { JourneyRunner } from '../src/journeys/journey-runner.js';
import { smtpSender } from '../src/journeys/smtp-sender.js';
import type { JourneyStore } from '../src/journeys/journey-store.js';
import { PgJourneyStore } from '../src/journeys/pg-journey-store.js';
import { SqliteJourneyStore } from '../src/journeys/sqlite-journey-store.js';
import { PgDatabase } from '../src/storage/postgres/pg-database.js';
import { freshSchemaName, testPostgresUrl } from './support/postgres.js';
import type { ProfileView } from '../src/journeys/journey-definition.js';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtp-receiver.js';
import { stepCounts as counts } from './support/journey-harness.js';

const WELCOME = {
  entry: { event: 'Signed Up' },
  steps: [
    { wait: '1s' },
    {
      if: 'traits.plan = "pro"',
      then: [
        {
          email: {
            subject: 'Welcome, pro {{ traits.name }}',
            html: '<p>Hi {{ traits.name | upcase }}</p>',
            text: 'Hi {{ traits.name }}, welcome to pro.',
          },
        },
      ],
      else: [{ email: { subject: 'Welcome {{ traits.name }}', html: '<p>Try pro</p>' } }],
    },
  ],
};

/**
 * The journeys' scenarios (runner, follower, erasure) over every adapter of the journey store:
 * `journeys.db`, and PostgreSQL on a schema of its own in this run's database.
 */
const BACKENDS = ['sqlite', 'postgres'] as const;

describe.each(BACKENDS)('journeys on %s', (backend) => {
  let dir: string;
  let schema: string;
  let smtp: SmtpReceiver;
  let clock: number;
  const profiles = new Map<string, ProfileView>();
  const closers: (() => unknown)[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'journeys-'));
    schema = freshSchemaName();
    smtp = await startSmtpReceiver();
    clock = 1_000_000;
    profiles.clear();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A store on the same file or schema each time (a restart), closed after the test. */
  async function openStore(): Promise<JourneyStore> {
    if (backend === 'sqlite') {
      const store = new SqliteJourneyStore(join(dir, 'journeys.db'));
      closers.push(() => store.close());
      return store;
    }
    const db = await PgDatabase.open({ url: testPostgresUrl(), schema, maxConnections: 2 });
    closers.push(() => db.close());
    return PgJourneyStore.open(db);
  }

  async function open(): Promise<{ runner: JourneyRunner; store: JourneyStore }> {
    const store = await openStore();
    const sender = smtpSender(smtp.url, 'Tailor <news@example.com>');
    closers.push(() => {
      sender.close();
    });
    const runner = new JourneyRunner({
      store,
      engine: createLiquid(),
      readProfile: (person) => profiles.get(person),
      send: sender.send,
      unsubscribeUrl: (person, journey) =>
        `https://tailor.example/unsubscribe?p=${person}&j=${journey}`,
      now: () => clock,
    });
    return { runner, store };
  }

  it('sends the rendered email after the wait, counted from when the entry event was received, on the branch the profile takes', async () => {
    const { runner, store } = await open();
    await runner.put('welcome', WELCOME);
    profiles.set('u1', { traits: { email: 'ada@example.com', name: 'Ada', plan: 'pro' } });
    profiles.set('u2', { traits: { email: 'bob@example.com', name: 'Bob' } });
    await runner.onEvent({ name: 'Signed Up', person: 'u1', receivedAt: clock - 500 });
    await runner.onEvent({ name: 'Signed Up', person: 'u2', receivedAt: clock });
    await runner.tick();
    expect(smtp.received).toHaveLength(0);
    clock += 500; // u1's wait is up (received 500 ms earlier), u2's is not
    await runner.tick();
    await expect.poll(() => smtp.received.length).toBe(1);
    expect(smtp.received[0]!.to).toBe('ada@example.com');
    expect(smtp.received[0]!.raw).toContain('Subject: Welcome, pro Ada');
    expect(smtp.received[0]!.raw).toContain('<p>Hi ADA</p>');
    expect(smtp.received[0]!.raw).toMatch(
      /List-Unsubscribe: <https:\/\/tailor\.example\/unsubscribe\?p=u1&j=welcome>/,
    );
    // The step's plain-text part, rendered with the same engine, the unsubscribe address added.
    expect(smtp.received[0]!.raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(smtp.received[0]!.raw).toMatch(
      /Content-Type: text\/plain[^]*Hi Ada, welcome to pro\.\r?\n\r?\nUnsubscribe: https:\/\/tailor\.example\/unsubscribe\?p=u1&j=welcome/,
    );
    clock += 500;
    await runner.tick();
    await expect.poll(() => smtp.received.length).toBe(2);
    expect(smtp.received[1]!.to).toBe('bob@example.com');
    expect(smtp.received[1]!.raw).toContain('Subject: Welcome Bob');
    expect(smtp.received[1]!.raw).not.toContain('text/plain'); // a step without text: HTML alone
    const stats = await store.stats('welcome');
    expect(stats['0']).toEqual(counts({ entered: 2, done: 2 }));
    // Each left at the email of their branch, the last step they reached.
    expect(stats['1.then.0']).toEqual(counts({ entered: 1, done: 1, left: 1 }, { end: 1 }));
    expect(stats['1.else.0']).toEqual(counts({ entered: 1, done: 1, left: 1 }, { end: 1 }));
  });

  it('sends nothing to someone who refused marketing after entering (checked at send time)', async () => {
    const { runner } = await open();
    await runner.put('welcome', WELCOME);
    profiles.set('u1', { traits: { email: 'ada@example.com', name: 'Ada' } });
    await runner.onEvent({ name: 'Signed Up', person: 'u1', receivedAt: clock });
    profiles.set('u1', {
      traits: { email: 'ada@example.com', name: 'Ada' },
      consent: { marketing: false },
    });
    clock += 1000;
    await runner.tick();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.received).toHaveLength(0);
  });

  it('keeps a person waiting across a restart, and sends the email once', async () => {
    const first = await open();
    await first.runner.put('welcome', WELCOME);
    profiles.set('u1', { traits: { email: 'ada@example.com', name: 'Ada' } });
    await first.runner.onEvent({ name: 'Signed Up', person: 'u1', receivedAt: clock });
    await first.runner.onEvent({ name: 'Signed Up', person: 'u1', receivedAt: clock + 10 }); // once per person
    expect((await first.store.stats('welcome'))['0']).toEqual(counts({ entered: 1, waiting: 1 }));
    await first.store.close();
    const second = await open();
    clock += 1000;
    await second.runner.tick();
    await second.runner.tick();
    await expect.poll(() => smtp.received.length).toBe(1);
    const third = await open();
    await third.runner.tick();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.received).toHaveLength(1);
  });

  it('enters people from the log from its own durable position, timed from reception', async () => {
    const { runner, store } = await open();
    await runner.put('welcome', WELCOME);
    profiles.set('u1', { traits: { email: 'ada@example.com', name: 'Ada' } });
    const received = new Date(clock - 1000).toISOString();
    const track = (position: number, event: string, userId: string) => ({
      position,
      partition: 0,
      message: { type: 'track', event, userId, receivedAt: received, tailor: {} },
    });
    const events = [track(1, 'Page Viewed', 'u1'), track(2, 'Signed Up', 'u1')];
    const log = {
      read: (from: number) => Promise.resolve(events.filter((e) => e.position > from) as never[]),
      stats: () => Promise.resolve({ events: events.length, lastPosition: 2, bytes: 0 }),
    };
    expect(await followLog({ log, store, runner })).toBe(2);
    expect(await followLog({ log, store, runner })).toBe(0);
    expect(await store.getPosition('journeys')).toBe('2');
    await runner.tick(); // received a second ago: the 1 s wait is already up
    await expect.poll(() => smtp.received.length).toBe(1);
  });

  it('moves past the log without reading it while no journey awaits an event, and reads it again once one does', async () => {
    const { runner, store } = await open();
    const received = new Date(clock - 1000).toISOString();
    const track = (position: number, event: string, userId: string) => ({
      position,
      partition: 0,
      message: { type: 'track', event, userId, receivedAt: received, tailor: {} },
    });
    const events = [track(1, 'Signed Up', 'u1'), track(2, 'Page Viewed', 'u1')];
    let reads = 0;
    const log = {
      read: (from: number) => {
        reads++;
        return Promise.resolve(events.filter((e) => e.position > from) as never[]);
      },
      stats: () =>
        Promise.resolve({ events: events.length, lastPosition: events.length, bytes: 0 }),
    };
    // To the log's end, without asking how far the profiles are folded (`until`): on several
    // nodes that is a request per partition, for events nobody awaits.
    let asked = 0;
    const until = () => {
      asked++;
      return Promise.resolve(1);
    };
    expect(await followLog({ log, store, runner, until })).toBe(0);
    expect(await store.getPosition('journeys')).toBe('2');
    expect(asked).toBe(0);
    expect(await followLog({ log, store, runner })).toBe(0);
    expect(await store.getPosition('journeys')).toBe('2');
    expect(reads).toBe(0);
    // A journey saved now enters people from the events after the position, as before.
    await runner.put('welcome', WELCOME);
    profiles.set('u2', { traits: { email: 'grace@example.com', name: 'Grace' } });
    events.push(track(3, 'Signed Up', 'u2'));
    expect(await followLog({ log, store, runner })).toBe(1);
    expect(reads).toBe(1);
    expect(await store.getPosition('journeys')).toBe('3');
    expect((await store.stats('welcome'))['0']).toEqual(counts({ entered: 1, waiting: 1 }));
  });

  it('refuses a bad duration, segment expression or template with the reason', async () => {
    const { runner, store } = await open();
    await expect(
      runner.put('j', { entry: { event: 'E' }, steps: [{ wait: 'soon' }] }),
    ).rejects.toThrow(/steps\.0\.wait/);
    await expect(
      runner.put('j', { entry: { event: 'E' }, steps: [{ if: 'traits.plan ==== 1', then: [] }] }),
    ).rejects.toThrow(/steps\.0\.if/);
    await expect(
      runner.put('j', {
        entry: { event: 'E' },
        steps: [{ email: { subject: '{% if %}', html: '' } }],
      }),
    ).rejects.toThrow(/steps\.0\.email\.subject/);
    expect(await store.getJourney('j')).toBeUndefined();
  });

  it('runs a journey saved through another connection, and stops one deleted there', async () => {
    const routes = await open(); // the request thread, or another node
    const background = await open();
    profiles.set('u1', { traits: { email: 'ada@example.com', name: 'Ada' } });
    await routes.runner.put('now', {
      entry: { event: 'Signed Up' },
      steps: [{ email: { subject: 'Now', html: '<p>Now</p>' } }],
    });
    await background.runner.refresh();
    await background.runner.onEvent({ name: 'Signed Up', person: 'u1', receivedAt: clock });
    expect(await background.runner.tick()).toBe(1);
    await expect.poll(() => smtp.received.length).toBe(1);
    expect(await background.store.emails('now', 'u1')).toEqual({ '0': 'sent' });
    expect(await routes.runner.delete('now')).toBe(true);
    await background.runner.refresh();
    await background.runner.onEvent({ name: 'Signed Up', person: 'u2', receivedAt: clock });
    expect(await background.store.stats('now')).toEqual({});
  });

  it('records an email as skipped without SMTP and as failed when SMTP refuses, and goes on', async () => {
    const store = await openStore();
    profiles.set('u1', { traits: { email: 'ada@example.com', name: 'Ada' } });
    const body = {
      entry: { event: 'Signed Up' },
      steps: [
        { email: { subject: 'One', html: '<p>1</p>' } },
        { email: { subject: 'Two', html: '<p>2</p>' } },
      ],
    };
    const warnings: string[] = [];
    const runnerWith = (send: ((m: unknown) => Promise<void>) | undefined) =>
      new JourneyRunner({
        store,
        engine: createLiquid(),
        readProfile: (person) => profiles.get(person),
        send,
        unsubscribeUrl: () => 'mailto:unsubscribe@example.com',
        now: () => clock,
        warn: (message) => warnings.push(message),
      });
    const skipping = runnerWith(undefined);
    await skipping.put('welcome', body);
    await skipping.onEvent({ name: 'Signed Up', person: 'u1', receivedAt: clock });
    await skipping.tick();
    expect(await store.emails('welcome', 'u1')).toEqual({
      '0': 'skipped-no-smtp',
      '1': 'skipped-no-smtp',
    });
    expect(warnings).toContain(
      'journey welcome: email step 0 skipped, no SMTP configured (set TAILOR_SMTP_URL and TAILOR_EMAIL_FROM)',
    );
    const refusing = runnerWith(() => Promise.reject(new Error('421 try later')));
    await refusing.put('other', body);
    await refusing.onEvent({ name: 'Signed Up', person: 'u1', receivedAt: clock });
    await refusing.tick();
    expect(await store.emails('other', 'u1')).toEqual({ '0': 'failed', '1': 'failed' });
    expect((await store.stats('other'))['1']).toEqual(
      counts({ entered: 1, done: 1, left: 1 }, { end: 1 }),
    );
  });

  it('lets an erased person leave the journey', async () => {
    const { runner, store } = await open();
    await runner.put('welcome', WELCOME);
    profiles.set('u1', { traits: { email: 'ada@example.com', name: 'Ada' } });
    await runner.onEvent({ name: 'Signed Up', person: 'u1', receivedAt: clock });
    await journeyErasureOwner(store).erase({
      requestId: 'r1',
      profileId: 'p1',
      requestedBy: 'admin',
      at: clock,
      positions: [],
      identifiers: [{ type: 'userId', value: 'u1' }],
      profiles: ['p1'],
    });
    // Counted as leaving, erased, at the step they were waiting at.
    expect((await store.stats('welcome'))['0']).toEqual(
      counts({ entered: 1, done: 1, left: 1 }, { erased: 1 }),
    );
    clock += 1000;
    await runner.tick();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.received).toHaveLength(0);
  });

  it('counts per step who left and why, and who reached the goal there, across a restart', async () => {
    const first = await open();
    await first.runner.put('measure', {
      entry: { event: 'Signed Up' },
      goal: { event: 'Order Completed' },
      steps: [
        { wait: '1s' },
        { email: { subject: 'Hello', html: '<p>Hello</p>' } },
        { waitUntil: { trait: 'renewalDate', ifPast: 'exit' } },
        { wait: '1d' },
        { email: { subject: 'Renew', html: '<p>Renew</p>' } },
      ],
    });
    const soon = new Date(clock + 20_000).toISOString();
    const late = new Date(clock + 86_400_000).toISOString();
    // b has no renewal date.
    const renewals: Record<string, string> = { a: soon, c: late, d: soon, e: soon };
    for (const person of ['a', 'b', 'c', 'd', 'e']) {
      const renewalDate = renewals[person];
      profiles.set(person, {
        traits: { email: `${person}@example.com`, ...(renewalDate && { renewalDate }) },
      });
      await first.runner.onEvent({ name: 'Signed Up', person, receivedAt: clock });
    }
    // a orders during the first wait: the goal counts at step 0, where a is.
    await first.runner.onEvent({ name: 'Order Completed', person: 'a', receivedAt: clock + 500 });
    clock += 1000;
    await first.runner.tick(); // b has no date (exit); c waits a day; d and e 20 s
    await expect.poll(() => smtp.received.length).toBe(4);
    expect((await first.store.stats('measure'))['2']).toEqual(
      counts({ entered: 4, waiting: 3, done: 1, left: 1 }, { exit: 1 }),
    );
    await first.store.close();

    const { runner, store } = await open(); // a restart: the counts are the store's
    clock += 20_000;
    await runner.tick(); // d and e on to the day's wait
    await runner.onEvent({ name: 'Order Completed', person: 'c', receivedAt: clock });
    await journeyErasureOwner(store).erase({
      requestId: 'r1',
      profileId: 'pd',
      requestedBy: 'admin',
      at: clock,
      positions: [],
      identifiers: [{ type: 'userId', value: 'd' }],
      profiles: ['pd'],
    });
    clock += 86_400_000;
    await runner.tick(); // e: the last email, then the end
    await expect.poll(() => smtp.received.length).toBe(5);
    expect(await store.stats('measure')).toEqual({
      '0': counts({ entered: 5, done: 5, goal: 1 }),
      '1': counts({ entered: 4, done: 4 }),
      '2': counts({ entered: 4, done: 4, left: 1, goal: 1 }, { exit: 1 }),
      '3': counts({ entered: 2, done: 2, left: 1 }, { erased: 1 }),
      '4': counts({ entered: 1, done: 1, left: 1 }, { end: 1 }),
    });
    expect(await store.goals('measure')).toBe(2);
    expect(await store.deleteJourney('measure')).toBe(true);
    expect(await store.stats('measure')).toEqual({});
  });

  it('moves no one back in who left on the goal after their place was read, and counts nothing for them', async () => {
    const { runner, store } = await open();
    await runner.put('goal', {
      entry: { event: 'Signed Up' },
      goal: { event: 'Order Completed' },
      steps: [{ wait: '1s' }, { wait: '1s' }],
    });
    await runner.onEvent({ name: 'Signed Up', person: 'u1', receivedAt: clock });
    // As a tick that read u1's place, then the follower read the goal before the tick moved them.
    const [read] = await store.due(clock + 1000, 10);
    expect(read?.person).toBe('u1');
    await runner.onEvent({ name: 'Order Completed', person: 'u1', receivedAt: clock });
    await store.move('goal', 'u1', '1', clock + 2000, ['1']);
    await store.leave('goal', 'u1', '1', 'end', ['1']);
    expect(await store.place('goal', 'u1')).toBeUndefined();
    expect(await store.stats('goal')).toEqual({ '0': counts({ entered: 1, done: 1, goal: 1 }) });
  });
});

describe('journey email configuration', () => {
  it('reads TAILOR_SMTP_URL and TAILOR_EMAIL_FROM', () => {
    const config = loadConfig({
      flags: {},
      env: { TAILOR_SMTP_URL: 'smtp://127.0.0.1:2525', TAILOR_EMAIL_FROM: 'news@example.com' },
      cwd: tmpdir(),
    });
    expect(config.smtpUrl).toBe('smtp://127.0.0.1:2525');
    expect(config.emailFrom).toBe('news@example.com');
    expect(() =>
      loadConfig({ flags: {}, env: { TAILOR_SMTP_URL: 'http://x' }, cwd: tmpdir() }),
    ).toThrow(/smtpUrl/);
  });
});
