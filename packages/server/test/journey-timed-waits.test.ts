import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journeyHarness, stepCounts, type JourneyHarness } from './support/journey-harness.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

/**
 * Waits until a time of day in the person's time zone and until a date trait, over both journey
 * stores, with a real SMTP receiver and the injected clock; restarts reopen the same file or schema.
 */
describe.each(['sqlite', 'postgres'] as const)('timed waits on %s', (backend) => {
  let h: JourneyHarness;
  beforeEach(async () => {
    h = await journeyHarness(backend);
  });
  afterEach(() => h.close());

  it("waits until 09:00 in the person's time zone, across a restart", async () => {
    const first = await h.open({ emailRules: { timeZone: 'Europe/Paris' } });
    await first.runner.put('morning', {
      entry: { event: 'Signed Up' },
      steps: [
        { waitUntil: { time: '09:00' } },
        { email: { subject: 'Good morning', html: '<p>Hi</p>' } },
      ],
    });
    h.profiles.set('ny', { traits: { email: 'ny@example.com', timezone: 'America/New_York' } });
    h.profiles.set('paris', { traits: { email: 'paris@example.com' } }); // the installation's zone
    // Monday 12:00 UTC: 07:00 in New York (09:00 is 14:00 UTC), 13:00 in Paris (next 09:00 is Tuesday 08:00 UTC).
    await first.runner.onEvent({ name: 'Signed Up', person: 'ny', receivedAt: h.clock.now });
    await first.runner.onEvent({ name: 'Signed Up', person: 'paris', receivedAt: h.clock.now });
    await first.runner.tick();
    expect((await first.store.place('morning', 'ny'))?.dueAt).toBe(Date.UTC(2026, 0, 5, 14));
    expect((await first.store.place('morning', 'paris'))?.dueAt).toBe(Date.UTC(2026, 0, 6, 8));
    await first.store.close(); // a restart mid-wait
    const second = await h.open({ emailRules: { timeZone: 'Europe/Paris' } });
    h.clock.now = Date.UTC(2026, 0, 5, 13, 59);
    await second.runner.tick();
    await settle();
    expect(h.smtp.received).toHaveLength(0);
    h.clock.now = Date.UTC(2026, 0, 5, 14, 0);
    await second.runner.tick();
    await expect.poll(() => h.smtp.received.map((m) => m.to)).toEqual(['ny@example.com']);
    h.clock.now = Date.UTC(2026, 0, 6, 8, 0);
    await second.runner.tick();
    await second.runner.tick(); // nothing moves twice
    await expect.poll(() => h.smtp.received.length).toBe(2);
    await settle();
    expect(h.smtp.received.map((m) => m.to)).toEqual(['ny@example.com', 'paris@example.com']);
    expect((await second.store.stats('morning'))['0']).toEqual(stepCounts({ entered: 2, done: 2 }));
  });

  it('waits until a renewal date minus 7 days at 09:00, follows a changed date, and exits when it is past', async () => {
    const { runner, store } = await h.open();
    await runner.put('renewal', {
      entry: { event: 'Subscribed' },
      steps: [
        { waitUntil: { trait: 'renewalDate', offset: '-7d', time: '09:00', ifPast: 'exit' } },
        { email: { subject: 'Your plan renews on {{ traits.renewalDate }}', html: '<p>x</p>' } },
      ],
    });
    const traits = {
      email: 'ada@example.com',
      timezone: 'Europe/Paris',
      renewalDate: '2026-02-15',
    };
    h.profiles.set('ada', { traits });
    h.profiles.set('late', { traits: { email: 'late@example.com', renewalDate: '2026-01-08' } });
    await runner.onEvent({ name: 'Subscribed', person: 'ada', receivedAt: h.clock.now });
    await runner.onEvent({ name: 'Subscribed', person: 'late', receivedAt: h.clock.now });
    await runner.tick();
    // 2026-02-08 09:00 in Paris (UTC+1 in winter); the late one's reminder day has passed: out.
    expect((await store.place('renewal', 'ada'))?.dueAt).toBe(Date.UTC(2026, 1, 8, 8));
    expect(await store.place('renewal', 'late')).toBeUndefined();
    // The renewal moves a month on before the reminder: the wait follows it (09:00 Paris, still winter).
    h.profiles.set('ada', { traits: { ...traits, renewalDate: '2026-03-15' } });
    h.clock.now = Date.UTC(2026, 1, 8, 8);
    await runner.tick();
    expect((await store.place('renewal', 'ada'))?.dueAt).toBe(Date.UTC(2026, 2, 8, 8));
    await settle();
    expect(h.smtp.received).toHaveLength(0);
    h.clock.now = Date.UTC(2026, 2, 8, 8);
    await runner.tick();
    await expect.poll(() => h.smtp.received.length).toBe(1);
    expect(h.smtp.received[0]!.raw).toContain('Subject: Your plan renews on 2026-03-15');
    expect(await store.emails('renewal', 'late')).toEqual({});
  });

  it('sends nothing to someone who refused marketing during a waitUntil (consent read at send time)', async () => {
    const { runner, store } = await h.open();
    await runner.put('tip', {
      entry: { event: 'Signed Up' },
      steps: [{ waitUntil: { time: '18:00' } }, { email: { subject: 'Tip', html: '<p>x</p>' } }],
    });
    h.profiles.set('bo', { traits: { email: 'bo@example.com' } });
    await runner.onEvent({ name: 'Signed Up', person: 'bo', receivedAt: h.clock.now });
    await runner.tick();
    h.profiles.set('bo', { traits: { email: 'bo@example.com' }, consent: { marketing: false } });
    h.clock.now = Date.UTC(2026, 0, 5, 18);
    await runner.tick();
    await settle();
    expect(h.smtp.received).toHaveLength(0);
    expect(await store.place('tip', 'bo')).toBeUndefined();
  });
});
