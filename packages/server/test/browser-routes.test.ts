import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestTailor, type TestTailor, WRITE_KEY } from './support/test-tailor.js';

let t: TestTailor;
beforeAll(async () => {
  t = await startTestTailor();
});
afterAll(async () => {
  await t.close();
});

const ORIGIN = 'https://elsewhere.example';
const preflight = (url: string, method: string) =>
  t.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin: ORIGIN,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('cross-origin requests and text/plain bodies', () => {
  it.each([
    ['PUT', '/v1/keys/intruder'],
    ['POST', '/v1/privacy/erase'],
    ['GET', '/v1/profiles?identifier=email:a@example.com'],
    ['PUT', '/v1/segments/vip'],
  ])('refuse a preflight for an admin route: %s %s', async (method, url) => {
    const res = await preflight(url, method);
    expect(res.statusCode).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it.each([
    ['POST', '/v1/track'],
    ['POST', '/v1/batch'],
    ['POST', '/v1/decide'],
    ['POST', '/v1/experiments/hero/assign'],
    ['GET', '/sdk/tailor.min.js'],
  ])('answer a preflight for a browser route: %s %s', async (method, url) => {
    const res = await preflight(url, method);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
  });

  it('refuse text/plain on admin routes (415, no CORS headers), and answer them without CORS headers', async () => {
    const erase = await t.app.inject({
      method: 'POST',
      url: '/v1/privacy/erase',
      headers: {
        origin: ORIGIN,
        authorization: `Bearer ${ADMIN_KEY}`,
        'content-type': 'text/plain',
      },
      payload: JSON.stringify({ identifier: 'userId:u1' }),
    });
    expect(erase.statusCode).toBe(415);
    expect(erase.json()).toMatchObject({
      code: 'unsupported_media_type',
      message: expect.stringMatching(
        /text\/plain is accepted on collection and decide routes only/,
      ),
    });
    expect(erase.headers['access-control-allow-origin']).toBeUndefined();
    const segment = await t.app.inject({
      method: 'PUT',
      url: '/v1/segments/vip',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'text/plain' },
      payload: JSON.stringify({ definition: 'traits.plan = "pro"' }),
    });
    expect(segment.statusCode).toBe(415);
    const list = await t.app.inject({
      method: 'GET',
      url: '/v1/segments',
      headers: { origin: ORIGIN, authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(list.statusCode).toBe(200);
    expect(list.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('still take text/plain with CORS headers on collection and decide', async () => {
    const track = await t.app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { origin: ORIGIN, 'content-type': 'text/plain' },
      payload: JSON.stringify({ writeKey: WRITE_KEY, userId: 'u1', event: 'Clicked' }),
    });
    expect(track.statusCode).toBe(200);
    expect(track.headers['access-control-allow-origin']).toBe('*');
    const decide = await t.app.inject({
      method: 'POST',
      url: '/v1/decide',
      headers: { origin: ORIGIN, 'content-type': 'text/plain' },
      payload: JSON.stringify({ writeKey: WRITE_KEY, userId: 'u1', placements: ['nowhere'] }),
    });
    expect(decide.statusCode).toBe(200);
    expect(decide.headers['access-control-allow-origin']).toBe('*');
  });
});
