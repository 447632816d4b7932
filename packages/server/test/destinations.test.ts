import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { openTailor } from '../src/open-tailor.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

interface Received {
  body: string;
  signature: string | undefined;
}

let t: TestTailor;
let clock: number;
let receiver: Server;
let received: Received[];
let failNext: number;
let url: string;

beforeEach(async () => {
  clock = Date.UTC(2026, 10, 24, 12);
  received = [];
  failNext = 0;
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end('busy');
        return;
      }
      received.push({ body, signature: req.headers['x-tailor-signature'] as string | undefined });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  t = await startTestTailor({}, () => clock);
});
afterEach(async () => {
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
});

function call(method: 'GET' | 'PUT', path: string, payload?: object) {
  return t.app.inject({
    method,
    url: path,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}
const collect = (batch: Record<string, unknown>[]) => t.collect(batch, { drain: true });
const SECRET = 'webhook-secret-123';
const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('hex');

describe('webhook destinations', () => {
  it('delivers matching events and segment entries, signed; the secret is never shown back', async () => {
    const put = await call('PUT', '/v1/destinations/crm', {
      type: 'webhook',
      url,
      events: ['Order Completed', 'Segment Entered'],
      secret: SECRET,
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).not.toHaveProperty('secret');
    await call('PUT', '/v1/segments/buyers', { definition: 'count("Order Completed") >= 1' });
    await collect([
      { type: 'track', userId: 'u1', event: 'Product Viewed' },
      { type: 'track', userId: 'u1', event: 'Order Completed', properties: { revenue: 20 } },
    ]);
    await t.tailor.dispatcher.drain();
    const events = received.map(
      (r) =>
        JSON.parse(r.body) as {
          event: string;
          userId: string;
          properties: Record<string, unknown>;
        },
    );
    expect(events.map((e) => e.event)).toEqual(['Order Completed', 'Segment Entered']);
    expect(events[1]).toMatchObject({ userId: 'u1', properties: { segment: 'buyers' } });
    for (const r of received) expect(r.signature).toBe(sign(r.body));
    expect((await call('GET', '/v1/destinations/crm')).json().deliveries).toEqual({
      pending: 0,
      delivered: 2,
      failed: 0,
    });
  });

  it('retries with backoff until the receiver answers, and reports failures', async () => {
    await call('PUT', '/v1/destinations/flaky', {
      type: 'webhook',
      url,
      events: ['*'],
      secret: SECRET,
    });
    failNext = 2;
    await collect([{ type: 'track', userId: 'u2', event: 'Signed Up' }]);
    expect(received).toEqual([]);
    let [delivery] = (await call('GET', '/v1/destinations/flaky/deliveries')).json().deliveries;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 503' });
    clock += 1000; // first retry after 1 s
    await t.tailor.dispatcher.drain();
    clock += 2000; // second after 2 s more
    await t.tailor.dispatcher.drain();
    [delivery] = (await call('GET', '/v1/destinations/flaky/deliveries')).json().deliveries;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
    expect(received).toHaveLength(1);
  });

  it('gives up after the last attempt and lists the failure with its reason', async () => {
    await call('PUT', '/v1/destinations/gone', {
      type: 'webhook',
      url: 'http://127.0.0.1:9/nothing-listens',
      events: ['*'],
      secret: SECRET,
    });
    await collect([{ type: 'track', userId: 'u3', event: 'Signed Up' }]);
    for (let i = 0; i < 16; i++) {
      clock += 3_600_000;
      await t.tailor.dispatcher.drain();
    }
    const failed = (await call('GET', '/v1/destinations/gone/deliveries?status=failed')).json()
      .deliveries;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempts: 15, event: 'Signed Up', nextAttemptAt: null });
    expect(failed[0].lastError).toMatch(/fetch failed|ECONNREFUSED/);
  });

  it('a new destination starts from now: earlier events are not sent', async () => {
    await collect([{ type: 'track', userId: 'u4', event: 'Old News' }]);
    await call('PUT', '/v1/destinations/fresh', {
      type: 'webhook',
      url,
      events: ['*'],
      secret: SECRET,
    });
    await collect([{ type: 'track', userId: 'u4', event: 'New News' }]);
    expect(received.map((r) => (JSON.parse(r.body) as { event: string }).event)).toEqual([
      'New News',
    ]);
  });

  it('refuses a bad destination', async () => {
    const res = await call('PUT', '/v1/destinations/bad', {
      type: 'webhook',
      url: 'ftp://x',
      events: [],
      secret: 'short',
    });
    expect(res.statusCode).toBe(400);
  });

  it('keeps undelivered events across a restart and delivers them after', async () => {
    await call('PUT', '/v1/destinations/durable', {
      type: 'webhook',
      url,
      events: ['*'],
      secret: SECRET,
    });
    failNext = 1000;
    await collect([{ type: 'track', userId: 'u5', event: 'Kept' }]);
    await t.tailor.close();
    failNext = 0;
    const config = loadConfig({
      flags: { dataDir: t.dir, logLevel: 'silent' },
      env: {},
      cwd: t.dir,
    });
    const reopened = await openTailor(config, () => clock + 3_600_000);
    try {
      await reopened.dispatcher.drain();
      expect(received.map((r) => (JSON.parse(r.body) as { event: string }).event)).toEqual([
        'Kept',
      ]);
    } finally {
      await reopened.close();
      t.tailor = await openTailor(config, () => clock); // afterEach closes it
    }
  });

  it('batches what is waiting for a destination with a batch size, signed as one body', async () => {
    const put = await call('PUT', '/v1/destinations/warehouse', { type: 'webhook', url, events: ['*'], secret: SECRET, batchSize: 3 });
    expect(put.json()).toMatchObject({ batchSize: 3 });
    // Seven events are due at once: they go in batches of at most three (sent concurrently).
    await collect([1, 2, 3, 4, 5, 6, 7].map((n) => ({ type: 'track', userId: `b${n}`, event: 'Viewed', properties: { n } })));
    const bodies = received.map((r) => JSON.parse(r.body) as { batch: { properties: { n: number } }[] });
    const batches = bodies.map((b) => b.batch.map((e) => e.properties.n)).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    for (const r of received) expect(r.signature).toBe(sign(r.body));
    const deliveries = (await call('GET', '/v1/destinations/warehouse/deliveries')).json().deliveries as { status: string; attempts: number }[];
    expect(deliveries.map((d) => [d.status, d.attempts])).toEqual(Array.from({ length: 7 }, () => ['delivered', 1]));
    expect((await call('GET', '/v1/destinations/warehouse')).json()).toMatchObject({ batchSize: 3, deliveries: { delivered: 7 } });
    expect((await call('PUT', '/v1/destinations/warehouse', { type: 'webhook', url, events: ['*'], secret: SECRET, batchSize: 0 })).statusCode).toBe(400);
  });

  it('sends nothing about people who refused the destination’s purpose (marketing by default)', async () => {
    const put = await call('PUT', '/v1/destinations/crm', { type: 'webhook', url, events: ['Segment Entered'], secret: SECRET });
    expect(put.json()).toMatchObject({ purpose: 'marketing' });
    await call('PUT', '/v1/segments/buyers', { definition: 'count("Order Completed") >= 1' });
    await collect([
      { type: 'identify', userId: 'no-mail', traits: { consent: { marketing: false } } },
      { type: 'identify', userId: 'ok-mail', traits: { consent: { marketing: true } } },
    ]);
    await collect([
      { type: 'track', userId: 'no-mail', event: 'Order Completed' },
      { type: 'track', userId: 'ok-mail', event: 'Order Completed' },
      { type: 'track', userId: 'said-no-here', event: 'Order Completed', context: { consent: { categoryPreferences: { marketing: false } } } },
    ]);
    const users = received.map((r) => (JSON.parse(r.body) as { userId: string }).userId).sort();
    expect(users).toEqual(['ok-mail']);
  });
});
