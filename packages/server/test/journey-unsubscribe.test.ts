import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtp-receiver.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/**
 * Unsubscribing from a journey email through Tailor: the signed link in the email and its headers
 * (RFC 8058 one-click), the refusal recorded as the person's consent, and a later email step of
 * the same journey skipped for it. Time is the test's clock, moved on by hand.
 */
const MARKETER_KEY = 'test-marketer-key-0001';
const PUBLIC_URL = 'https://tailor.example.com';
let t: TestTailor | undefined;
let smtp: SmtpReceiver | undefined;
afterEach(async () => {
  await t?.close();
  await smtp?.close();
  t = smtp = undefined;
});

let clock = Date.parse('2026-03-02T09:00:00Z');

async function start(): Promise<TestTailor> {
  smtp = await startSmtpReceiver();
  const tt = await startTestTailor(
    { logLevel: 'silent', smtpUrl: smtp.url, emailFrom: 'news@example.com', publicUrl: PUBLIC_URL },
    () => clock,
  );
  await tt.tailor.keys.create('test-marketer', 'marketer', new Date(), MARKETER_KEY);
  t = tt;
  const res = await tt.app.inject({
    method: 'PUT',
    url: '/v1/journeys/welcome',
    headers: { authorization: `Bearer ${MARKETER_KEY}` },
    payload: {
      entry: { event: 'Signed Up' },
      steps: [
        { email: { subject: 'Welcome', html: '<p>Hello {{ traits.first_name }}</p>' } },
        { wait: '1d' },
        { email: { subject: 'An offer', html: '<p>10% off</p>' } },
      ],
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  tt.tailor.background.start();
  return tt;
}

/** The message's headers unfolded and its quoted-printable body decoded. */
function readEmail(raw: string): { headers: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw
    .slice(split + 4)
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { headers, body };
}

async function profile(
  tt: TestTailor,
  userId: string,
): Promise<{ id: string; consent: Record<string, boolean> }> {
  const res = await tt.app.inject({
    url: `/v1/profiles?identifier=userId:${userId}`,
    headers: { authorization: tt.adminAuth },
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function signUp(tt: TestTailor, userId: string): Promise<string> {
  const mail = smtp as SmtpReceiver;
  const before = mail.received.length;
  await tt.collect([
    { type: 'identify', userId, traits: { email: `${userId}@example.com`, first_name: userId } },
    { type: 'track', userId, event: 'Signed Up' },
  ]);
  await expect.poll(() => mail.received.length, { timeout: 10_000 }).toBe(before + 1);
  const email = readEmail(mail.received[before]?.raw ?? '');
  expect(email.headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
  const link =
    /^List-Unsubscribe: <(https:\/\/tailor\.example\.com\/v1\/unsubscribe\?t=[^>]+)>$/m.exec(
      email.headers,
    )?.[1];
  expect(link, email.headers).toBeDefined();
  // The same signed link is in the email itself, for people (the template did not show one).
  expect(email.body).toContain(`<a href="${link ?? ''}">Unsubscribe</a>`);
  return (link ?? '').slice(PUBLIC_URL.length);
}

describe('unsubscribing from journey emails', () => {
  it('records a one-click POST as the refusal of marketing, after which the journey sends no more', async () => {
    const tt = await start();
    const path = await signUp(tt, 'ada');
    const ada = await profile(tt, 'ada');
    expect(ada.consent['marketing']).not.toBe(false);
    // RFC 8058: the mail client posts the form without any key.
    const res = await tt.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ unsubscribed: true });
    await expect.poll(async () => (await profile(tt, 'ada')).consent['marketing']).toBe(false);
    const stored = await tt.tailor.profiles.byIdentifier({ type: 'userId', value: 'ada' });
    expect(stored?.consent.history.at(-1)).toMatchObject({
      purpose: 'marketing',
      granted: false,
    });
    // Consent refused after entry: the day's wait ends, the offer is not sent, the journey ends.
    clock += 86_400_000 + 1000;
    tt.tailor.background.wake();
    await expect
      .poll(async () => (await tt.tailor.journeys.store.stats('welcome'))['2']?.done, {
        timeout: 10_000,
      })
      .toBe(1);
    expect(
      smtp?.received.map((m) => readEmail(m.raw).headers.match(/^Subject: .*$/m)?.[0]),
    ).toEqual(['Subject: Welcome']);
  });

  it('records the refusal from the GET page too, naming no one on it', async () => {
    const tt = await start();
    const path = await signUp(tt, 'bob');
    const page = await tt.app.inject({ url: path });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('You are unsubscribed');
    expect(page.body).not.toContain('bob');
    await expect.poll(async () => (await profile(tt, 'bob')).consent['marketing']).toBe(false);
  });

  it("refuses a link Tailor did not sign, and never touches anyone's consent with it", async () => {
    const tt = await start();
    const path = await signUp(tt, 'cy');
    const carl = await profile(tt, 'cy');
    const [payload, signature] = path.slice('/v1/unsubscribe?t='.length).split('.') as [
      string,
      string,
    ];
    // Someone else's profile id with cy's signature, a signature altered, and garbage.
    const other = Buffer.from(JSON.stringify(['p_someone_else', 'welcome'])).toString('base64url');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const token of [`${other}.${signature}`, `${payload}.${flipped}`, 'nonsense.x', 'a.b.c']) {
      const res = await tt.app.inject({ method: 'POST', url: `/v1/unsubscribe?t=${token}` });
      expect(res.statusCode, token).toBe(400);
      expect(res.body).not.toContain(carl.id);
    }
    await tt.collect([]);
    expect((await profile(tt, 'cy')).consent['marketing']).not.toBe(false);
    const stored = await tt.tailor.profiles.byIdentifier({ type: 'userId', value: 'cy' });
    expect(stored?.consent.history.some((h) => h.purpose === 'marketing' && !h.granted)).toBe(
      false,
    );
  });
});
