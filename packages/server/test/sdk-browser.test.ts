import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import type { StoredMessage } from '@tailor/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handleError } from '../src/http/error-handler.js';
import { sdkRoutes } from '../src/http/routes/sdk-routes.js';
import {
  bodyOf,
  closedPort,
  closeServer,
  listenOnLoopback,
  relayToTailor,
  startBrowserSuite,
  type BrowserSuite,
} from './support/browser.js';
import { WRITE_KEY, type TestTailor } from './support/test-tailor.js';

// The browser SDK end to end: the real server on one loopback port, a shop page on another (so
// another origin), headless Chromium in between.

/** The loader snippet a site pastes to call window.tailor before the script arrives. */
const SNIPPET = `window.tailor = window.tailor || [];
['load', 'page', 'track', 'identify', 'alias', 'group', 'reset', 'setConsent'].forEach(function (m) {
  window.tailor[m] = window.tailor[m] || function () { window.tailor.push([m].concat([].slice.call(arguments))); };
});`;

/** A shop page: loads the SDK from the Tailor server; `?options=JSON` for load, `?stub` to call it before the script. */
function shopPage(serverOrigin: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<script>
  const q = new URLSearchParams(location.search);
  const options = JSON.parse(q.get('options') || '{}');
  if (q.has('stub')) { ${SNIPPET} tailor.load(${JSON.stringify(WRITE_KEY)}, options); tailor.track('Before Script'); }
</script>
<script src="${serverOrigin}/sdk/tailor.min.js"></script>
<script>if (!q.has('stub')) tailor.load(${JSON.stringify(WRITE_KEY)}, options);</script>
</head><body><h1>Shop</h1></body></html>`;
}

interface Fault {
  status: number;
  headers?: Record<string, string>;
}

/** The page's origin: serves the shop, and at /v1/batch a proxy to Tailor that first answers the faults queued. */
interface PageServer {
  origin: string;
  faults: Fault[];
  /** Each batch posted to the proxy: when, and what it answered. */
  batches: { at: number; status: number }[];
  close(): Promise<void>;
}

async function startPageServer(serverOrigin: string): Promise<PageServer> {
  const faults: Fault[] = [];
  const batches: PageServer['batches'] = [];
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method === 'POST' && request.url === '/v1/batch') {
        const body = await bodyOf(request);
        const fault = faults.shift();
        if (fault) {
          batches.push({ at: Date.now(), status: fault.status });
          response
            .writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
            .end('{"code":"fault"}');
          return;
        }
        const status = await relayToTailor(response, serverOrigin, '/v1/batch', body);
        batches.push({ at: Date.now(), status });
        return;
      }
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(shopPage(serverOrigin));
    })();
  });
  const origin = await listenOnLoopback(server);
  return {
    origin,
    faults,
    batches,
    close: () => closeServer(server),
  };
}

let suite: BrowserSuite<PageServer>;
let t: TestTailor;
let shop: PageServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  suite = await startBrowserSuite(startPageServer);
  ({ t, shop, browser } = suite);
});
afterAll(() => suite.close());
beforeEach(async () => {
  context = await browser.newContext();
  shop.faults.length = 0;
  shop.batches.length = 0;
});
afterEach(async () => {
  await context.close();
});

function shopUrl(options: Record<string, unknown> = {}, extra = ''): string {
  return `${shop.origin}/shop?options=${encodeURIComponent(JSON.stringify(options))}${extra}`;
}

async function openShop(options: Record<string, unknown> = {}, extra = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(shopUrl(options, extra));
  return page;
}

const anonymousIdOf = (page: Page): Promise<string> =>
  page.evaluate<string>('tailor.anonymousId()');
const queueOf = (page: Page): Promise<unknown[]> =>
  page.evaluate<unknown[]>("JSON.parse(localStorage.getItem('tailor.queue') || '[]')");

async function eventsOf(anonymousId: string): Promise<StoredMessage[]> {
  const res = await t.app.inject({
    url: `/v1/events?anonymousId=${encodeURIComponent(anonymousId)}&limit=1000`,
    headers: { authorization: t.adminAuth },
  });
  expect(res.statusCode).toBe(200);
  return res.json().events;
}

/** The events of anonymousId once there are (at least) `count`. */
async function eventuallyEvents(
  anonymousId: string,
  count: number,
  timeout = 8000,
): Promise<StoredMessage[]> {
  return vi.waitFor(
    async () => {
      const events = await eventsOf(anonymousId);
      expect(events.length).toBeGreaterThanOrEqual(count);
      return events;
    },
    { timeout, interval: 100 },
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GET /sdk/tailor.min.js', () => {
  it('serves the built SDK as cacheable JavaScript, gzipped on request, with an ETag', async () => {
    const plain = await t.app.inject({ url: '/sdk/tailor.min.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=300');
    expect(plain.body).toMatch(/^\/\*! tailor\.js /);
    const etag = String(plain.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);

    const again = await t.app.inject({
      url: '/sdk/tailor.min.js',
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');

    const gzipped = await t.app.inject({
      url: '/sdk/tailor.min.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.etag).not.toBe(etag);
    expect(gunzipSync(gzipped.rawPayload).toString('utf8')).toBe(plain.body);
  });

  it('answers 503 telling to build when the bundle is missing', async () => {
    const app = Fastify();
    app.setErrorHandler(handleError);
    await app.register(sdkRoutes, { file: '/nonexistent/tailor.min.js' });
    const res = await app.inject({ url: '/sdk/tailor.min.js' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/npm run build/),
    });
    await app.close();
  });
});

describe('the browser SDK in Chromium, on a page of another origin', () => {
  it('sends page, track and identify as Segment messages, to the host the script came from', async () => {
    expect(new URL(shop.origin).origin).not.toBe(new URL(suite.serverOrigin).origin);
    const page = await openShop();
    await page.evaluate(`
      tailor.page('Home', { section: 'front' });
      tailor.track('Product Viewed', { sku: 'A1', price: 9.5 });
      tailor.identify('user-1', { plan: 'pro', email: 'Ann@Example.COM' });
      tailor.track('Order Completed', { revenue: 20 });
    `);
    const anonymousId = await anonymousIdOf(page);
    const events = await eventuallyEvents(anonymousId, 4);
    expect(events.map((e) => e.type)).toEqual(['page', 'track', 'identify', 'track']);
    const [pageView, viewed, identify, order] = events;

    for (const e of events) {
      expect(e.anonymousId).toBe(anonymousId);
      expect(e.messageId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(Date.parse(e.sentAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(e.originalTimestamp ?? e.timestamp) - 1000,
      );
      expect(e.context).toMatchObject({
        library: { name: 'tailor.js', version: '0.1.0' },
        page: {
          path: '/shop',
          url: expect.stringContaining(`${shop.origin}/shop?`),
          title: 'Shop',
          search: expect.stringContaining('?options='),
        },
        userAgent: expect.stringContaining('Chrome'),
        locale: expect.any(String),
        timezone: expect.any(String),
        screen: { width: expect.any(Number), height: expect.any(Number) },
      });
      expect(e.context).not.toHaveProperty('consent'); // nothing chosen yet, and it sent anyway (the default)
    }
    expect(pageView).toMatchObject({
      name: 'Home',
      properties: { name: 'Home', section: 'front', path: '/shop', title: 'Shop' },
    });
    expect(viewed).toMatchObject({
      event: 'Product Viewed',
      properties: { sku: 'A1', price: 9.5 },
    });
    expect(viewed?.userId).toBeNull();
    expect(identify).toMatchObject({
      userId: 'user-1',
      traits: { plan: 'pro', email: 'ann@example.com' },
    });
    expect(order).toMatchObject({
      userId: 'user-1',
      event: 'Order Completed',
      properties: { revenue: 20 },
    });
    expect(await page.evaluate("JSON.parse(localStorage.getItem('tailor.user_traits'))")).toEqual({
      plan: 'pro',
      email: 'Ann@Example.COM',
    });
  });

  it('sends alias and group, and replays calls made through the snippet before the script loaded', async () => {
    const page = await openShop({}, '&stub');
    await page.evaluate("tailor.group('acme', { name: 'Acme' }); tailor.alias('user-7')");
    const anonymousId = await anonymousIdOf(page);
    const events = await eventuallyEvents(anonymousId, 3);
    expect(events).toMatchObject([
      { type: 'track', event: 'Before Script' },
      { type: 'group', groupId: 'acme', traits: { name: 'Acme' } },
      { type: 'alias', userId: 'user-7', previousId: anonymousId },
    ]);
  });

  it('keeps the anonymousId across reloads, in a first-party cookie and in localStorage, each restoring the other', async () => {
    const page = await openShop();
    const anonymousId = await anonymousIdOf(page);
    expect(anonymousId).toMatch(/^[0-9a-f-]{36}$/);
    await page.reload();
    expect(await anonymousIdOf(page)).toBe(anonymousId);
    const cookie = (await context.cookies(shop.origin)).find(
      (c) => c.name === 'tailor_anonymous_id',
    );
    expect(cookie).toMatchObject({ value: anonymousId, path: '/', sameSite: 'Lax' });
    expect(await page.evaluate("JSON.parse(localStorage.getItem('tailor.anonymous_id'))")).toBe(
      anonymousId,
    );

    await page.evaluate('localStorage.clear()');
    await page.reload();
    expect(await anonymousIdOf(page)).toBe(anonymousId);
    await context.clearCookies();
    await page.reload();
    expect(await anonymousIdOf(page)).toBe(anonymousId);
  });

  it('keeps what it could not send in storage and delivers it after a reload', async () => {
    const page = await openShop({ host: `http://127.0.0.1:${String(await closedPort())}` });
    await page.evaluate("tailor.track('Offline Order', { total: 3 })");
    const anonymousId = await anonymousIdOf(page);
    await sleep(1000); // the first send has failed by now, and the retry waits
    expect(await queueOf(page)).toMatchObject([{ type: 'track', event: 'Offline Order' }]);
    expect(await eventsOf(anonymousId)).toEqual([]);

    await page.goto(shopUrl()); // the same site, with a reachable host
    const events = await eventuallyEvents(anonymousId, 1);
    expect(events).toMatchObject([
      { type: 'track', event: 'Offline Order', properties: { total: 3 } },
    ]);
    await vi.waitFor(async () => {
      expect(await queueOf(page)).toEqual([]);
    });
  });

  it('retries after a 429 when Retry-After says, and after a 5xx with exponential backoff', async () => {
    shop.faults.push({ status: 429, headers: { 'retry-after': '3' } }, { status: 503 });
    const page = await openShop({ host: shop.origin });
    await page.evaluate("tailor.track('Retried')");
    const anonymousId = await anonymousIdOf(page);
    const events = await eventuallyEvents(anonymousId, 1, 30_000);
    expect(events).toMatchObject([{ event: 'Retried' }]);
    // The proxy records the answer after passing it on: the event can be stored first.
    await vi.waitFor(() => {
      expect(shop.batches.map((b) => b.status)).toEqual([429, 503, 200]);
    });
    const [first, second, third] = shop.batches.map((b) => b.at) as [number, number, number];
    // Retry-After: 3 (a first backoff would have waited 0.5 to 1.5 s). The upper bounds leave room
    // for a loaded machine's late timers (seen: seconds on two shared cores): what they rule out
    // is a wait of the wrong kind (minutes), not a late timer.
    expect(second - first).toBeGreaterThanOrEqual(2900);
    expect(second - first).toBeLessThan(15_000);
    // the second attempt's backoff: 2 s ± 50 % (not none)
    expect(third - second).toBeGreaterThanOrEqual(900);
    expect(third - second).toBeLessThan(15_000);
  }, 60_000);

  it('drops a batch the server refuses with a 4xx, warning once, and goes on', async () => {
    shop.faults.push({ status: 400 });
    const page = await openShop({ host: shop.origin });
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    await page.evaluate("tailor.track('Refused')");
    await vi.waitFor(() => {
      expect(shop.batches.map((b) => b.status)).toEqual([400]);
    });
    await page.evaluate("tailor.track('Accepted')");
    const anonymousId = await anonymousIdOf(page);
    const events = await eventuallyEvents(anonymousId, 1);
    expect(events.map((e) => e.event)).toEqual(['Accepted']);
    // The proxy records the answer after passing it on: the event can be stored first.
    await vi.waitFor(() => {
      expect(shop.batches.map((b) => b.status)).toEqual([400, 200]);
    });
    expect(warnings).toEqual([
      expect.stringMatching(/refused 1 message\(s\) with status 400; they are dropped/),
    ]);
  });

  it('flushes with sendBeacon when the page is hidden', async () => {
    const page = await openShop({ flushInterval: 60_000, flushAt: 100 });
    await page.evaluate(`
      window.beacons = 0;
      const send = navigator.sendBeacon.bind(navigator);
      navigator.sendBeacon = (...args) => { window.beacons++; return send(...args); };
      tailor.track('Tab Hidden');
    `);
    const anonymousId = await anonymousIdOf(page);
    await sleep(300);
    expect(await eventsOf(anonymousId)).toEqual([]); // the timer is a minute away
    await page.evaluate(`
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    `);
    const events = await eventuallyEvents(anonymousId, 1);
    expect(events).toMatchObject([{ event: 'Tab Hidden', anonymousId }]);
    expect(await page.evaluate('window.beacons')).toBe(1);
    expect(await queueOf(page)).toEqual([]);
  });

  it('sends what waits when the page is closed', async () => {
    const page = await openShop({ flushInterval: 60_000, flushAt: 100 });
    await page.evaluate("tailor.track('Page Closed')");
    const anonymousId = await anonymousIdOf(page);
    await page.close({ runBeforeUnload: true });
    const events = await eventuallyEvents(anonymousId, 1);
    expect(events).toMatchObject([{ event: 'Page Closed' }]);
  });

  it('with waitForConsent, holds messages in storage until setConsent, then sends them with the choice', async () => {
    const page = await openShop({ waitForConsent: true, flushInterval: 50 });
    await page.evaluate("tailor.page(); tailor.track('Held')");
    const anonymousId = await anonymousIdOf(page);
    await sleep(600);
    expect(await eventsOf(anonymousId)).toEqual([]);
    expect(await queueOf(page)).toHaveLength(2);

    await page.evaluate('tailor.setConsent({ analytics: true, personalization: false })');
    await page.evaluate("tailor.track('After Consent')");
    const events = await eventuallyEvents(anonymousId, 3);
    const preferences = { analytics: true, personalization: false };
    expect(events).toMatchObject([
      { type: 'page', context: { consent: { categoryPreferences: preferences } } },
      { event: 'Held', context: { consent: { categoryPreferences: preferences } } },
      { event: 'After Consent', context: { consent: { categoryPreferences: preferences } } },
    ]);
    // The choice is remembered: the next page sends at once.
    await page.reload();
    await page.evaluate("tailor.track('Next Page')");
    await eventuallyEvents(anonymousId, 4);
  });

  it('drops held and later messages when analytics is refused', async () => {
    const page = await openShop({ waitForConsent: true, flushInterval: 50 });
    await page.evaluate("tailor.track('Held')");
    expect(await queueOf(page)).toHaveLength(1);
    await page.evaluate('tailor.setConsent({ analytics: false })');
    expect(await queueOf(page)).toEqual([]);
    await page.evaluate("tailor.track('Refused'); tailor.identify('user-2', { plan: 'free' })");
    expect(await queueOf(page)).toEqual([]);
    await page.reload(); // the refusal is remembered
    await page.evaluate("tailor.track('Refused Again')");
    expect(await queueOf(page)).toEqual([]);
    await sleep(500);
    expect(await eventsOf(await anonymousIdOf(page))).toEqual([]);
  });

  it('reset starts a new anonymousId, forgets the user and the unsent queue', async () => {
    const page = await openShop();
    const before = await anonymousIdOf(page);
    await page.evaluate("tailor.identify('user-9', { plan: 'pro' })");
    await eventuallyEvents(before, 1);
    await page.evaluate("tailor.reset(); tailor.track('After Reset')");
    const after = await anonymousIdOf(page);
    expect(after).not.toBe(before);
    expect(await page.evaluate('tailor.userId() ?? null')).toBeNull();
    const cookie = (await context.cookies(shop.origin)).find(
      (c) => c.name === 'tailor_anonymous_id',
    );
    expect(cookie?.value).toBe(after);
    const events = await eventuallyEvents(after, 1);
    expect(events).toMatchObject([{ event: 'After Reset', anonymousId: after }]);
    expect(events[0]?.userId).toBeNull();
    await page.reload();
    expect(await anonymousIdOf(page)).toBe(after);
  });
});
