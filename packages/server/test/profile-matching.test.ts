import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
beforeEach(async () => {
  t = await startTestTailor();
});
afterEach(async () => {
  await t.close();
});

const FIRST = [
  'anna',
  'bruno',
  'chloe',
  'david',
  'elena',
  'farid',
  'grace',
  'hugo',
  'ines',
  'jonas',
  'kira',
  'liam',
  'maya',
  'noah',
  'olga',
];
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ru',
  'te',
  'zo',
  'ba',
  'ne',
  'fi',
  'go',
  'shu',
  'va',
  'pe',
  'di',
  'yo',
  'mar',
  'tin',
  'ber',
];

/** A made-up family name per person: three syllables picked by a multiplicative hash. */
function familyName(k: number): string {
  let out = '';
  for (let i = 0, x = (k + 1) * 2654435761; i < 3; i++, x = Math.floor(x / SYLLABLES.length))
    out += SYLLABLES[x % SYLLABLES.length] ?? '';
  return out;
}
const CITY = ['lyon', 'paris', 'nantes', 'lille', 'nice', 'rennes', 'dijon', 'brest'];

function person(k: number) {
  return {
    firstName: FIRST[k % FIRST.length] ?? '',
    lastName: familyName(k),
    // Unique per person for k < 336: day from k % 28, month from k / 28.
    birthday: `${1950 + (k % 47)}-${String(1 + (Math.floor(k / 28) % 12)).padStart(2, '0')}-${String(1 + (k % 28)).padStart(2, '0')}`,
    city: CITY[(k * 5) % CITY.length] ?? '',
  };
}

/** A typo: two letters swapped in the middle. */
const typo = (s: string) =>
  s.length < 4 ? s : s.slice(0, 1) + (s[2] ?? '') + (s[1] ?? '') + s.slice(3);

async function collect(batch: Record<string, unknown>[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: t.writeAuth },
    payload: { batch },
  });
  expect(res.json().rejected).toEqual([]);
  await t.tailor.pipeline.catchUp();
}
function admin(method: 'GET' | 'POST', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}

/** 300 web visitors who gave an email; a CRM export of 80 of them, without emails, some with typos. */
async function loadWebAndCrm() {
  const web = Array.from({ length: 300 }, (_, k) => ({
    type: 'identify',
    anonymousId: `web-${k}`,
    traits: { ...person(k), email: `${familyName(k * 31 + 7)}.${k}@mail.test` },
  }));
  const crm = Array.from({ length: 80 }, (_, k) => {
    const p = person(k);
    return {
      type: 'identify',
      userId: `crm-${k}`,
      traits: { ...p, lastName: k % 4 === 0 ? typo(p.lastName) : p.lastName },
    };
  });
  await collect(web);
  await collect(crm);
}

describe('probabilistic matching of profiles', () => {
  it('joins CRM profiles without emails to the web profiles of the same people', async () => {
    await loadWebAndCrm();
    const summary = await admin('POST', '/v1/identity/match', {});
    expect(summary.statusCode).toBe(200);
    expect(summary.json()).toMatchObject({ profiles: 380 });
    expect(summary.json().matched).toBeGreaterThanOrEqual(76);
    await t.tailor.pipeline.catchUp();

    let joined = 0;
    for (let k = 0; k < 80; k++) {
      const profile = (await admin('GET', `/v1/profiles?identifier=userId:crm-${k}`)).json();
      if (profile.traits.email === `${familyName(k * 31 + 7)}.${k}@mail.test`) joined++;
      else expect(profile.traits.email).toBeUndefined(); // never someone else's
    }
    expect(joined).toBeGreaterThanOrEqual(76);
    const merged = (await admin('GET', '/v1/profiles?identifier=userId:crm-1')).json();
    const history = (await admin('GET', `/v1/profiles/${merged.id}/merges`)).json().merges;
    expect(history[0].reason).toMatch(/^match \d+\.\d+ \(p=/);
    // Matching again finds nothing new to do.
    expect((await admin('POST', '/v1/identity/match', {})).json().matched).toBeLessThanOrEqual(4);
  }, 60_000);

  it('queues unsure pairs for review; a reviewer merges one and keeps another apart for good', async () => {
    await loadWebAndCrm();
    const summary = (
      await admin('POST', '/v1/identity/match', { config: { upper: 1, lower: 0.5 } })
    ).json();
    expect(summary.matched).toBe(0);
    expect(summary.queued).toBeGreaterThanOrEqual(76);
    const { reviews } = (await admin('GET', '/v1/identity/reviews?limit=2')).json();
    expect(reviews).toHaveLength(2);
    expect(reviews[0]).toMatchObject({
      status: 'pending',
      comparison: { lastName: { level: expect.any(String) } },
    });
    const [first, second] = reviews;

    const yes = await admin('POST', `/v1/identity/reviews/${first.id}`, { decision: 'match' });
    expect(yes.json()).toMatchObject({ status: 'match', decidedBy: 'key:test-admin' });
    const no = await admin('POST', `/v1/identity/reviews/${second.id}`, { decision: 'distinct' });
    expect(no.json().status).toBe('distinct');
    expect(
      (await admin('POST', `/v1/identity/reviews/${second.id}`, { decision: 'match' })).statusCode,
    ).toBe(409);
    expect(
      (await admin('POST', '/v1/identity/reviews/999999', { decision: 'match' })).statusCode,
    ).toBe(404);
    await t.tailor.pipeline.catchUp();

    const a = (await admin('GET', `/v1/profiles/${first.leftId}`)).json();
    expect(a.id).toBe((await admin('GET', `/v1/profiles/${first.rightId}`)).json().id);
    const c = (await admin('GET', `/v1/profiles/${second.leftId}`)).json();
    expect(c.id).not.toBe((await admin('GET', `/v1/profiles/${second.rightId}`)).json().id);
    // Decided pairs are not queued again.
    const again = (
      await admin('POST', '/v1/identity/match', { config: { upper: 1, lower: 0.5 } })
    ).json();
    expect(again.queued).toBe(0);
  }, 60_000);

  it('refuses a config naming a trait no profile has', async () => {
    await loadWebAndCrm();
    const res = await admin('POST', '/v1/identity/match', {
      config: { fields: [{ name: 'shoeSize', comparator: 'exact' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/no column shoeSize/);
    const unknownKey = await admin('POST', '/v1/identity/match', { config: { treshold: 0.8 } });
    expect(unknownKey.statusCode).toBe(400);
    expect(unknownKey.json().message).toMatch(/unknown key treshold/);
  }, 60_000);
});
