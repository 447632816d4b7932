import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtp-receiver.js';
import { startTestTailor, type ConfigOverrides, type TestTailor } from './support/test-tailor.js';
import { stepCounts } from './support/journey-harness.js';

/**
 * Journeys as `openTailor` wires them: the routes with a marketer key, the loop that follows the
 * log and ticks with the background work, the SMTP configuration, and the erasure coordinator.
 */
const MARKETER_KEY = 'test-marketer-key-0001';
let t: TestTailor | undefined;
let smtp: SmtpReceiver | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  await smtp?.close();
  t = smtp = undefined;
});

async function start(overrides: ConfigOverrides = {}): Promise<TestTailor> {
  const started = await startTestTailor({ logLevel: 'warn', ...overrides });
  await started.tailor.keys.create('test-marketer', 'marketer', new Date(), MARKETER_KEY);
  t = started;
  return started;
}

async function putJourney(tt: TestTailor, name: string, body: unknown): Promise<void> {
  const res = await tt.app.inject({
    method: 'PUT',
    url: `/v1/journeys/${name}`,
    headers: { authorization: `Bearer ${MARKETER_KEY}` },
    payload: body as Record<string, unknown>,
  });
  expect(res.statusCode, res.body).toBe(200);
}

const EMAIL_NOW = {
  entry: { event: 'Signed Up' },
  steps: [{ email: { subject: 'Hi {{ traits.first_name }}', html: '<p>Hello</p>' } }],
};

/** A person's profile id, by their userId. */
async function profileIdOf(tt: TestTailor, userId: string): Promise<string> {
  const res = await tt.app.inject({
    url: `/v1/profiles?identifier=userId:${userId}`,
    headers: { authorization: tt.adminAuth },
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ id: string }>().id;
}

/** Every warning line the server printed so far (JSON on stderr). */
function warnings(spy: { mock: { calls: unknown[][] } }): string[] {
  return spy.mock.calls.map((call) => String(call[0])).filter((l) => l.includes('"warn"'));
}

describe('journeys wired into a Tailor', () => {
  it('records the email step as skipped, with a log line, when no SMTP is configured', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const tt = await start();
    tt.tailor.background.start();
    await putJourney(tt, 'welcome', EMAIL_NOW);
    await tt.collect([
      { type: 'identify', userId: 'u1', traits: { email: 'u1@example.com', first_name: 'Ann' } },
      { type: 'track', userId: 'u1', event: 'Signed Up' },
    ]);
    const store = tt.tailor.journeys.store;
    const u1 = await profileIdOf(tt, 'u1'); // people are kept by their profile id
    await expect.poll(() => store.emails('welcome', u1)).toEqual({ '0': 'skipped-no-smtp' });
    // The person moves on in the commit after the email's record (the store groups its commits).
    await expect
      .poll(async () => (await store.stats('welcome'))['0'])
      .toEqual(stepCounts({ entered: 1, done: 1, left: 1 }, { end: 1 }));
    expect(warnings(stderr).join('\n')).toMatch(
      /journey welcome: email step 0 skipped, no SMTP configured/,
    );
    expect(warnings(stderr).join('\n')).not.toContain('u1@example.com');
  });

  it('keeps the background going when SMTP refuses and a stored journey no longer compiles', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    smtp = await startSmtpReceiver();
    const refusing = await startSmtpReceiver();
    const refusingUrl = refusing.url;
    await refusing.close(); // nothing listens there any more: every send fails
    const tt = await start({ smtpUrl: refusingUrl, emailFrom: 'news@example.com' });
    const store = tt.tailor.journeys.store;
    // Saved without the checks (as by an older version): it does not compile.
    await store.putJourney('broken', { entry: { event: 'Signed Up' }, steps: [{ wait: 'soon' }] });
    await putJourney(tt, 'welcome', EMAIL_NOW);
    tt.tailor.background.start();
    await tt.collect([
      { type: 'identify', userId: 'u1', traits: { email: 'u1@example.com', first_name: 'Ann' } },
      { type: 'track', userId: 'u1', event: 'Signed Up' },
    ]);
    const u1 = await profileIdOf(tt, 'u1');
    await expect
      .poll(() => store.emails('welcome', u1), { timeout: 10_000 })
      .toEqual({
        '0': 'failed',
      });
    const lines = warnings(stderr).join('\n');
    expect(lines).toMatch(/journey broken does not compile/);
    expect(lines).toMatch(/journey welcome: email step 0 failed \(not retried\)/);
    // The pipeline still folds, and a later person still goes through the journey.
    await tt.collect([
      { type: 'identify', userId: 'u2', traits: { email: 'u2@example.com' } },
      { type: 'track', userId: 'u2', event: 'Signed Up' },
    ]);
    const profile = await tt.app.inject({
      url: '/v1/profiles?identifier=userId:u2',
      headers: { authorization: tt.adminAuth },
    });
    expect(profile.statusCode).toBe(200);
    await expect
      .poll(() => store.emails('welcome', profile.json<{ id: string }>().id))
      .toEqual({ '0': 'failed' });
  });

  it('sends nothing to a person whose erasure is asked for, before the pipeline carries it out', async () => {
    smtp = await startSmtpReceiver();
    const tt = await start({
      logLevel: 'silent',
      smtpUrl: smtp.url,
      emailFrom: 'news@example.com',
    });
    tt.tailor.background.start();
    await putJourney(tt, 'soon', {
      entry: { event: 'Signed Up' },
      steps: [{ wait: '1s' }, { email: { subject: 'Hi', html: '<p>Hi</p>' } }],
    });
    const store = tt.tailor.journeys.store;
    await tt.collect(
      ['gil', 'hal'].flatMap((userId) => [
        { type: 'identify', userId, traits: { email: `${userId}@example.com` } },
        { type: 'track', userId, event: 'Signed Up' },
      ]),
    );
    await expect.poll(async () => (await store.stats('soon'))['0']?.waiting).toBe(2);
    // The first part of POST /v1/privacy/erase, on its own: the pipeline has not erased Gil yet.
    await tt.tailor.suppressions.add([{ type: 'userId', value: 'gil' }], new Date().toISOString());
    await expect.poll(() => smtp?.received.map((m) => m.to)).toEqual(['hal@example.com']);
    await expect
      .poll(async () => (await store.stats('soon'))['1'])
      .toEqual(stepCounts({ entered: 2, done: 2, left: 2 }, { end: 2 }));
    expect(smtp.received.map((m) => m.to)).toEqual(['hal@example.com']);
  });

  it('lets an erasure take a waiting person out of every journey and out of journeys.db', async () => {
    const tt = await start({ logLevel: 'silent' });
    tt.tailor.background.start();
    await putJourney(tt, 'later', {
      entry: { event: 'Signed Up' },
      steps: [{ wait: '1h' }, { email: { subject: 'Hi', html: '<p>Hi</p>' } }],
    });
    const store = tt.tailor.journeys.store;
    await tt.collect([
      { type: 'identify', userId: 'erin-9c1d', traits: { email: 'erin@example.com' } },
      { type: 'track', userId: 'erin-9c1d', event: 'Signed Up' },
    ]);
    await expect.poll(async () => (await store.stats('later'))['0']?.waiting).toBe(1);
    const holding = (needle: string): string[] =>
      readdirSync(tt.dir)
        .filter((f) => f.startsWith('journeys.db'))
        .filter((f) => readFileSync(join(tt.dir, f)).includes(needle));
    // People are kept by profile id: journeys.db never names them by an identifier.
    const erin = await profileIdOf(tt, 'erin-9c1d');
    expect(holding('erin-9c1d')).toEqual([]);
    expect(holding(erin).length).toBeGreaterThan(0); // the check can see the person before
    const erase = await tt.app.inject({
      method: 'POST',
      url: '/v1/privacy/erase',
      headers: { authorization: tt.adminAuth },
      payload: { identifier: 'userId:erin-9c1d' },
    });
    expect(erase.statusCode).toBe(202);
    await tt.collect([]);
    await expect.poll(async () => (await store.stats('later'))['0']?.waiting).toBe(0);
    expect(holding(erin)).toEqual([]);
  });
});
