import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtp-receiver.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Tailor's own touchpoints in attribution, end to end: a journey emails everyone who signs up
 * (real SMTP receiver), and the email's tracked link is clicked through the click route.
 *   e1: arrives from Google, signs up, clicks the email's link, orders.
 *   e2: arrives from Google, signs up, clicks the email's link, does not order.
 *   e3: arrives from Google, signs up, clicks a decision (`Decision Clicked`), orders.
 *   e4: arrives from Google, signs up; a client sends its own `Email Link Clicked` (not Tailor's
 *       record: no touchpoint), orders.
 * Pages alone (the contract's default): every order's last touch is Organic Search.
 */
const PUBLIC_URL = 'https://tailor.example.com';
const PEOPLE = ['e1', 'e2', 'e3', 'e4'];
let t: TestTailor;
let smtp: SmtpReceiver;

/** The quoted-printable body decoded. */
function bodyOf(raw: string): string {
  return raw
    .slice(raw.indexOf('\r\n\r\n') + 4)
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  t = await startTestTailor({
    smtpUrl: smtp.url,
    emailFrom: 'news@example.com',
    publicUrl: PUBLIC_URL,
  });
  const put = await t.admin('PUT', '/v1/journeys/welcome', {
    entry: { event: 'Signed Up' },
    steps: [
      { email: { subject: 'Welcome', html: '<a href="https://shop.example.com/">Shop</a>' } },
    ],
  });
  expect(put.statusCode, put.body).toBe(200);
  t.tailor.background.start();
  for (const userId of PEOPLE)
    await t.collect([
      { type: 'identify', userId, traits: { email: `${userId}@example.com` } },
      {
        type: 'page',
        userId,
        context: {
          page: { url: 'https://shop.example.com/', referrer: 'https://www.google.com/' },
        },
      },
      { type: 'track', userId, event: 'Signed Up' },
    ]);
  for (let waited = 0; smtp.received.length < PEOPLE.length && waited < 15_000; waited += 50)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(smtp.received).toHaveLength(PEOPLE.length);
  const links = new Map<string, string>();
  for (const mail of smtp.received) {
    const to = mail.to.split('@')[0] ?? '';
    const click = /href="https:\/\/tailor\.example\.com(\/v1\/email\/click\?t=[^"]+)"/.exec(
      bodyOf(mail.raw),
    )?.[1];
    expect(click).toBeDefined();
    links.set(to, click ?? '');
  }
  for (const userId of ['e1', 'e2']) {
    const res = await t.app.inject({ url: links.get(userId) ?? '' });
    expect(res.statusCode).toBe(302);
  }
  await t.collect([
    {
      type: 'track',
      userId: 'e3',
      event: 'Decision Clicked',
      properties: { placement: 'hero', itemId: 'sale' },
    },
    {
      type: 'track',
      userId: 'e4',
      event: 'Email Link Clicked',
      properties: { journey: 'forged', step: '0' },
    },
  ]);
  await new Promise((resolve) => setTimeout(resolve, 5));
  await t.collect(
    ['e1', 'e3', 'e4'].map((userId) => ({ type: 'track', userId, event: 'Order Completed' })),
  );
  await t.tailor.pipeline.catchUp();
}, 60_000);
afterAll(async () => {
  await t.close();
  await smtp.close();
});

async function lastTouch(by: string, extra: object = {}): Promise<Record<string, number>> {
  const res = await t.admin('POST', '/v1/reports/attribution', {
    conversion: 'Order Completed',
    by,
    models: ['last_touch'],
    ...extra,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ models: { last_touch: { shares: Record<string, number> } } }>().models
    .last_touch.shares;
}

describe("attribution: Tailor's own touchpoints", () => {
  it('counts page events alone unless asked', async () => {
    expect(await lastTouch('channel')).toEqual({ 'Organic Search': 1 });
  });

  it('counts journey email clicks (Tailor’s records only) and decision clicks when asked', async () => {
    const third = 1 / 3;
    expect(await lastTouch('channel', { ownTouchpoints: ['email_clicks'] })).toEqual({
      Email: third,
      'Organic Search': 2 * third,
    });
    expect(
      await lastTouch('channel', { ownTouchpoints: ['email_clicks', 'decision_clicks'] }),
    ).toEqual({ Email: third, Personalization: third, 'Organic Search': third });
    // By campaign: the journey and the placement; the pages have no campaign.
    expect(
      await lastTouch('campaign', { ownTouchpoints: ['email_clicks', 'decision_clicks'] }),
    ).toEqual({ welcome: 0.5, hero: 0.5 });
    expect(await lastTouch('source', { ownTouchpoints: ['decision_clicks'] })).toEqual({
      tailor: 1,
    });
  });

  it('applies the stored channel rules to them first', async () => {
    const put = await t.admin('PUT', '/v1/channel-rules', {
      rules: [{ channel: 'Lifecycle', mediums: ['email'] }],
    });
    expect(put.statusCode).toBe(200);
    expect(await lastTouch('channel', { ownTouchpoints: ['email_clicks'] })).toEqual({
      Lifecycle: 1 / 3,
      'Organic Search': 2 / 3,
    });
    await t.admin('PUT', '/v1/channel-rules', { rules: [] });
  });

  it('breaks a funnel down by the last touch, email clicks included', async () => {
    const res = await t.admin('POST', '/v1/reports/funnel', {
      steps: [{ event: 'Signed Up' }, { event: 'Order Completed' }],
      breakdown: { touch: 'last', by: 'channel', ownTouchpoints: ['email_clicks'] },
    });
    expect(res.statusCode).toBe(200);
    // The sign-ups come before the clicks: their last touch is the Google visit.
    const groups = res.json<{ breakdown: { value: string; steps: { count: number }[] }[] }>()
      .breakdown;
    expect(groups.map((g) => [g.value, g.steps.map((s) => s.count)])).toEqual([
      ['Organic Search', [4, 3]],
    ]);
  });

  it('refuses an unknown kind of own touchpoint (400)', async () => {
    const res = await t.admin('POST', '/v1/reports/attribution', {
      conversion: 'Order Completed',
      by: 'channel',
      models: ['last_touch'],
      ownTouchpoints: ['sms_clicks'],
    });
    expect(res.statusCode).toBe(400);
  });
});
