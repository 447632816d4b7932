import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Analytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentNode } from '@segment/analytics-node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { startTestTailor, WRITE_KEY, type TestTailor } from './support/test-tailor.js';

// The compatibility matrix: the real client libraries from npm, each pointed at a listening Tailor
// the way its docs say to point it at its own service. Every message a client put on the wire is
// read back through GET /v1/events and compared field by field.

type Wire = Record<string, unknown> & { messageId: string; type: string };

let t: TestTailor;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  t = await startTestTailor();
  origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
});

async function stored(who: { userId: string } | { anonymousId: string }): Promise<Wire[]> {
  const events: Wire[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({
      ...who,
      limit: '1000',
      ...(cursor !== null && { cursor }),
    });
    const res = await fetch(`${origin}/v1/events?${query.toString()}`, {
      headers: { authorization: t.adminAuth },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { events: Wire[]; next: string | null };
    events.push(...page.events);
    cursor = page.next;
  } while (cursor !== null);
  return events;
}

/** Everything stored for the run's people, by messageId: once each, whichever id it was found by. */
async function storedOf(userId: string, anonymousId: string): Promise<Map<string, Wire>> {
  const byId = new Map<string, Wire>();
  for (const e of [...(await stored({ userId })), ...(await stored({ anonymousId }))])
    byId.set(e.messageId, e);
  return byId;
}

/** Polls until `count` messages of the run are stored (clients that batch on a timer). */
async function waitForStored(
  userId: string,
  anonymousId: string,
  count: number,
): Promise<Map<string, Wire>> {
  const until = Date.now() + 20_000;
  for (;;) {
    const found = await storedOf(userId, anonymousId);
    if (found.size >= count || Date.now() > until) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type Batch = { batch: Wire[]; sentAt?: string };

/** A batch's messages, each with the batch's sentAt where it has none of its own (as the server applies it). */
function withBatchSentAt({ batch, sentAt }: Batch): Wire[] {
  return batch.map((m) => (m.sentAt === undefined && sentAt !== undefined ? { ...m, sentAt } : m));
}

const FIELDS = [
  'type',
  'event',
  'name',
  'category',
  'groupId',
  'previousId',
  'properties',
  'traits',
] as const;

/**
 * Each message sent is stored once, with the same messageId, type, ids, event, name, properties,
 * traits and context, and the client's time for the event corrected for its clock's skew.
 */
function compare(sent: Wire[], kept: Map<string, Wire>, expectedCount: number): void {
  expect(sent).toHaveLength(expectedCount);
  expect(new Set(sent.map((m) => m.messageId)).size).toBe(expectedCount);
  expect([...kept.keys()].sort()).toEqual(sent.map((m) => m.messageId).sort());
  for (const m of sent) {
    const s = kept.get(m.messageId)!;
    const where = `${m.type} ${m.messageId}`;
    for (const field of FIELDS)
      if (m[field] !== undefined) expect(s[field], `${where}: ${field}`).toEqual(m[field]);
    // An empty id counts as absent (RudderStack sends userId "" before identify).
    expect(s.userId, `${where}: userId`).toBe(m.userId || null);
    expect(s.anonymousId, `${where}: anonymousId`).toBe(m.anonymousId || null);
    expect(s.context, `${where}: context`).toMatchObject(m.context as object);
    // The event's time by the client's clock, corrected by the clock skew the server saw:
    // receivedAt - (sentAt - originalTimestamp), Segment's formula, to the millisecond.
    const clientTime = Date.parse((m.timestamp ?? m.originalTimestamp) as string);
    const skew =
      m.sentAt === undefined
        ? 0
        : Date.parse(s.receivedAt as string) - Date.parse(m.sentAt as string);
    expect(s.timestamp, `${where}: timestamp`).toBe(new Date(clientTime + skew).toISOString());
    expect(Math.abs(skew), `${where}: skew`).toBeLessThan(5_000);
    expect(s).not.toHaveProperty('writeKey');
  }
}

/** Node clients: one person's life, every message type. */
function lifeOf(
  client: {
    identify(m: object): unknown;
    track(m: object): unknown;
    page(m: object): unknown;
    screen(m: object): unknown;
    group(m: object): unknown;
    alias(m: object): unknown;
  },
  userId: string,
  anonymousId: string,
): void {
  client.track({
    anonymousId,
    event: 'Signup Started',
    properties: { source: 'newsletter', step: 1 },
  });
  client.identify({
    userId,
    anonymousId,
    traits: { email: 'ada@example.com', plan: 'pro', logins: 7 },
  });
  client.track({
    userId,
    event: 'Order Completed',
    properties: {
      orderId: 'o-1',
      revenue: 42.5,
      products: [{ sku: 'S-1', quantity: 2 }],
      gift: false,
    },
  });
  client.page({ userId, category: 'Docs', name: 'Pricing', properties: { path: '/pricing' } });
  client.screen({ userId, name: 'Home', properties: { variant: 'b' } });
  client.group({ userId, groupId: 'acme', traits: { name: 'Acme Inc', employees: 42 } });
  client.alias({ userId, previousId: anonymousId });
}

describe('server libraries', () => {
  it('@segment/analytics-node: every message stored as sent', async () => {
    const run = randomUUID().slice(0, 8);
    const [userId, anonymousId] = [`sn-user-${run}`, `sn-anon-${run}`];
    const client = new SegmentNode({
      writeKey: WRITE_KEY,
      host: origin,
      flushAt: 3,
      flushInterval: 200,
      maxRetries: 0,
    });
    const sent: Wire[] = [];
    const statuses: number[] = [];
    client.on('http_request', (request) => {
      sent.push(...withBatchSentAt(JSON.parse(request.body) as Batch));
    });
    client.on('http_response', (response) => {
      statuses.push(response.status);
    });
    lifeOf(client, userId, anonymousId);
    await client.closeAndFlush({ timeout: 20_000 });
    expect(statuses.every((s) => s === 200)).toBe(true);
    compare(sent, await storedOf(userId, anonymousId), 7);
  });

  it('@rudderstack/rudder-sdk-node with its defaults (gzip, form content type, originalTimestamp): every message stored at its own time', async () => {
    const run = randomUUID().slice(0, 8);
    const [userId, anonymousId] = [`rn-user-${run}`, `rn-anon-${run}`];
    const client = new Analytics(WRITE_KEY, { dataPlaneUrl: origin, logLevel: 'error' });
    const sent: Wire[] = [];
    const requests: { status: number; encoding: unknown; type: unknown }[] = [];
    // Only watches the requests the client makes (the headers as sent, once axios has set them);
    // its instance, options and transport are its own.
    type Config = { data: Buffer; headers: { get(name: string): unknown } };
    const { interceptors } = (
      client as unknown as {
        axiosInstance: {
          interceptors: Record<'request' | 'response', { use(f: (x: never) => unknown): void }>;
        };
      }
    ).axiosInstance;
    interceptors.request.use((config: Config) => {
      sent.push(...withBatchSentAt(JSON.parse(gunzipSync(config.data).toString('utf8')) as Batch));
      return config;
    });
    interceptors.response.use((response: { status: number; config: Config }) => {
      const { headers } = response.config;
      requests.push({
        status: response.status,
        encoding: headers.get('Content-Encoding'),
        type: headers.get('Content-Type'),
      });
      return response;
    });
    lifeOf(client, userId, anonymousId);
    // Queued 1.5 s before the flush: arrival time and event time differ by more than the tolerance.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await client.flush();
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests)
      expect(r).toEqual({
        status: 200,
        encoding: 'gzip',
        type: 'application/x-www-form-urlencoded',
      });
    // It stamps originalTimestamp, never timestamp: the stored time must be the event's, not the flush's.
    for (const m of sent) expect(m).not.toHaveProperty('timestamp');
    compare(sent, await storedOf(userId, anonymousId), 7);
  });
});

/** The browser libraries' own bundled builds, as installed (the root package's devDependencies). */
const installed = (path: string) =>
  fileURLToPath(new URL(`../../../node_modules/${path}`, import.meta.url));
const ANALYTICS_NEXT = installed('@segment/analytics-next/dist/umd/index.js');
const RUDDER_JS = installed('@rudderstack/analytics-js/dist/npm/modern/bundled/umd/index.js');

const SHOP = 'http://shop.test';

interface BrowserRun {
  page: Page;
  /** Every message the page posted to Tailor, with the route it went to. */
  posted: { path: string; messages: Wire[] }[];
  /** Requests to anywhere but the shop page and Tailor: refused, and listed here. */
  outside: string[];
}

/** A page on another origin, its script served from the package's build, nothing allowed out but Tailor. */
async function openShop(library: string, script: string): Promise<BrowserRun> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const run: BrowserRun = { page, posted: [], outside: [] };
  await context.route('**/*', async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.origin === SHOP) {
      if (url.pathname === '/library.js') {
        await route.fulfill({
          contentType: 'text/javascript',
          body: readFileSync(library, 'utf8'),
        });
      } else {
        await route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><html><head><script src="/library.js"></script><script>${script}</script></head><body>Shop</body></html>`,
        });
      }
      return;
    }
    if (url.origin === origin) {
      const body = request.postData();
      if (request.method() === 'POST' && body !== null) {
        const parsed = JSON.parse(body) as Wire | Batch;
        run.posted.push({
          path: url.pathname,
          messages: Array.isArray((parsed as Batch).batch)
            ? withBatchSentAt(parsed as Batch)
            : [parsed as Wire],
        });
      }
      // Passed on as fetched: Chromium still checks the CORS headers of Tailor's answer.
      const response = await route.fetch();
      await route.fulfill({ response });
      return;
    }
    run.outside.push(request.url());
    await route.abort();
  });
  await page.goto(`${SHOP}/`);
  return run;
}

describe('browser libraries in Chromium, settings inline, nothing requested but Tailor', () => {
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
  });

  async function analyticsNext(batching: boolean) {
    const run = randomUUID().slice(0, 8);
    const [userId, anonymousId] = [`an-user-${run}`, `an-anon-${run}`];
    const apiHost = `${new URL(origin).host}/v1`;
    const segmentIo = {
      apiKey: WRITE_KEY,
      apiHost,
      protocol: 'http',
      ...(batching && {
        deliveryStrategy: { strategy: 'batching', config: { size: 3, timeout: 300 } },
      }),
    };
    const shop = await openShop(
      ANALYTICS_NEXT,
      `window.loaded = window.AnalyticsNext.AnalyticsBrowser.load(
        { writeKey: ${JSON.stringify(WRITE_KEY)}, cdnSettings: { integrations: { 'Segment.io': ${JSON.stringify(segmentIo)} } } },
        { integrations: { 'Segment.io': ${JSON.stringify(segmentIo)} } },
      );`,
    );
    await shop.page.evaluate(
      async ({ userId, anonymousId }) => {
        const [analytics] = await (
          globalThis as unknown as {
            loaded: Promise<[{ [m: string]: (...a: unknown[]) => Promise<unknown> }]>;
          }
        ).loaded;
        void analytics.setAnonymousId!(anonymousId);
        await analytics.track!('Signup Started', { source: 'newsletter', step: 1 });
        await analytics.identify!(userId, { email: 'ada@example.com', plan: 'pro', logins: 7 });
        await analytics.track!('Order Completed', {
          orderId: 'o-1',
          revenue: 42.5,
          products: [{ sku: 'S-1', quantity: 2 }],
          gift: false,
        });
        await analytics.page!('Docs', 'Pricing', { path: '/pricing' });
        await analytics.screen!('App', 'Home', { variant: 'b' });
        await analytics.group!('acme', { name: 'Acme Inc', employees: 42 });
        await analytics.alias!(userId, anonymousId);
      },
      { userId, anonymousId },
    );
    const kept = await waitForStored(userId, anonymousId, 7);
    const sent = shop.posted.flatMap((p) => p.messages);
    compare(sent, kept, 7);
    const paths = new Set(shop.posted.map((p) => p.path));
    expect(paths).toEqual(
      batching
        ? new Set(['/v1/b'])
        : new Set(['/v1/t', '/v1/i', '/v1/p', '/v1/s', '/v1/g', '/v1/a']),
    );
    expect(shop.outside).toEqual([]);
    await shop.page.context().close();
  }

  it(
    '@segment/analytics-next (analytics.js 2.0), one request a message: /v1/t, /v1/i, ...',
    { timeout: 60_000 },
    async () => {
      await analyticsNext(false);
    },
  );

  it('@segment/analytics-next in batching mode: /v1/b', { timeout: 60_000 }, async () => {
    await analyticsNext(true);
  });

  it(
    '@rudderstack/analytics-js (v3, bundled build): every message stored at its own time',
    { timeout: 60_000 },
    async () => {
      const run = randomUUID().slice(0, 8);
      const [userId, anonymousId] = [`rj-user-${run}`, `rj-anon-${run}`];
      const sourceConfig = {
        source: {
          id: 'tailor',
          name: 'Tailor',
          writeKey: WRITE_KEY,
          workspaceId: 'tailor',
          enabled: true,
          config: {},
          destinations: [],
        },
      };
      const shop = await openShop(
        RUDDER_JS,
        `window.ra = new window.rudderanalytics.RudderAnalytics();
      window.ra.load(${JSON.stringify(WRITE_KEY)}, ${JSON.stringify(origin)}, {
        getSourceConfig: () => (${JSON.stringify(sourceConfig)}),
        plugins: ['XhrQueue'],
        polyfillIfRequired: false,
        loadIntegration: false,
        sessions: { autoTrack: false },
        logLevel: 'ERROR',
      });`,
      );
      await shop.page.evaluate(
        async ({ userId, anonymousId }) => {
          const ra = (globalThis as unknown as { ra: { [m: string]: (...a: unknown[]) => void } })
            .ra;
          await new Promise<void>((resolve) => {
            ra.ready!(() => {
              resolve();
            });
          });
          ra.setAnonymousId!(anonymousId);
          ra.track!('Signup Started', { source: 'newsletter', step: 1 });
          ra.identify!(userId, { email: 'ada@example.com', plan: 'pro', logins: 7 });
          ra.track!('Order Completed', {
            orderId: 'o-1',
            revenue: 42.5,
            products: [{ sku: 'S-1', quantity: 2 }],
            gift: false,
          });
          ra.page!('Docs', 'Pricing', { path: '/pricing' });
          ra.group!('acme', { name: 'Acme Inc', employees: 42 });
          ra.alias!(userId, anonymousId);
        },
        { userId, anonymousId },
      );
      // Its SDK has no screen call; six messages.
      const kept = await waitForStored(userId, anonymousId, 6);
      const sent = shop.posted.flatMap((p) => p.messages);
      for (const m of sent) expect(m).not.toHaveProperty('timestamp');
      compare(sent, kept, 6);
      expect(new Set(shop.posted.map((p) => p.path))).toEqual(
        new Set(['/v1/track', '/v1/identify', '/v1/page', '/v1/group', '/v1/alias']),
      );
      expect(shop.outside).toEqual([]);
      await shop.page.context().close();
    },
  );
});
