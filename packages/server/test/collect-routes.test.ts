import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '@tailor/core';
import { startTestTailor, WRITE_KEY, type TestTailor } from './support/test-tailor.js';

const RECEIVED_AT = Date.parse('2026-03-01T12:00:00.000Z');
let t: TestTailor;

beforeEach(async () => {
  t = await startTestTailor({}, () => RECEIVED_AT);
});
afterEach(async () => {
  await t.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  t.post(path, body, headers);

const eventsOf = (userId: string): Promise<StoredMessage[]> => t.eventsOf(userId);

describe('collection routes', () => {
  const bodies: [string, Record<string, unknown>][] = [
    ['track', { userId: 'u1', event: 'Order Completed', properties: { revenue: 12.5 } }],
    ['identify', { userId: 'u1', traits: { email: 'Ann@Example.COM' } }],
    ['page', { userId: 'u1', name: 'Home', properties: { url: 'https://shop.example/' } }],
    ['screen', { userId: 'u1', name: 'Cart' }],
    ['group', { userId: 'u1', groupId: 'acme', traits: { name: 'Acme' } }],
    ['alias', { userId: 'u1', previousId: 'anon-1' }],
  ];

  it.each(bodies)(
    'POST /v1/%s stores the message with its type and answers 200',
    async (type, body) => {
      const res = await post(`/v1/${type}`, { ...body, messageId: `m-${type}` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ success: true, stored: 1, duplicates: 0, rejected: [] });
      const stored = (await eventsOf('u1')).find((e) => e.messageId === `m-${type}`);
      expect(stored).toMatchObject({ type, userId: 'u1', receivedAt: '2026-03-01T12:00:00.000Z' });
    },
  );

  it('normalizes, keeps originals and corrects the timestamp for client clock skew', async () => {
    // The client's clock is 5 minutes behind: it sent at 11:55 (its time) what happened at 11:50.
    await post('/v1/identify', {
      userId: 'u2',
      traits: {
        email: '  Ann@Example.COM ',
        phone: '(202) 555-0147',
        address: { country: 'Germany' },
      },
      timestamp: '2026-03-01T11:50:00Z',
      sentAt: '2026-03-01T11:55:00Z',
    });
    const [m] = await eventsOf('u2');
    expect(m).toMatchObject({
      traits: { email: 'ann@example.com', phone: '+12025550147', address: { country: 'DE' } },
      timestamp: '2026-03-01T11:55:00.000Z',
      originalTimestamp: '2026-03-01T11:50:00Z', // as the client sent it
      sentAt: '2026-03-01T11:55:00.000Z',
    });
    expect(m?.tailor.originals).toMatchObject({
      'traits.email': '  Ann@Example.COM ',
      'traits.phone': '(202) 555-0147',
      'traits.address.country': 'Germany',
    });
    expect(typeof m?.messageId).toBe('string');
  });

  it.each([
    ['track without event', '/v1/track', { userId: 'u' }, /event/],
    ['no userId nor anonymousId', '/v1/track', { event: 'E' }, /userId or an anonymousId/],
    ['group without groupId', '/v1/group', { userId: 'u' }, /groupId/],
    ['alias without previousId', '/v1/alias', { userId: 'u' }, /previousId/],
    [
      'properties not an object',
      '/v1/track',
      { userId: 'u', event: 'E', properties: [1] },
      /properties/,
    ],
    [
      'bad timestamp',
      '/v1/track',
      { userId: 'u', event: 'E', timestamp: 'yesterday' },
      /timestamp/,
    ],
  ])('400 with a reason for %s', async (_name, path, body, reason) => {
    const res = await post(path, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(reason);
  });

  it('400 for a body that is not JSON, and never a 5xx for prototype keys', async () => {
    expect((await post('/v1/track', '{"userId": "u", ')).statusCode).toBe(400);
    const poisoned = await post(
      '/v1/track',
      '{"userId": "u", "event": "E", "__proto__": {"admin": true}}',
    );
    expect(poisoned.statusCode).toBe(400);
  });

  it('is idempotent by messageId: a retry is acknowledged and not stored again', async () => {
    const body = { userId: 'u3', event: 'Clicked', messageId: 'same-id' };
    expect((await post('/v1/track', body)).json()).toMatchObject({ stored: 1, duplicates: 0 });
    expect((await post('/v1/track', body)).json()).toMatchObject({ stored: 0, duplicates: 1 });
    const batch = await post('/v1/batch', {
      batch: [
        { ...body, type: 'track' },
        { ...body, type: 'track', messageId: 'other' },
      ],
    });
    expect(batch.json()).toMatchObject({ stored: 1, duplicates: 1 });
    expect(await eventsOf('u3')).toHaveLength(2);
  });
});

describe('POST /v1/batch', () => {
  it('stores the valid messages and lists the invalid ones by index and reason', async () => {
    const res = await post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'b1', event: 'A' },
        { type: 'track', userId: 'b1' },
        'not a message',
        { type: 'bogus', userId: 'b1' },
        { type: 'identify', userId: 'b1', traits: { plan: 'pro' } },
      ],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.stored).toBe(2);
    expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3]);
    for (const r of body.rejected) expect(r.reason).toEqual(expect.any(String));
    expect((await eventsOf('b1')).map((e) => e.type)).toEqual(['track', 'identify']);
  });

  it('applies batch-level context and sentAt to messages that lack their own', async () => {
    await post('/v1/batch', {
      context: { library: { name: 'analytics-node' } },
      sentAt: '2026-03-01T11:59:00Z',
      batch: [
        {
          type: 'track',
          userId: 'b2',
          event: 'A',
          timestamp: '2026-03-01T11:58:00Z',
          context: { ip: '10.0.0.1' },
        },
      ],
    });
    const [m] = await eventsOf('b2');
    expect(m?.context).toEqual({ library: { name: 'analytics-node' }, ip: '10.0.0.1' });
    expect(m?.timestamp).toBe('2026-03-01T11:59:00.000Z');
  });

  it('rejects a message over 32 KB inside a batch and keeps the rest', async () => {
    const big = {
      type: 'track',
      userId: 'b3',
      event: 'Big',
      properties: { blob: 'x'.repeat(33_000) },
    };
    const res = await post('/v1/batch', {
      batch: [big, { type: 'track', userId: 'b3', event: 'Small' }],
    });
    expect(res.json()).toMatchObject({
      stored: 1,
      rejected: [{ index: 0, reason: expect.stringMatching(/limit/) }],
    });
  });

  it('measures a message in UTF-8 bytes as sent: many bytes in few characters are over, a body within 32 KB is not', async () => {
    // 17,000 characters of two bytes each: 34 KB.
    const wide = {
      type: 'track',
      userId: 'b4',
      event: 'Wide',
      properties: { s: 'é'.repeat(17_000) },
    };
    const filler = {
      type: 'track',
      userId: 'b4',
      event: 'Filler',
      properties: { s: 'x'.repeat(20_000) },
    };
    const res = await post('/v1/batch', { batch: [wide, filler] });
    expect(res.json()).toMatchObject({
      stored: 1,
      rejected: [
        { index: 0, reason: expect.stringMatching(/is 3\d{4} bytes, over the 32768-byte limit/) },
      ],
    });
    // A 24 KB body whose numbers are written short: it is within the limit as sent, and is not
    // serialized again to be measured (1e20 would print as 21 digits: 130 KB).
    const numbers = `{"batch":[{"type":"track","userId":"b4","event":"Numbers","properties":{"n":[${Array(6_000).fill('1e20').join(',')}]}}]}`;
    expect(Buffer.byteLength(numbers)).toBeLessThan(32_768);
    expect((await post('/v1/batch', numbers)).json()).toMatchObject({ stored: 1, rejected: [] });
    // In a larger batch each message is measured as sent too, read from the body's text: the
    // short numbers pass, a message padded with spaces over 32 KB does not.
    const padded = `{"type":"track","userId":"b4","event":"Padded"${' '.repeat(33_000)}}`;
    const mixed = `{"batch":[${numbers.slice(10, -2)},${padded},${JSON.stringify(filler)}]}`;
    expect((await post('/v1/batch', mixed)).json()).toMatchObject({
      stored: 2,
      rejected: [{ index: 1, reason: expect.stringMatching(/is 33\d{3} bytes/) }],
    });
  });

  it('413 for a single message over 32 KB and a batch over 500 KB', async () => {
    const single = await post('/v1/track', {
      userId: 'u',
      event: 'Big',
      properties: { blob: 'x'.repeat(33_000) },
    });
    expect(single.statusCode).toBe(413);
    expect(single.json().code).toBe('payload_too_large');
    const messages = Array.from({ length: 20 }, () => ({
      type: 'track',
      userId: 'u',
      event: 'E',
      properties: { blob: 'x'.repeat(30_000) },
    }));
    const batch = await post('/v1/batch', { batch: messages });
    expect(batch.statusCode).toBe(413);
  });

  it('400 when batch is missing or not an array', async () => {
    expect((await post('/v1/batch', { messages: [] })).statusCode).toBe(400);
    expect((await post('/v1/batch', { batch: {} })).statusCode).toBe(400);
  });

  it('an empty batch stores nothing and answers 200, as Segment does (a client flushing an empty queue)', async () => {
    const before = (await t.tailor.log.stats()).events;
    const res = await post('/v1/batch', { batch: [] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ success: true, stored: 0, duplicates: 0, rejected: [] });
    expect((await t.tailor.log.stats()).events).toBe(before);
  });

  it('accepts gzip bodies, as Segment clients may send them', async () => {
    const payload = gzipSync(
      JSON.stringify({ batch: [{ type: 'track', userId: 'gz', event: 'Zipped' }] }),
    );
    const res = await post('/v1/batch', payload, { 'content-encoding': 'gzip' });
    expect(res.json()).toMatchObject({ stored: 1 });
    expect((await post('/v1/batch', payload, { 'content-encoding': 'br' })).statusCode).toBe(415);
  });
});

describe('collection keys', () => {
  const track = { userId: 'k1', event: 'E' };

  it('401 without a key or with an unknown one', async () => {
    const none = await t.app.inject({ method: 'POST', url: '/v1/track', payload: track });
    expect(none.statusCode).toBe(401);
    const wrong = await post('/v1/track', track, {
      authorization: `Basic ${Buffer.from('nope:').toString('base64')}`,
    });
    expect(wrong.statusCode).toBe(401);
  });

  it('takes the write key as writeKey in a text/plain body (sendBeacon) and never stores it', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      payload: JSON.stringify({ ...track, writeKey: WRITE_KEY }),
    });
    expect(res.statusCode).toBe(200);
    const [m] = await eventsOf('k1');
    expect(m).not.toHaveProperty('writeKey');
    expect(m?.tailor.source).toBe('key:test-write');
  });

  it('a write key cannot read events; an admin key can also collect', async () => {
    const read = await t.app.inject({
      url: '/v1/events?userId=k1',
      headers: { authorization: `Bearer ${WRITE_KEY}` },
    });
    expect(read.statusCode).toBe(403);
    expect((await post('/v1/track', track, { authorization: t.adminAuth })).statusCode).toBe(200);
  });

  it('answers CORS preflights from any origin', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/batch',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-allow-headers'])).toMatch(/Authorization/i);
  });
});
