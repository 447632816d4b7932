import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtp-receiver.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/**
 * What happens to a journey email goes into the log as the person's events: `Email Sent` when it is
 * handed to SMTP, `Email Opened` from the signed pixel, `Email Link Clicked` from a signed link that
 * redirects only to the URL that was in the email.
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

/** The quoted-printable body decoded. */
function bodyOf(raw: string): string {
  return raw
    .slice(raw.indexOf('\r\n\r\n') + 4)
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

interface Event {
  event?: string;
  properties?: Record<string, unknown>;
}

async function eventsOf(tt: TestTailor, userId: string): Promise<Event[]> {
  const res = await tt.app.inject({
    url: `/v1/events?userId=${userId}`,
    headers: { authorization: tt.adminAuth },
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ events: Event[] }>().events;
}

describe('email events', () => {
  it('records Email Sent, Email Opened and Email Link Clicked; a link redirects only where the email pointed', async () => {
    smtp = await startSmtpReceiver();
    const tt = await startTestTailor({
      logLevel: 'silent',
      smtpUrl: smtp.url,
      emailFrom: 'news@example.com',
      publicUrl: PUBLIC_URL,
    });
    t = tt;
    await tt.tailor.keys.create('test-marketer', 'marketer', new Date(), MARKETER_KEY);
    const put = await tt.app.inject({
      method: 'PUT',
      url: '/v1/journeys/welcome',
      headers: { authorization: `Bearer ${MARKETER_KEY}` },
      payload: {
        entry: { event: 'Signed Up' },
        steps: [
          {
            email: {
              subject: 'Welcome',
              html: '<p><a href="https://shop.example.com/offer?a=1&amp;b=2">Shop</a> <a href="mailto:help@example.com">Help</a></p>',
            },
          },
        ],
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    tt.tailor.background.start();
    await tt.collect([
      { type: 'identify', userId: 'ada', traits: { email: 'ada@example.com' } },
      { type: 'track', userId: 'ada', event: 'Signed Up' },
    ]);
    const mail = smtp;
    await expect.poll(() => mail.received.length, { timeout: 10_000 }).toBe(1);
    const body = bodyOf(mail.received[0]?.raw ?? '');
    // The shop link goes through Tailor; mailto: stays; the pixel is at the end.
    expect(body).not.toContain('href="https://shop.example.com');
    expect(body).toContain('href="mailto:help@example.com"');
    const click = /href="https:\/\/tailor\.example\.com(\/v1\/email\/click\?t=[^"]+)"/.exec(
      body,
    )?.[1];
    const open = /src="https:\/\/tailor\.example\.com(\/v1\/email\/open\?t=[^"]+)"/.exec(body)?.[1];
    expect(click, body).toBeDefined();
    expect(open, body).toBeDefined();

    const pixel = await tt.app.inject({ url: open ?? '' });
    expect(pixel.statusCode).toBe(200);
    expect(pixel.headers['content-type']).toBe('image/gif');
    const redirect = await tt.app.inject({ url: click ?? '' });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('https://shop.example.com/offer?a=1&b=2');

    // Never an open redirect: another URL under the same signature, or an altered signature, is a 400.
    const [payload, signature] = (click ?? '').slice('/v1/email/click?t='.length).split('.') as [
      string,
      string,
    ];
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as string[];
    const evil = Buffer.from(
      JSON.stringify([...fields.slice(0, 3), 'https://evil.example.net/']),
    ).toString('base64url');
    for (const token of [`${evil}.${signature}`, `${payload}.${signature.slice(0, -2)}xx`]) {
      const res = await tt.app.inject({ url: `/v1/email/click?t=${token}` });
      expect(res.statusCode, token).toBe(400);
      expect(res.headers.location).toBeUndefined();
    }
    expect((await tt.app.inject({ url: '/v1/email/open?t=a.b' })).statusCode).toBe(400);

    await tt.collect([]);
    await expect
      .poll(async () =>
        (await eventsOf(tt, 'ada'))
          .filter((e) => e.event?.startsWith('Email') === true)
          .map((e) => [e.event, e.properties])
          .sort(),
      )
      .toEqual(
        [
          [
            'Email Link Clicked',
            { journey: 'welcome', step: '0', url: 'https://shop.example.com/offer?a=1&b=2' },
          ],
          ['Email Opened', { journey: 'welcome', step: '0' }],
          ['Email Sent', { journey: 'welcome', step: '0' }],
        ].sort(),
      );
  });
});
