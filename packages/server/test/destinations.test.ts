import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { buildApp } from '../src/http/build-app.js';
import { openTailor } from '../src/open-tailor.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';
import { webhookConfig } from './support/webhook-config.js';

interface Received {
  body: string;
  signature: string | undefined;
  stamped: string | undefined;
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
      received.push({
        body,
        signature: req.headers['x-tailor-signature'] as string | undefined,
        stamped: req.headers['tailor-signature'] as string | undefined,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  t = await startTestTailor(webhookConfig(), () => clock);
});
afterEach(async () => {
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
});

function call(method: 'GET' | 'PUT' | 'DELETE', path: string, payload?: object) {
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
    expect(failed[0].lastError).toBe('connection refused or unreachable'); // no errno, address or port
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

  it('the running dispatcher follows destinations defined and deleted through the API at once', async () => {
    const eventsReceived = () =>
      received.map((r) => (JSON.parse(r.body) as { event: string }).event);
    t.tailor.background.start(); // the dispatcher's own loop, as under `tailor serve` (no drain below)
    await call('PUT', '/v1/destinations/first', {
      type: 'webhook',
      url,
      events: ['A'],
      secret: SECRET,
    });
    await t.collect([{ type: 'track', userId: 'u5', event: 'A' }]);
    await expect.poll(eventsReceived).toEqual(['A']);
    expect((await call('DELETE', '/v1/destinations/first')).statusCode).toBe(204);
    await call('PUT', '/v1/destinations/second', {
      type: 'webhook',
      url,
      events: ['B'],
      secret: SECRET,
    });
    await t.collect([
      { type: 'track', userId: 'u5', event: 'A' },
      { type: 'track', userId: 'u5', event: 'B' },
    ]);
    // Both events are taken in one step: a list kept from before the deletion would send the A.
    await expect.poll(eventsReceived).toEqual(['A', 'B']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(eventsReceived()).toEqual(['A', 'B']);
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
      flags: { dataDir: t.dir, logLevel: 'silent', ...webhookConfig() },
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
    const put = await call('PUT', '/v1/destinations/warehouse', {
      type: 'webhook',
      url,
      events: ['*'],
      secret: SECRET,
      batchSize: 3,
    });
    expect(put.json()).toMatchObject({ batchSize: 3 });
    // Seven events are due at once: they go in batches of at most three (sent concurrently).
    await collect(
      [1, 2, 3, 4, 5, 6, 7].map((n) => ({
        type: 'track',
        userId: `b${n}`,
        event: 'Viewed',
        properties: { n },
      })),
    );
    const bodies = received.map(
      (r) => JSON.parse(r.body) as { batch: { properties: { n: number } }[] },
    );
    const batches = bodies
      .map((b) => b.batch.map((e) => e.properties.n))
      .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    for (const r of received) expect(r.signature).toBe(sign(r.body));
    const deliveries = (await call('GET', '/v1/destinations/warehouse/deliveries')).json()
      .deliveries as { status: string; attempts: number }[];
    expect(deliveries.map((d) => [d.status, d.attempts])).toEqual(
      Array.from({ length: 7 }, () => ['delivered', 1]),
    );
    expect((await call('GET', '/v1/destinations/warehouse')).json()).toMatchObject({
      batchSize: 3,
      deliveries: { delivered: 7 },
    });
    expect(
      (
        await call('PUT', '/v1/destinations/warehouse', {
          type: 'webhook',
          url,
          events: ['*'],
          secret: SECRET,
          batchSize: 0,
        })
      ).statusCode,
    ).toBe(400);
  });

  it('sends nothing about people who refused the destination’s purpose (marketing by default)', async () => {
    const put = await call('PUT', '/v1/destinations/crm', {
      type: 'webhook',
      url,
      events: ['Segment Entered'],
      secret: SECRET,
    });
    expect(put.json()).toMatchObject({ purpose: 'marketing' });
    await call('PUT', '/v1/segments/buyers', { definition: 'count("Order Completed") >= 1' });
    await collect([
      { type: 'identify', userId: 'no-mail', traits: { consent: { marketing: false } } },
      { type: 'identify', userId: 'ok-mail', traits: { consent: { marketing: true } } },
    ]);
    await collect([
      { type: 'track', userId: 'no-mail', event: 'Order Completed' },
      { type: 'track', userId: 'ok-mail', event: 'Order Completed' },
      {
        type: 'track',
        userId: 'said-no-here',
        event: 'Order Completed',
        context: { consent: { categoryPreferences: { marketing: false } } },
      },
    ]);
    const users = received.map((r) => (JSON.parse(r.body) as { userId: string }).userId).sort();
    expect(users).toEqual(['ok-mail']);
  });
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}
const closeServer = (server: Server) => new Promise((resolve) => server.close(resolve));

async function until(probe: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`still waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('webhook safety', () => {
  const INTERNAL = [
    'http://127.0.0.1:8080/x',
    'http://localhost/x',
    'http://LocalHost./x',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://017700000001/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
  ];

  it('refuses destinations to internal addresses, in any form, and other schemes, unless the operator allows them', async () => {
    const plain = await startTestTailor({}, () => clock);
    try {
      await plain.tailor.keys.create('m', 'marketer', new Date(), 'test-marketer-key-0001');
      for (const bad of [...INTERNAL, 'file:///etc/passwd', 'gopher://example.com/']) {
        const res = await plain.app.inject({
          method: 'PUT',
          url: '/v1/destinations/inside',
          headers: { authorization: 'Bearer test-marketer-key-0001' },
          payload: { type: 'webhook', url: bad, events: ['*'], secret: SECRET },
        });
        expect(res.statusCode, bad).toBe(400);
        expect(res.json<{ message: string }>().message, bad).toMatch(/private address|url/);
      }
      expect(await plain.tailor.destinations.list()).toEqual([]);
    } finally {
      await plain.close();
    }
    // The allowlist of this suite lets 127.0.0.1 through, and nothing else.
    expect(
      (
        await call('PUT', '/v1/destinations/ok', {
          type: 'webhook',
          url,
          events: ['*'],
          secret: SECRET,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await call('PUT', '/v1/destinations/no', {
          type: 'webhook',
          url: 'http://10.0.0.1/',
          events: ['*'],
          secret: SECRET,
        })
      ).statusCode,
    ).toBe(400);
  });

  it('checks the address the connection goes to: a name resolving to loopback is refused when delivering', async () => {
    const plain = await startTestTailor({}, () => clock);
    try {
      // Defined while its name pointed elsewhere (DNS changes): stored as it is, past the definition check.
      const at = new Date(clock).toISOString();
      const local = url.replace('127.0.0.1', 'localhost');
      await plain.tailor.destinations.put(
        {
          name: 'moved',
          type: 'webhook',
          url: local,
          events: ['*'],
          secret: SECRET,
          createdAt: at,
          updatedAt: at,
        },
        0,
      );
      await plain.collect([{ type: 'track', userId: 'r1', event: 'Signed Up' }], { drain: true });
      expect(received).toEqual([]);
      const res = await plain.app.inject({
        method: 'GET',
        url: '/v1/destinations/moved/deliveries',
        headers: { authorization: plain.adminAuth },
      });
      expect(res.json().deliveries[0]).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'refused: private address',
      });
    } finally {
      await plain.close();
    }
  });

  it('does not follow redirects: a 3xx is a failed attempt, with its reason', async () => {
    const redirector = createServer((req, res) => {
      req.resume();
      res.writeHead(302, { location: url }).end();
    });
    const redirecting = await listen(redirector);
    try {
      await call('PUT', '/v1/destinations/moved', {
        type: 'webhook',
        url: redirecting,
        events: ['*'],
        secret: SECRET,
      });
      await collect([{ type: 'track', userId: 'r2', event: 'Signed Up' }]);
      expect(received).toEqual([]);
      const [delivery] = (await call('GET', '/v1/destinations/moved/deliveries')).json().deliveries;
      expect(delivery).toMatchObject({
        status: 'pending',
        lastError: 'redirect not followed (HTTP 302)',
      });
    } finally {
      await closeServer(redirector);
    }
  });

  it('signs each attempt with its time (t=..,v1=..) so receivers can refuse replays, beside the body signature', async () => {
    await call('PUT', '/v1/destinations/stamped', {
      type: 'webhook',
      url,
      events: ['*'],
      secret: SECRET,
    });
    await collect([{ type: 'track', userId: 's1', event: 'Signed Up' }]);
    const [r] = received;
    expect(r?.signature).toBe(sign(r?.body ?? ''));
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(r?.stamped ?? '') ?? [];
    expect(Number(t)).toBe(Math.floor(clock / 1000));
    expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${r?.body}`).digest('hex'));
  });

  it('a destination that never answers holds back no other: each has its own requests and a timeout', async () => {
    await t.close();
    t = await startTestTailor(webhookConfig({ timeoutMs: 120_000 }), () => clock);
    const hanging: ServerResponse[] = [];
    let released = false;
    const silent = createServer((req, res) => {
      req.resume();
      if (released) res.writeHead(204).end();
      else hanging.push(res);
    });
    const silentUrl = await listen(silent);
    try {
      await call('PUT', '/v1/destinations/fast', {
        type: 'webhook',
        url,
        events: ['*'],
        secret: SECRET,
      });
      await call('PUT', '/v1/destinations/slow', {
        type: 'webhook',
        url: silentUrl,
        events: ['*'],
        secret: SECRET,
      });
      t.tailor.dispatcher.start();
      await t.collect([{ type: 'track', userId: 'h1', event: 'First' }]);
      await until(() => received.length === 1 && hanging.length === 1, 'both receivers asked');
      await t.collect([{ type: 'track', userId: 'h1', event: 'Second' }]);
      // The slow receiver still holds its first request, and the fast one gets the next event.
      await until(() => received.length === 2, 'the fast receiver gets the second event');
      expect(received.map((r) => (JSON.parse(r.body) as { event: string }).event).sort()).toEqual([
        'First',
        'Second',
      ]);
      expect(hanging.every((res) => !res.writableEnded)).toBe(true);
      released = true;
      for (const res of hanging) res.writeHead(204).end();
      await t.tailor.dispatcher.drain();
      expect((await call('GET', '/v1/destinations/slow')).json().deliveries).toMatchObject({
        delivered: 2,
        pending: 0,
      });
    } finally {
      for (const res of hanging) if (!res.writableEnded) res.destroy();
      await closeServer(silent);
    }
  });

  it('fails a request that takes longer than the timeout as "timed out"', async () => {
    await t.close();
    t = await startTestTailor(webhookConfig({ timeoutMs: 200 }), () => clock);
    const silent = createServer((req) => {
      req.resume(); // and never answer
    });
    const silentUrl = await listen(silent);
    try {
      await call('PUT', '/v1/destinations/slow', {
        type: 'webhook',
        url: silentUrl,
        events: ['*'],
        secret: SECRET,
      });
      await collect([{ type: 'track', userId: 'h2', event: 'Signed Up' }]);
      const [delivery] = (await call('GET', '/v1/destinations/slow/deliveries')).json().deliveries;
      expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastError: 'timed out' });
    } finally {
      silent.closeAllConnections();
      await closeServer(silent);
    }
  });

  it('prunes delivered and failed delivery records past the retention (30 days by default), keeps pending ones', async () => {
    const start = clock;
    await call('PUT', '/v1/destinations/kept', {
      type: 'webhook',
      url,
      events: ['*'],
      secret: SECRET,
    });
    await call('PUT', '/v1/destinations/gone', {
      type: 'webhook',
      url: 'http://127.0.0.1:9/closed',
      events: ['*'],
      secret: SECRET,
    });
    await collect([{ type: 'track', userId: 'p1', event: 'Old' }]);
    for (let i = 0; i < 15; i++) {
      clock += 3_600_000;
      await t.tailor.dispatcher.drain();
    }
    await collect([{ type: 'track', userId: 'p1', event: 'Recent' }]);
    expect((await call('GET', '/v1/destinations/kept')).json().deliveries).toEqual({
      pending: 0,
      delivered: 2,
      failed: 0,
    });
    expect((await call('GET', '/v1/destinations/gone')).json().deliveries).toEqual({
      pending: 1,
      delivered: 0,
      failed: 1,
    });
    clock = start + 30 * 86_400_000 + 2 * 3_600_000;
    await t.tailor.dispatcher.drain();
    const kept = (await call('GET', '/v1/destinations/kept/deliveries')).json().deliveries as {
      event: string;
    }[];
    expect(kept.map((d) => d.event)).toEqual(['Recent']);
    expect((await call('GET', '/v1/destinations/gone')).json().deliveries).toEqual({
      pending: 1,
      delivered: 0,
      failed: 0,
    });
  });

  it('keeps the secret sealed in the data folder, and seals a plain one left by an older version', async () => {
    const stateBytes = () =>
      ['state.sqlite', 'state.sqlite-wal']
        .filter((f) => existsSync(join(t.dir, f)))
        .map((f) => readFileSync(join(t.dir, f)))
        .reduce((all, b) => Buffer.concat([all, b]), Buffer.alloc(0));
    await call('PUT', '/v1/destinations/sealed', {
      type: 'webhook',
      url,
      events: ['*'],
      secret: SECRET,
    });
    expect(stateBytes().includes(SECRET)).toBe(false);
    // An older version kept the secret in the definition's JSON.
    await t.tailor.close();
    const db = new Database(join(t.dir, 'state.sqlite'));
    db.prepare("UPDATE destinations SET body = json_set(body, '$.secret', ?)").run(SECRET);
    db.exec('ALTER TABLE destinations DROP COLUMN secret');
    // ...and recorded no schema versions (its tables were made by CREATE ... IF NOT EXISTS).
    db.exec('DROP TABLE schema_migrations');
    db.close();
    expect(stateBytes().includes(SECRET)).toBe(true);
    const config = loadConfig({
      flags: { dataDir: t.dir, logLevel: 'silent', ...webhookConfig() },
      env: {},
      cwd: t.dir,
    });
    const reopened = await openTailor(config, () => clock);
    const app = await buildApp({ tailor: reopened, logger: false });
    try {
      expect(stateBytes().includes(SECRET)).toBe(false);
      const res = await app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: t.writeAuth },
        payload: { userId: 'k1', event: 'Signed Up' },
      });
      expect(res.statusCode).toBe(200);
      await reopened.pipeline.catchUp();
      await reopened.dispatcher.drain();
      expect(received).toHaveLength(1);
      expect(received[0]?.signature).toBe(sign(received[0]?.body ?? ''));
    } finally {
      await app.close();
      await reopened.close();
    }
  });
});
