import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Decision } from '../src/decide/decider.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/** What the public write key may see through decide and what previews show (docs/security.md). */
let t: TestTailor;
const clock = Date.UTC(2026, 10, 29, 12);
const MARKETER_KEY = 'test-marketer-key-0001';
afterEach(async () => {
  await t.close();
});

function admin(method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}
async function decide(
  body: Record<string, unknown>,
  authorization = t.writeAuth,
): Promise<Decision> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/decide',
    headers: { authorization },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
  const [decision] = res.json<{ decisions: Decision[] }>().decisions;
  if (decision === undefined) throw new Error('no decision');
  return decision;
}

const ANN = {
  email: 'ann.lee@example.com',
  name: 'Ann Lee',
  firstName: 'Ann',
  phone: '+33612345678',
  plan: 'pro',
  address: { city: 'Lyon' },
};

async function setUp(browserTraits?: string[]) {
  t = await startTestTailor({}, () => clock);
  await t.tailor.keys.create('m', 'marketer', new Date(), MARKETER_KEY);
  const put = await admin('PUT', '/v1/placements/hero', {
    items: [
      {
        id: 'pro',
        when: 'traits.plan = "pro" and traits.email contains "@example.com"',
        priority: 2,
        template: '{{ traits | json }}|{{ profile.traits.email }}',
      },
      { id: 'vip', when: 'traits.plan = "vip"', priority: 1, template: 'VIP' },
    ],
    default: { id: 'welcome', template: 'Welcome {{ traits.firstName | default: "there" }}' },
    ...(browserTraits && { browserTraits }),
  });
  expect(put.statusCode, put.body).toBe(200);
  await t.collect([
    { type: 'identify', userId: 'ann', traits: ANN, timestamp: new Date(clock).toISOString() },
  ]);
}

/** The traits `{{ traits | json }}` wrote (HTML-escaped) before the `|`. */
const traitsShown = (d: Decision) =>
  JSON.parse(unescape((d.content ?? '').split('|')[0] ?? '{}')) as Record<string, unknown>;
const unescape = (html: string) =>
  html
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

describe('what a write key can see', () => {
  it('shows templates no personal trait with the write key; rules still read them; the admin key sees all', async () => {
    await setUp();
    const shown = await decide({ userId: 'ann', placements: ['hero'] });
    expect(shown.itemId).toBe('pro'); // the rule read the email
    expect(shown.content).not.toContain('ann.lee');
    expect(shown.content).not.toContain('Ann');
    expect(shown.content).not.toContain('+336');
    expect(shown.content).not.toContain('Lyon');
    expect(traitsShown(shown)).toEqual({ plan: 'pro', address: {} });

    const full = await decide({ userId: 'ann', placements: ['hero'] }, t.adminAuth);
    expect(traitsShown(full)).toMatchObject({
      email: 'ann.lee@example.com',
      name: 'Ann Lee',
      plan: 'pro',
    });
    expect(full.content).toContain('|ann.lee@example.com');
    // The masked render was kept first: the full one is its own output, and the write key's stays masked.
    expect((await decide({ userId: 'ann', placements: ['hero'] })).content).toBe(shown.content);
  });

  it('shows the traits the placement lists in browserTraits, and those only', async () => {
    await setUp(['email']);
    const shown = await decide({ userId: 'ann', placements: ['hero'] });
    expect(traitsShown(shown)).toEqual({ email: 'ann.lee@example.com', plan: 'pro', address: {} });
    expect(shown.content).toContain('|ann.lee@example.com');
    expect(shown.content).not.toContain('Ann Lee');
    expect((await admin('GET', '/v1/placements/hero')).json()).toMatchObject({
      browserTraits: ['email'],
    });
    const bad = await admin('PUT', '/v1/placements/bad', {
      items: [],
      default: { id: 'd', template: 'x' },
      browserTraits: ['email', 'email'],
    });
    expect(bad.statusCode).toBe(400);
  });

  it('shows every trait with a valid userHash, and none with a wrong one', async () => {
    await setUp();
    const secret = (await admin('GET', '/v1/identity-verification/secret')).json<{
      secret: string;
    }>().secret;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const userHash = createHmac('sha256', secret).update('ann').digest('hex');

    const proven = await decide({ userId: 'ann', placements: ['hero'], userHash });
    expect(traitsShown(proven)).toMatchObject({
      email: 'ann.lee@example.com',
      name: 'Ann Lee',
      phone: '+33612345678',
    });
    // Another person's hash, a malformed one, an uppercase copy of a wrong one: absent, not an error.
    for (const wrong of [
      createHmac('sha256', secret).update('bob').digest('hex'),
      'not-hex',
      userHash.slice(0, 62),
      '0'.repeat(64),
    ]) {
      const masked = await decide({ userId: 'ann', placements: ['hero'], userHash: wrong });
      expect(masked.content, wrong).not.toContain('ann.lee');
      expect(traitsShown(masked)).toEqual({ plan: 'pro', address: {} });
    }
    // Only the write key reads the secret? No: only admins.
    const byWriteKey = await t.app.inject({
      method: 'GET',
      url: '/v1/identity-verification/secret',
      headers: { authorization: t.writeAuth },
    });
    expect(byWriteKey.statusCode).toBe(403);
  });

  it('names items and rules by id only to the write key, with full reasons to an admin key', async () => {
    await setUp();
    await t.collect([
      {
        type: 'identify',
        userId: 'bob',
        traits: { plan: 'vip', email: 'bob@elsewhere.org' },
        timestamp: new Date(clock).toISOString(),
      },
    ]);
    const bob = await decide({ userId: 'bob', placements: ['hero'] });
    expect(bob.itemId).toBe('vip');
    expect(bob.reasons).toEqual(['vip: chosen', 'pro: rule did not hold']);
    const nobody = await decide({ userId: 'nobody', placements: ['hero'] });
    expect(nobody.reasons).toEqual(['welcome: default']);
    const full = await decide({ userId: 'bob', placements: ['hero'] }, t.adminAuth);
    expect(full.reasons).toEqual([
      'vip: chosen (traits.plan = "vip")',
      'pro: rule did not hold (traits.plan = "pro" and traits.email contains "@example.com")',
    ]);
    for (const reason of bob.reasons) expect(reason).not.toMatch(/traits|@|"/);
  });

  it('renders previews from the reader’s masked view for a marketer, in full for an admin', async () => {
    await setUp();
    const profileId = (await admin('GET', '/v1/profiles?identifier=userId:ann')).json<{
      id: string;
    }>().id;
    const preview = (authorization: string, itemId?: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/placements/hero/preview',
        headers: { authorization },
        payload: { profileId, ...(itemId && { itemId }) },
      });
    const marketer = await preview(`Bearer ${MARKETER_KEY}`);
    expect(marketer.statusCode).toBe(200);
    expect(marketer.json<Decision>().itemId).toBe('pro');
    expect(marketer.json<Decision>().content).not.toContain('ann.lee');
    expect(traitsShown(marketer.json<Decision>())).toMatchObject({
      email: '[masked]',
      name: '[masked]',
      plan: 'pro',
    });
    expect((await preview(`Bearer ${MARKETER_KEY}`, 'welcome')).json<Decision>().content).toBe(
      'Welcome [masked]',
    );
    expect((await preview(t.adminAuth, 'welcome')).json<Decision>().content).toBe('Welcome Ann');
  });

  it('keeps computed traits that carry personal values from the write key and masks them for readers', async () => {
    await setUp();
    for (const [name, definition] of [
      ['lastEmail', 'last("Order Completed".email, 30d)'],
      ['lastNote', 'last("Order Completed".note, 30d)'],
      ['orders', 'count("Order Completed", 30d)'],
      ['lastCity', 'last("Order Completed".shipping.city, 30d)'],
    ] as const) {
      const put = await admin('PUT', `/v1/computed-traits/${name}`, { definition });
      expect(put.statusCode, put.body).toBe(200);
    }
    // The order's note is personal by its plan; the email by its name; the city is not.
    const plan = await admin('PUT', '/v1/tracking-plans/events/Order%20Completed', {
      mode: 'allow',
      schema: { type: 'object', properties: { note: { type: 'string', pii: true } } },
    });
    expect(plan.statusCode, plan.body).toBe(200);
    const put = await admin('PUT', '/v1/placements/card', {
      items: [
        {
          id: 'c',
          priority: 0,
          template: '{{ computed | json }}|{{ profile.computed.lastEmail }}',
        },
      ],
      default: { id: 'd', template: 'D' },
    });
    expect(put.statusCode, put.body).toBe(200);
    await t.collect([
      {
        type: 'track',
        userId: 'ann',
        event: 'Order Completed',
        properties: { email: ANN.email, note: 'leave at door 4B', shipping: { city: 'Lyon' } },
        timestamp: new Date(clock).toISOString(),
      },
    ]);
    const shownTo = async (authorization: string) => {
      const d = await decide({ userId: 'ann', placements: ['card'] }, authorization);
      const [json = '{}', direct] = unescape(d.content ?? '').split('|');
      return { computed: JSON.parse(json) as Record<string, unknown>, direct };
    };
    const publicView = await shownTo(t.writeAuth);
    expect(publicView.computed).toEqual({ orders: 1, lastCity: 'Lyon' });
    expect(publicView.direct).toBe('');
    const adminView = await shownTo(t.adminAuth);
    expect(adminView.computed).toMatchObject({
      lastEmail: ANN.email,
      lastNote: 'leave at door 4B',
      orders: 1,
    });
    expect(adminView.direct).toBe(ANN.email);
    // Readers see them masked in the profile, as personal traits.
    const profile = await t.app.inject({
      method: 'GET',
      url: '/v1/profiles?identifier=userId:ann',
      headers: { authorization: `Bearer ${MARKETER_KEY}` },
    });
    expect(profile.json<{ computed: Record<string, unknown> }>().computed).toEqual({
      lastEmail: '[masked]',
      lastNote: '[masked]',
      orders: 1,
      lastCity: 'Lyon',
    });
  });
});
