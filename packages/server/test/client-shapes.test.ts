import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '@tailor/core';
import { inflateBody, MAX_INFLATION_RATIO } from '../src/http/inflate-body.js';
import { startTestTailor, WRITE_KEY, type TestTailor } from './support/test-tailor.js';

// The request shapes real Segment and RudderStack clients send, beside the plain HTTP API's:
// analytics.js 2.0's short routes, gzip everywhere, the content types they use, and what the
// errors say when something else comes.

const RECEIVED_AT = Date.parse('2026-03-01T12:00:00.000Z');
let t: TestTailor;

beforeAll(async () => {
  t = await startTestTailor({}, () => RECEIVED_AT);
});
afterAll(async () => {
  await t.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  t.post(path, body, headers);

const eventsOf = (userId: string): Promise<StoredMessage[]> => t.eventsOf(userId);

/** As analytics.js 2.0 posts: text/plain, the write key in the body, no Authorization header. */
function postAsAnalyticsNext(path: string, body: Record<string, unknown>) {
  return t.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'text/plain' },
    payload: JSON.stringify({ ...body, writeKey: WRITE_KEY }),
  });
}

describe("analytics.js 2.0's short routes", () => {
  it.each([
    ['t', { type: 'track', event: 'Clicked', properties: { n: 1 } }],
    ['i', { type: 'identify', traits: { plan: 'pro' } }],
    ['p', { type: 'page', name: 'Home', properties: { path: '/' } }],
    ['s', { type: 'screen', name: 'Cart' }],
    ['g', { type: 'group', groupId: 'acme', traits: { name: 'Acme' } }],
    ['a', { type: 'alias', previousId: 'anon-short' }],
  ])('POST /v1/%s stores the message as its long route does', async (letter, body) => {
    const userId = `short-${letter}`;
    const res = await postAsAnalyticsNext(`/v1/${letter}`, {
      ...body,
      userId,
      messageId: `m-short-${letter}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ stored: 1, rejected: [] });
    const [stored] = await eventsOf(userId);
    expect(stored).toMatchObject({ ...body, userId, messageId: `m-short-${letter}` });
    expect(stored).not.toHaveProperty('writeKey');
  });

  it('POST /v1/b takes the batching mode body: {writeKey, batch, sentAt}, each message without its own sentAt', async () => {
    // The device's clock is 10 s behind: it made the events at 11:59:40 and 11:59:45 by its clock and sent them at 11:59:50.
    const res = await postAsAnalyticsNext('/v1/b', {
      sentAt: '2026-03-01T11:59:50.000Z',
      batch: [
        {
          type: 'track',
          userId: 'short-b',
          event: 'One',
          timestamp: '2026-03-01T11:59:40.000Z',
          messageId: 'm-b-1',
        },
        {
          type: 'page',
          userId: 'short-b',
          name: 'Two',
          timestamp: '2026-03-01T11:59:45.000Z',
          messageId: 'm-b-2',
        },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ stored: 2, rejected: [] });
    const stored = await eventsOf('short-b');
    expect(stored.map((e) => [e.messageId, e.type, e.timestamp])).toEqual([
      ['m-b-1', 'track', '2026-03-01T11:59:50.000Z'],
      ['m-b-2', 'page', '2026-03-01T11:59:55.000Z'],
    ]);
  });

  it('a short route refuses a body of another type, as the long one does', async () => {
    const res = await postAsAnalyticsNext('/v1/t', { type: 'page', userId: 'short-x', event: 'E' });
    expect(res.statusCode).toBe(400);
  });
});

describe('gzip bodies', () => {
  it('are taken on every collection route, the short ones included', async () => {
    for (const [path, body] of [
      ['/v1/track', { userId: 'gz-all', event: 'Long' }],
      ['/v1/t', { userId: 'gz-all', event: 'Short' }],
      ['/v1/b', { batch: [{ type: 'track', userId: 'gz-all', event: 'Batch' }] }],
    ] as const) {
      const res = await post(path, gzipSync(JSON.stringify(body)), { 'content-encoding': 'gzip' });
      expect(res.statusCode, path).toBe(200);
    }
    expect((await eventsOf('gz-all')).map((e) => e.event)).toEqual(['Long', 'Short', 'Batch']);
  });

  it("RudderStack's Node SDK shape: gzipped JSON sent as application/x-www-form-urlencoded to /v1/batch", async () => {
    const body = {
      batch: [
        {
          type: 'track',
          userId: 'rudder-form',
          event: 'Ordered',
          originalTimestamp: '2026-03-01T11:59:00.000Z',
          sentAt: '2026-03-01T11:59:30.000Z',
          messageId: 'm-form',
          channel: 'server',
        },
      ],
      timestamp: '2026-03-01T11:59:30.000Z',
      sentAt: '2026-03-01T11:59:30.000Z',
    };
    const res = await post('/v1/batch', gzipSync(JSON.stringify(body)), {
      'content-type': 'application/x-www-form-urlencoded',
      'content-encoding': 'gzip',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ stored: 1, rejected: [] });
    // Its event time: receivedAt - (sentAt - originalTimestamp), not the arrival time.
    expect(await eventsOf('rudder-form')).toMatchObject([
      { messageId: 'm-form', timestamp: '2026-03-01T11:59:30.000Z' },
    ]);
  });

  it('apply the size limits to the inflated body: 32 KB a message, 500 KB a batch', async () => {
    // Random hex deflates to about half: the compressed bodies are under the limits, the inflated ones over.
    const noise = (bytes: number) => randomBytes(bytes).toString('hex');
    const message = { userId: 'gz-big', event: 'Big', properties: { blob: noise(20_000) } };
    const single = gzipSync(JSON.stringify(message));
    expect(single.length).toBeLessThan(32 * 1024);
    const res = await post('/v1/track', single, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('inflates past the 32768-byte limit'),
    });

    const batch = gzipSync(
      JSON.stringify({
        batch: Array.from({ length: 30 }, () => ({
          type: 'track',
          ...message,
          properties: { blob: noise(10_000) },
        })),
      }),
    );
    expect(batch.length).toBeLessThan(500 * 1024);
    const big = await post('/v1/batch', batch, { 'content-encoding': 'gzip' });
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toMatch(/inflates past the 512000-byte limit|more than 100 times/);
    expect(await eventsOf('gz-big')).toEqual([]);
  });

  it('refuses a gzip bomb with 413 and a corrupt stream with 400', async () => {
    // 50 MB of zeros deflate to about 50 KB.
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    const res = await post('/v1/batch', bomb, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
    const corrupt = await post('/v1/batch', Buffer.from('not gzip at all'), {
      'content-encoding': 'gzip',
    });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json().message).toMatch(/gzip body cannot be read/);
  });

  it('names what is accepted when the encoding is another one', async () => {
    const res = await post('/v1/batch', Buffer.from('x'), { 'content-encoding': 'br' });
    expect(res.statusCode).toBe(415);
    expect(res.json().message).toBe(
      'content-encoding br is not accepted: send gzip, or no content-encoding',
    );
  });
});

describe('inflateBody', () => {
  it('stops inflating a bomb at the ratio bound, long before its end, and drops the rest of the upload uninflated', async () => {
    // 200 MB of zeros in ~200 KB of gzip, uploaded in 1 KB chunks.
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024));
    const chunks: Buffer[] = [];
    for (let at = 0; at < bomb.length; at += 1024) chunks.push(bomb.subarray(at, at + 1024));
    let pulled = 0;
    const upload = Readable.from(
      (function* () {
        for (const chunk of chunks) {
          pulled++;
          yield chunk;
        }
      })(),
    );
    let inflated = 0;
    const error = await new Promise<Error>((resolve) => {
      const body = inflateBody(upload, 10 * 1024 * 1024);
      body.on('data', (chunk: Buffer) => {
        inflated += chunk.length;
      });
      body.on('error', resolve);
      body.on('end', () => {
        resolve(new Error('inflated to the end'));
      });
    });
    expect(error.message).toBe(
      `the body inflates more than ${MAX_INFLATION_RATIO} times its compressed size`,
    );
    // The ratio tripped at the first chunks: a few MB at most were inflated, far from the 10 MB
    // limit and from 200 MB. The rest of the upload is read to its end, and none of it inflated.
    if (!upload.readableEnded) await new Promise((resolve) => upload.once('end', resolve));
    expect(pulled).toBe(chunks.length);
    expect(inflated).toBeLessThan(4 * 1024 * 1024);
  });

  it('passes an ordinary body through unchanged', async () => {
    const text = JSON.stringify({
      batch: Array.from({ length: 200 }, (_, i) => ({
        type: 'track',
        userId: `u${i}`,
        event: 'E',
      })),
    });
    const body = inflateBody(Readable.from([gzipSync(text)]), 500 * 1024);
    const parts: Buffer[] = [];
    for await (const part of body) parts.push(part as Buffer);
    expect(Buffer.concat(parts).toString('utf8')).toBe(text);
  });
});

describe('content types', () => {
  it('415 names the accepted types', async () => {
    const res = await post('/v1/track', 'userId=u&event=E', {
      'content-type': 'multipart/form-data; boundary=x',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({
      code: 'unsupported_media_type',
      message: expect.stringContaining('send application/json'),
    });
    expect(res.json().message).toContain(
      'text/plain and application/x-www-form-urlencoded holding JSON',
    );
  });

  it('reads application/x-www-form-urlencoded as JSON on collection routes only', async () => {
    const ok = await post(
      '/v1/track',
      { userId: 'form-u', event: 'E' },
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    expect(ok.statusCode).toBe(200);
    const admin = await t.app.inject({
      method: 'PUT',
      url: '/v1/keys/form-key',
      headers: { authorization: t.adminAuth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: JSON.stringify({ role: 'admin' }),
    });
    expect(admin.statusCode).toBe(415);
    expect(admin.json().message).toContain('not accepted here');
  });

  it('a body that is not JSON is refused as such, whatever type it was sent as', async () => {
    for (const [path, type, body] of [
      ['/v1/batch', 'application/x-www-form-urlencoded', 'userId=u&event=E'],
      ['/v1/t', 'text/plain', 'hello'],
      ['/v1/track', 'application/json', '{"userId": '],
    ] as const) {
      const res = await post(path, body, { 'content-type': type });
      expect(res.statusCode, `${path} ${type}`).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_request' });
      expect(res.json().message).toMatch(
        /^the body is not valid JSON: every route takes a JSON body, sent as application\/json \(collection and decide also take it as text\/plain, collection as application\/x-www-form-urlencoded/,
      );
    }
  });
});

describe('numbers past the double range', () => {
  it('refuse the message that holds one, with the path, instead of storing null', async () => {
    const res = await post(
      '/v1/track',
      '{"userId":"inf-u","event":"E","properties":{"ok":1,"big":1e309}}',
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'invalid_message',
      message: expect.stringMatching(
        /^properties\.big: the number is out of the range of a double/,
      ),
    });
    expect(await eventsOf('inf-u')).toEqual([]);
  });

  it('in a batch, only that message is refused', async () => {
    const res = await post(
      '/v1/batch',
      '{"batch":[{"type":"track","userId":"inf-b","event":"Fine"},{"type":"identify","userId":"inf-b","traits":{"score":-1e400}}]}',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      stored: 1,
      rejected: [
        {
          index: 1,
          reason: expect.stringContaining('traits.score: the number is out of the range'),
        },
      ],
    });
    expect((await eventsOf('inf-b')).map((e) => e.event)).toEqual(['Fine']);
  });

  it('refuse the body on other routes', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/decide',
      headers: { authorization: t.writeAuth, 'content-type': 'application/json' },
      payload: '{"userId":"inf-d","placements":["home"],"context":{"x":1e309}}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/out of the range of a double/);
  });
});
