import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestTailor, type TestTailor, WRITE_KEY } from './support/test-tailor.js';

let t: TestTailor;
let clock = Date.UTC(2026, 0, 5, 12, 0, 0);
afterEach(async () => {
  await t.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const basic = (key: string) => ({
  authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
});

async function get(headers: Record<string, string>, remoteAddress = '203.0.113.7') {
  return t.app.inject({ method: 'GET', url: '/v1/segments', headers, remoteAddress });
}

async function track(headers: Record<string, string>, remoteAddress = '203.0.113.7') {
  return t.app.inject({
    method: 'POST',
    url: '/v1/track',
    headers,
    remoteAddress,
    payload: { userId: 'u1', event: 'Clicked' },
  });
}

interface Entry {
  key: string;
  role: string | null;
  action: string;
  target: string;
  status: number;
  ip: string;
  route: string;
}

async function auditEntries(): Promise<Entry[]> {
  const res = await t.app.inject({
    method: 'GET',
    url: '/v1/audit?limit=1000',
    headers: bearer(ADMIN_KEY),
    remoteAddress: '198.51.100.1',
  });
  return res.json<{ entries: Entry[] }>().entries;
}

describe('failed authentications', () => {
  it('are throttled per address: past 20 a minute, 429 with Retry-After without the key being checked', async () => {
    t = await startTestTailor({}, () => clock);
    for (let i = 0; i < 20; i++)
      expect((await get(bearer(`guess-${i}-aaaaaaaaaaaa`))).statusCode).toBe(401);
    const refused = await get(bearer(ADMIN_KEY));
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/unknown keys from this address/),
    });
    // Another address is not concerned; requests without a key are not counted as failures.
    expect((await get(bearer(ADMIN_KEY), '203.0.113.8')).statusCode).toBe(200);
    for (let i = 0; i < 30; i++) expect((await get({}, '203.0.113.9')).statusCode).toBe(401);
    expect((await get(bearer(ADMIN_KEY), '203.0.113.9')).statusCode).toBe(200);
    // The next window starts over.
    clock += 61_000;
    expect((await get(bearer(ADMIN_KEY))).statusCode).toBe(200);
  });

  it('are recorded in the audit log with a short hash of the key presented, never the key', async () => {
    t = await startTestTailor(
      { keys: { failedAuthPerIp: { max: 3, windowSeconds: 60 } } },
      () => clock,
    );
    const guess = 'tw_not-a-real-key-at-all-0001';
    expect((await track(basic(guess))).statusCode).toBe(401);
    expect((await get(bearer('revoked-or-unknown-0002'))).statusCode).toBe(401);
    expect((await get(bearer('another-guess-0003'))).statusCode).toBe(401);
    expect((await get(bearer('throttled-now-0004'))).statusCode).toBe(429);
    const entries = await auditEntries();
    const failed = entries.filter((e) => e.action === 'auth.failed');
    expect(failed).toHaveLength(3);
    expect(failed.at(-1)).toMatchObject({
      key: 'unknown',
      role: null,
      target: `key-sha256:${createHash('sha256').update(guess).digest('hex').slice(0, 8)}`,
      route: '/v1/track',
      status: 401,
      ip: '203.0.113.7',
    });
    expect(entries.filter((e) => e.action === 'auth.throttled')).toMatchObject([
      { target: 'address:203.0.113.7', status: 429 },
    ]);
    expect(JSON.stringify(entries)).not.toMatch(
      /not-a-real-key|revoked-or-unknown|another-guess|throttled-now/,
    );
  });
});

describe('write keys', () => {
  it('are limited per key and client address by default; other addresses and other roles are not', async () => {
    t = await startTestTailor(
      { keys: { writeRateLimitPerIp: { max: 3, windowSeconds: 10 } } },
      () => clock,
    );
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await track(basic(WRITE_KEY))).statusCode);
    expect(answers).toEqual([200, 200, 200, 429]);
    const refused = await track(basic(WRITE_KEY));
    expect(refused.json()).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/from one address/),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await track(basic(WRITE_KEY), '203.0.113.99')).statusCode).toBe(200);
    expect((await track(bearer(ADMIN_KEY))).statusCode).toBe(200);
    clock += 10_000;
    expect((await track(basic(WRITE_KEY))).statusCode).toBe(200);
  });

  it('have a per-address limit unless the configuration turns it off', async () => {
    t = await startTestTailor({ keys: {} }, () => clock);
    expect(t.tailor.config.keys.writeRateLimitPerIp).toEqual({ max: 1000, windowSeconds: 10 });
  });
});
