import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { openTailor } from '../src/open-tailor.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
afterEach(async () => {
  await t.close();
});

function admin(method: 'GET' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}
async function makeKey(name: string, body: object): Promise<string> {
  const res = await admin('PUT', `/v1/keys/${name}`, body);
  expect(res.statusCode).toBe(200);
  return res.json<{ key: string }>().key;
}
/** `count` reads of the segment list with KEY; the statuses answered. */
async function burst(key: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/segments',
      headers: { authorization: `Bearer ${key}` },
    });
    statuses.push(res.statusCode);
  }
  return statuses;
}

describe('per-key rate limits', () => {
  it('answers 429 with Retry-After and {code, message} over the limit, and leaves other keys alone', async () => {
    t = await startTestTailor();
    const limited = await makeKey('dashboard', {
      role: 'viewer',
      rateLimit: { max: 3, windowSeconds: 60 },
    });
    const other = await makeKey('reports', { role: 'viewer' });
    expect(await burst(limited, 4)).toEqual([200, 200, 200, 429]);
    const refused = await t.app.inject({
      method: 'GET',
      url: '/v1/segments',
      headers: { authorization: `Bearer ${limited}` },
    });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.json()).toMatchObject({
      code: 'rate_limited',
      message: expect.stringContaining('dashboard'),
    });
    expect(await burst(other, 10)).toEqual(Array(10).fill(200));
    // The write key (no limit by default) still collects.
    const track = await t.app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: t.writeAuth },
      payload: { userId: 'u1', event: 'E' },
    });
    expect(track.statusCode).toBe(200);
  });

  it('changes the limit with PUT (a new key) and PATCH (the same key), and lists the limit in force', async () => {
    t = await startTestTailor();
    let key = await makeKey('app', { role: 'viewer', rateLimit: { max: 2, windowSeconds: 60 } });
    expect(await burst(key, 3)).toEqual([200, 200, 429]);
    key = await makeKey('app', { role: 'viewer', rateLimit: { max: 10, windowSeconds: 60 } });
    expect(await burst(key, 3)).toEqual([200, 200, 200]); // 6 counted of 10: the count goes on under the name
    const patched = await admin('PATCH', '/v1/keys/app', {
      rateLimit: { max: 5, windowSeconds: 60 },
    });
    expect(patched.json()).toEqual({
      name: 'app',
      role: 'viewer',
      rateLimit: { max: 5, windowSeconds: 60 },
    });
    expect(await burst(key, 1)).toEqual([429]);
    expect((await admin('PATCH', '/v1/keys/app', { rateLimit: null })).json().rateLimit).toBeNull();
    expect(await burst(key, 5)).toEqual(Array(5).fill(200));
    const listed = (await admin('GET', '/v1/keys'))
      .json()
      .keys.find((k: { name: string }) => k.name === 'app');
    expect(listed).toMatchObject({ role: 'viewer', rateLimit: null });
    expect((await admin('PATCH', '/v1/keys/nobody', {})).statusCode).toBe(404);
  });

  it("applies a role's default from the config unless the key has its own", async () => {
    t = await startTestTailor({ keys: { rateLimits: { viewer: { max: 2, windowSeconds: 60 } } } });
    const byDefault = await makeKey('v1', { role: 'viewer' });
    const unlimited = await makeKey('v2', { role: 'viewer', rateLimit: null });
    expect(await burst(byDefault, 3)).toEqual([200, 200, 429]);
    expect(await burst(unlimited, 5)).toEqual(Array(5).fill(200));
    expect(await burst(t.adminAuth.slice('Bearer '.length), 5)).toEqual(Array(5).fill(200));
  });

  it('refuses a revoked key with 401 from the next request on', async () => {
    t = await startTestTailor();
    const key = await makeKey('temp', { role: 'viewer' });
    expect(await burst(key, 1)).toEqual([200]);
    expect((await admin('DELETE', '/v1/keys/temp')).statusCode).toBe(204);
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/segments',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'unauthorized' });
    expect((await admin('DELETE', '/v1/keys/temp')).statusCode).toBe(404);
  });
});

describe('keys of a data folder made before rate limits', () => {
  it('adds the column and keeps the keys working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-keys-'));
    try {
      const old = new Database(join(dir, 'state.sqlite'));
      old.exec(`CREATE TABLE api_keys (name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT);
        INSERT INTO api_keys VALUES ('old', 'viewer', 'abc', '2025-01-01T00:00:00.000Z', NULL);`);
      old.close();
      const tailor = await openTailor(
        loadConfig({ flags: { dataDir: dir, logLevel: 'silent' }, env: {}, cwd: dir }),
      );
      expect(await tailor.keys.list()).toEqual([
        {
          name: 'old',
          role: 'viewer',
          createdAt: '2025-01-01T00:00:00.000Z',
          revokedAt: null,
          rateLimit: null,
        },
      ]);
      expect(await tailor.keys.setRateLimit('old', { max: 7 })).toEqual({
        role: 'viewer',
        rateLimit: { max: 7 },
      });
      await tailor.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
