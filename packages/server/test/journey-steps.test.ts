import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLiquid } from '../src/decide/create-liquid.js';
import { ChannelRegistry } from '../src/destinations/channel.js';
import { WebhookChannel } from '../src/destinations/channels/webhook-channel.js';
import type { Destination } from '../src/destinations/destination-store.js';
import type { ProfileView } from '../src/journeys/journey-definition.js';
import { JourneyRunner, type EmailRules } from '../src/journeys/journey-runner.js';
import { smtpSender } from '../src/journeys/smtp-sender.js';
import type { JourneyStore } from '../src/journeys/journey-store.js';
import { journeyWebhookSender } from '../src/journeys/journey-webhooks.js';
import { PgJourneyStore } from '../src/journeys/pg-journey-store.js';
import { SqliteJourneyStore } from '../src/journeys/sqlite-journey-store.js';
import { PgDatabase } from '../src/storage/postgres/pg-database.js';
import { freshSchemaName, testPostgresUrl } from './support/postgres.js';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtp-receiver.js';
import { stepCounts } from './support/journey-harness.js';

/** A webhook receiver on loopback answering the statuses queued (204 once they run out), keeping headers and body. */
interface HookReceiver {
  url: string;
  statuses: number[];
  received: { headers: IncomingHttpHeaders; body: string; status: number }[];
  close(): Promise<void>;
}
async function startHookReceiver(): Promise<HookReceiver> {
  const statuses: number[] = [];
  const received: HookReceiver['received'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const status = statuses.shift() ?? 204;
      received.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    statuses,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SECRET = 'journey-hook-secret';

/**
 * The steps issue 18 added after the first slice (webhooks, trait updates, goals, re-entry,
 * waitFor, frequency caps, quiet hours, segment entry), over both journey stores, with a real
 * SMTP receiver, a real HTTP receiver and an injected clock; restarts reopen the same file or schema.
 */
describe.each(['sqlite', 'postgres'] as const)('journey steps on %s', (backend) => {
  let dir: string;
  let schema: string;
  let smtp: SmtpReceiver;
  let hooks: HookReceiver;
  let clock: number;
  const profiles = new Map<string, ProfileView & { userId?: string }>();
  const traitUpdates: { person: string; traits: Record<string, unknown>; messageId: string }[] = [];
  const closers: (() => unknown)[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'journey-steps-'));
    schema = freshSchemaName();
    smtp = await startSmtpReceiver();
    hooks = await startHookReceiver();
    clock = Date.UTC(2026, 0, 5, 12, 0, 0); // a Monday, noon UTC
    profiles.clear();
    traitUpdates.length = 0;
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await smtp.close();
    await hooks.close();
    rmSync(dir, { recursive: true, force: true });
  });

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

  /** The profile store as the webhook sender reads it (stored traits and consent), over `profiles`. */
  const profileReader = {
    byId: (id: string) => {
      const p = profiles.get(id);
      if (p === undefined) return Promise.resolve(undefined);
      const traits = Object.fromEntries(
        Object.entries(p.traits).map(([k, v]) => [k, { value: v }]),
      );
      const current = Object.fromEntries(
        Object.entries(p.consent ?? {}).map(([k, v]) => [k, { granted: v }]),
      );
      return Promise.resolve({ id, traits, consent: { current } } as never);
    },
    identifiers: (id: string) =>
      Promise.resolve([{ type: 'userId', value: profiles.get(id)?.userId ?? `user-${id}` }]),
  };

  async function open(
    rules: EmailRules = {},
  ): Promise<{ runner: JourneyRunner; store: JourneyStore }> {
    const store = await openStore();
    const sender = smtpSender(smtp.url, 'Tailor <news@example.com>');
    const channels = new ChannelRegistry([
      new WebhookChannel({ allowInternal: ['127.0.0.1/32'], connectTimeoutMs: 2000 }),
    ]);
    closers.push(() => {
      sender.close();
      return channels.close();
    });
    const destination: Destination = {
      name: 'crm',
      type: 'webhook',
      url: hooks.url,
      events: [],
      secret: SECRET,
      pii: 'include',
      createdAt: '',
      updatedAt: '',
    };
    const runner = new JourneyRunner({
      store,
      engine: createLiquid(),
      readProfile: (person) => profiles.get(person),
      send: sender.send,
      unsubscribeUrl: () => 'mailto:unsubscribe@example.com',
      knowsDestination: (name) => Promise.resolve(name === 'crm'),
      webhook: journeyWebhookSender({
        destinations: { get: (name) => Promise.resolve(name === 'crm' ? destination : undefined) },
        channels,
        profiles: profileReader,
        now: () => clock,
        timeoutMs: 2000,
      }),
      updateTraits: (person, traits, messageId) => {
        traitUpdates.push({ person, traits, messageId });
        return Promise.resolve();
      },
      emailRules: rules,
      now: () => clock,
    });
    return { runner, store };
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

  it('delivers a webhook step at least once: retried with backoff across a restart, one Idempotency-Key, signed', async () => {
    const first = await open();
    await first.runner.put('onboard', {
      entry: { event: 'Signed Up' },
      steps: [
        { webhook: { destination: 'crm', event: 'Onboarding Started' } },
        { traits: { stage: 'onboarding' } },
        { email: { subject: 'Welcome', html: '<p>Hi</p>' } },
      ],
    });
    profiles.set('p1', { traits: { email: 'ada@example.com', plan: 'pro' }, userId: 'ada' });
    hooks.statuses.push(503, 500);
    await first.runner.onEvent({ name: 'Signed Up', person: 'p1', receivedAt: clock });
    await first.runner.tick();
    expect(hooks.received.map((r) => r.status)).toEqual([503]);
    expect(await first.store.webhook('onboard', 'p1', '0')).toEqual({
      attempts: 1,
      outcome: 'pending',
    });
    expect(smtp.received).toHaveLength(0); // the email waits for the webhook
    clock += 500;
    await first.runner.tick(); // the retry is due 1 s after the failure
    expect(hooks.received).toHaveLength(1);
    clock += 500;
    await first.runner.tick();
    expect(hooks.received.map((r) => r.status)).toEqual([503, 500]);
    await first.store.close(); // a restart in the middle of the retries
    const second = await open();
    clock += 2000;
    await second.runner.tick();
    expect(hooks.received.map((r) => r.status)).toEqual([503, 500, 204]);
    await expect.poll(() => smtp.received.length).toBe(1);
    const keys = new Set(hooks.received.map((r) => r.headers['idempotency-key']));
    expect([...keys]).toEqual(['journey-webhook:onboard:p1:0']);
    expect(new Set(hooks.received.map((r) => r.headers['x-tailor-delivery'])).size).toBe(1);
    for (const { headers, body } of hooks.received)
      expect(headers['x-tailor-signature']).toBe(
        createHmac('sha256', SECRET).update(body).digest('hex'),
      );
    const sent = JSON.parse(hooks.received[2]!.body) as Record<string, never>;
    expect(sent).toMatchObject({
      type: 'track',
      event: 'Onboarding Started',
      userId: 'ada',
      messageId: 'journey-webhook:onboard:p1:0',
      properties: { journey: 'onboard', step: '0', profileId: 'p1' },
      context: { traits: { email: 'ada@example.com', plan: 'pro' } },
    });
    expect(traitUpdates).toEqual([
      { person: 'p1', traits: { stage: 'onboarding' }, messageId: 'journey-traits:onboard:p1:1' },
    ]);
    expect(await second.store.webhook('onboard', 'p1', '0')).toEqual({
      attempts: 3,
      outcome: 'delivered',
    });
    await second.runner.tick();
    await settle();
    expect(hooks.received).toHaveLength(3);
  });

  it('gives a webhook up after its attempts, sends nothing to someone who refused its purpose, and refuses an unknown destination', async () => {
    const { runner, store } = await open();
    await expect(
      runner.put('x', { entry: { event: 'E' }, steps: [{ webhook: { destination: 'nope' } }] }),
    ).rejects.toThrow(/steps\.0\.webhook\.destination: no destination nope/);
    await runner.put('hook', {
      entry: { event: 'E' },
      steps: [{ webhook: { destination: 'crm' } }, { traits: { hooked: true } }],
    });
    profiles.set('p1', { traits: {} });
    profiles.set('p2', { traits: {}, consent: { marketing: false } });
    hooks.statuses.push(...Array<number>(12).fill(503));
    await runner.onEvent({ name: 'E', person: 'p1', receivedAt: clock });
    await runner.onEvent({ name: 'E', person: 'p2', receivedAt: clock });
    for (let i = 0; i < 14; i++) {
      await runner.tick();
      clock += HOUR;
    }
    expect(hooks.received).toHaveLength(12); // p1's twelve attempts, none for p2
    expect(await store.webhook('hook', 'p1', '0')).toEqual({ attempts: 12, outcome: 'failed' });
    expect(await store.webhook('hook', 'p2', '0')).toEqual({ attempts: 0, outcome: 'skipped' });
    expect(traitUpdates.map((u) => u.person).sort()).toEqual(['p1', 'p2']); // both went on
  });

  it('takes a person out on the goal event, counted at the step they were at, and sends them nothing more', async () => {
    const { runner, store } = await open();
    await runner.put('cart', {
      entry: { event: 'Product Added' },
      goal: { event: 'Order Completed' },
      steps: [{ wait: '1h' }, { email: { subject: 'Your cart', html: '<p>…</p>' } }],
    });
    profiles.set('p1', { traits: { email: 'ada@example.com' } });
    profiles.set('p2', { traits: { email: 'bob@example.com' } });
    await runner.onEvent({ name: 'Product Added', person: 'p1', receivedAt: clock });
    await runner.onEvent({ name: 'Product Added', person: 'p2', receivedAt: clock });
    await runner.onEvent({ name: 'Order Completed', person: 'p1', receivedAt: clock + 60_000 });
    await runner.onEvent({ name: 'Order Completed', person: 'p3', receivedAt: clock }); // never in it
    clock += HOUR;
    await runner.tick();
    await expect.poll(() => smtp.received.map((m) => m.to)).toEqual(['bob@example.com']);
    await runner.onEvent({ name: 'Order Completed', person: 'p2', receivedAt: clock }); // finished
    expect(await store.goals('cart')).toBe(1);
    // p1 reached the goal at the wait; p2 left at the email, having finished (their order after
    // that is not the journey's goal: they were no longer in it).
    expect(await store.stats('cart')).toEqual({
      '0': stepCounts({ entered: 2, done: 2, goal: 1 }),
      '1': stepCounts({ entered: 1, done: 1, left: 1 }, { end: 1 }),
    });
  });

  it('lets people in again as the re-entry policy says: once, always, after a cooldown', async () => {
    const { runner, store } = await open();
    const steps = [{ email: { subject: 'Hi {{ traits.email }}', html: '<p>Hi</p>' } }];
    await runner.put('once', { entry: { event: 'Visited' }, steps });
    await runner.put('always', { entry: { event: 'Visited' }, reentry: 'always', steps });
    await runner.put('weekly', { entry: { event: 'Visited' }, reentry: { after: '7d' }, steps });
    profiles.set('p1', { traits: { email: 'ada@example.com' } });
    const visit = async () => {
      await runner.onEvent({ name: 'Visited', person: 'p1', receivedAt: clock });
      await runner.tick();
    };
    await visit();
    clock += DAY;
    await visit();
    clock += 7 * DAY;
    await visit();
    const subjects = async () => {
      await settle();
      return smtp.received.length;
    };
    // once: 1; always: 3; weekly: the first and the one 8 days later.
    await expect.poll(subjects).toBe(6);
    expect(await store.emails('always', 'p1')).toEqual({
      '0': 'sent',
      '0@2': 'sent',
      '0@3': 'sent',
    });
    expect(await store.emails('weekly', 'p1')).toEqual({ '0': 'sent', '0@2': 'sent' });
    expect(await store.emails('once', 'p1')).toEqual({ '0': 'sent' });
    expect((await store.stats('always'))['0']?.entered).toBe(3);
  });

  it('never restarts someone still in the journey, whatever the policy', async () => {
    const { runner, store } = await open();
    await runner.put('always', {
      entry: { event: 'Visited' },
      reentry: 'always',
      steps: [{ wait: '1d' }, { email: { subject: 'Hi', html: '<p>Hi</p>' } }],
    });
    await runner.onEvent({ name: 'Visited', person: 'p1', receivedAt: clock });
    await runner.onEvent({ name: 'Visited', person: 'p1', receivedAt: clock + HOUR });
    expect(await store.place('always', 'p1')).toMatchObject({
      path: '0',
      dueAt: clock + DAY,
      run: 1,
    });
  });

  it('refuses a waitFor match in a journey entered on a segment or a schedule: there is no entry event to match', async () => {
    const { runner, store } = await open();
    const steps = [
      { waitFor: { event: 'Order Completed', timeout: '1d', match: 'cartId' }, then: [] },
    ];
    for (const entry of [
      { segment: 'carts' },
      { segment: 'carts', schedule: { every: '1d' } },
    ] as const)
      await expect(runner.put('carts', { entry, steps })).rejects.toThrow(
        /steps\.0\.waitFor\.match: only a journey entered on an event can match on its properties/,
      );
    expect(await store.getJourney('carts')).toBeUndefined();
    // Without the match it is a plain wait for the person's next order.
    await runner.put('carts', {
      entry: { segment: 'carts' },
      steps: [{ waitFor: { event: 'Order Completed', timeout: '1d' }, then: [] }],
    });
    expect(await store.getJourney('carts')).toBeDefined();
  });

  it('waits for the Order Completed of the same cart, branching on whether it came in time, across a restart', async () => {
    const first = await open();
    await first.runner.put('abandoned', {
      entry: { event: 'Product Added' },
      steps: [
        {
          waitFor: { event: 'Order Completed', timeout: '1d', match: 'cartId' },
          then: [{ email: { subject: 'Thanks for your order', html: '<p>…</p>' } }],
          else: [{ email: { subject: 'You left something', html: '<p>…</p>' } }],
        },
        { traits: { cart_journey: 'done' } },
      ],
    });
    profiles.set('p1', { traits: { email: 'ada@example.com' } });
    profiles.set('p2', { traits: { email: 'bob@example.com' } });
    profiles.set('p3', { traits: { email: 'cy@example.com' } });
    const added = (person: string, cartId: unknown) =>
      first.runner.onEvent({
        name: 'Product Added',
        person,
        receivedAt: clock,
        properties: { cartId },
      });
    await added('p1', 'c1');
    await added('p2', 'c2');
    await added('p3', 'c3');
    await first.store.close(); // restart mid-wait
    const second = await open();
    await second.runner.refresh();
    const ordered = (person: string, cartId: unknown, at: number) =>
      second.runner.onEvent({
        name: 'Order Completed',
        person,
        receivedAt: at,
        properties: { cartId },
      });
    await ordered('p1', 'other-cart', clock + HOUR); // not the entry's cart: still waiting
    expect(smtp.received).toHaveLength(0);
    await ordered('p1', 'c1', clock + 2 * HOUR);
    await expect.poll(() => smtp.received.length).toBe(1);
    expect(smtp.received[0]!.raw).toContain('Subject: Thanks for your order');
    expect(smtp.received[0]!.to).toBe('ada@example.com');
    await ordered('p2', 'c2', clock + DAY + 1); // too late: the timeout had passed
    clock += DAY;
    await second.runner.tick();
    await expect.poll(() => smtp.received.length).toBe(3);
    expect(
      smtp.received
        .slice(1)
        .map((m) => `${m.to} ${/Subject: (.*)/.exec(m.raw)?.[1] ?? ''}`)
        .sort(),
    ).toEqual(['bob@example.com You left something', 'cy@example.com You left something']);
    expect(traitUpdates.map((u) => u.person).sort()).toEqual(['p1', 'p2', 'p3']);
    const stats = await second.store.stats('abandoned');
    expect(stats['0.then.0']?.entered).toBe(1);
    expect(stats['0.else.0']?.entered).toBe(2);
    await ordered('p3', 'c3', clock); // finished: nothing
    await settle();
    expect(smtp.received).toHaveLength(3);
  });

  it('skips emails past the journey cap and the installation-wide cap, counting only emails sent in the window', async () => {
    const { runner, store } = await open({ frequencyCap: { emails: 3, ms: 7 * DAY } });
    profiles.set('p1', { traits: { email: 'ada@example.com' } });
    const email = (subject: string) => ({ email: { subject, html: '<p>x</p>' } });
    await runner.put('news', {
      entry: { event: 'Go' },
      frequencyCap: { emails: 2, per: '7d' },
      steps: [email('n1'), email('n2'), email('n3'), { wait: '8d' }, email('n4')],
    });
    await runner.put('promo', {
      entry: { event: 'Go' },
      steps: [{ wait: '1h' }, email('p1'), email('p2')],
    });
    await runner.onEvent({ name: 'Go', person: 'p1', receivedAt: clock });
    await runner.tick();
    expect(await store.emails('news', 'p1')).toEqual({ '0': 'sent', '1': 'sent', '2': 'capped' });
    clock += HOUR;
    await runner.tick(); // two sent this week already: the global cap of 3 lets one more go
    expect(await store.emails('promo', 'p1')).toEqual({ '1': 'sent', '2': 'capped' });
    clock += 8 * DAY;
    await runner.tick(); // a week later the window is empty again
    expect((await store.emails('news', 'p1'))['4']).toBe('sent');
    await expect.poll(() => smtp.received.length).toBe(4);
  });

  it("holds an email due in quiet hours until they end in the person's time zone", async () => {
    // 21:00-08:00; New York is UTC-5 in January, so 02:00 UTC is 21:00 there and 13:00 UTC 08:00.
    const { runner, store } = await open({ quietHours: { start: '21:00', end: '08:00' } });
    clock = Date.UTC(2026, 0, 6, 2, 0, 0);
    profiles.set('ny', { traits: { email: 'ny@example.com', timezone: 'America/New_York' } });
    profiles.set('utc', { traits: { email: 'utc@example.com', timezone: 'Not/AZone' } });
    await runner.put('hello', {
      entry: { event: 'Go' },
      steps: [{ email: { subject: 'Hello', html: '<p>x</p>' } }],
    });
    await runner.onEvent({ name: 'Go', person: 'ny', receivedAt: clock });
    await runner.onEvent({ name: 'Go', person: 'utc', receivedAt: clock }); // 02:00 in UTC: quiet too
    await runner.tick();
    expect(await store.place('hello', 'ny')).toMatchObject({
      path: '0',
      dueAt: Date.UTC(2026, 0, 6, 13, 0, 0),
    });
    expect((await store.place('hello', 'utc'))?.dueAt).toBe(Date.UTC(2026, 0, 6, 8, 0, 0));
    clock = Date.UTC(2026, 0, 6, 8, 0, 0);
    await runner.tick();
    await expect.poll(() => smtp.received.map((m) => m.to)).toEqual(['utc@example.com']);
    clock = Date.UTC(2026, 0, 6, 12, 59, 0);
    await runner.tick();
    await settle();
    expect(smtp.received).toHaveLength(1);
    clock = Date.UTC(2026, 0, 6, 13, 0, 0);
    await runner.tick();
    await expect.poll(() => smtp.received.length).toBe(2);
    expect((await store.stats('hello'))['0']).toEqual(
      stepCounts({ entered: 2, done: 2, left: 2 }, { end: 2 }),
    );
  });

  it("enters on Tailor's own Segment Entered for the segment, not on a client's event of that name", async () => {
    const { runner, store } = await open();
    await runner.put('vip', {
      entry: { segment: 'vip' },
      steps: [{ traits: { welcomed_vip: true } }],
    });
    await runner.put('lapsed', {
      entry: { segment: 'vip', on: 'exited' },
      steps: [{ traits: { lapsed_vip: true } }],
    });
    const segment = (name: string, person: string, seg: string, source?: string) =>
      runner.onEvent({ name, person, receivedAt: clock, properties: { segment: seg }, source });
    await segment('Segment Entered', 'p1', 'vip', 'segments');
    await segment('Segment Entered', 'p2', 'other', 'segments');
    await segment('Segment Entered', 'p3', 'vip'); // sent by a client with the write key
    await segment('Segment Exited', 'p4', 'vip', 'segments');
    await runner.tick();
    expect(traitUpdates.map((u) => [u.person, u.traits]).sort()).toEqual([
      ['p1', { welcomed_vip: true }],
      ['p4', { lapsed_vip: true }],
    ]);
    expect((await store.stats('vip'))['0']?.entered).toBe(1);
  });

  it('lets erasure remove webhook records with the person', async () => {
    const { runner, store } = await open();
    await runner.put('hook', {
      entry: { event: 'E' },
      steps: [{ webhook: { destination: 'crm' } }],
    });
    profiles.set('p1', { traits: {} });
    hooks.statuses.push(503);
    await runner.onEvent({ name: 'E', person: 'p1', receivedAt: clock });
    await runner.tick();
    expect(await store.webhook('hook', 'p1', '0')).toBeDefined();
    await store.erasePerson('p1');
    expect(await store.webhook('hook', 'p1', '0')).toBeUndefined();
    expect(await store.place('hook', 'p1')).toBeUndefined();
  });
});
