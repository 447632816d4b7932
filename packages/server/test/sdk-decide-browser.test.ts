import { createServer } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
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

// tailor.decide() in headless Chromium on a page of another origin, against the real server.
// The page's own server also relays POST /v1/* to Tailor, recording each decide request (or never
// answering it), to see what the SDK sends and how it falls back.

interface PageServer {
  origin: string;
  /** Bodies of the decide requests relayed to Tailor. */
  decideBodies: Record<string, unknown>[];
  /** When true, /v1/decide never answers. */
  hang: boolean;
  close(): Promise<void>;
}

function shopPage(serverOrigin: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Home</title>
<script src="${serverOrigin}/sdk/tailor.min.js"></script>
<script>tailor.load(${JSON.stringify(WRITE_KEY)}, JSON.parse(new URLSearchParams(location.search).get('options') || '{}'));</script>
</head><body></body></html>`;
}

async function startPageServer(serverOrigin: string): Promise<PageServer> {
  const state: PageServer = {
    origin: '',
    decideBodies: [],
    hang: false,
    close: () => Promise.resolve(),
  };
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method === 'POST' && request.url?.startsWith('/v1/')) {
        const body = await bodyOf(request);
        if (request.url === '/v1/decide') {
          if (state.hang) return; // never answers
          state.decideBodies.push(JSON.parse(body) as Record<string, unknown>);
        }
        await relayToTailor(response, serverOrigin, request.url, body);
        return;
      }
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(shopPage(serverOrigin));
    })();
  });
  state.origin = await listenOnLoopback(server);
  state.close = () => closeServer(server);
  return state;
}

let suite: BrowserSuite<PageServer>;
let t: TestTailor;
let shop: PageServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  suite = await startBrowserSuite(startPageServer);
  ({ t, shop, browser } = suite);
  const res = await t.app.inject({
    method: 'PUT',
    url: '/v1/placements/home_hero',
    headers: { authorization: t.adminAuth },
    payload: {
      items: [
        {
          id: 'pro-hero',
          when: 'traits.plan = "pro"',
          priority: 10,
          template: 'Welcome back, {{ traits.plan }} member',
        },
        { id: 'spring-sale', priority: 1, template: 'Spring sale' },
      ],
      default: { id: 'generic', template: 'Hello' },
    },
  });
  expect(res.statusCode).toBe(200);
});
afterAll(() => suite.close());
beforeEach(async () => {
  context = await browser.newContext();
  shop.decideBodies.length = 0;
  shop.hang = false;
});
afterEach(async () => {
  await context.close();
});

async function openPage(options: Record<string, unknown> = {}): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${shop.origin}/home?options=${encodeURIComponent(JSON.stringify(options))}`);
  return page;
}

const decideIn = (page: Page, placements: string[]) =>
  page.evaluate<Record<string, unknown>[]>(`tailor.decide(${JSON.stringify(placements)})`);

/** Until the profile of userId has the trait, folding the log as `serve`'s background would. */
async function untilTrait(userId: string, trait: string, value: unknown): Promise<void> {
  await vi.waitFor(
    async () => {
      await t.tailor.pipeline.catchUp();
      const res = await t.app.inject({
        url: `/v1/profiles?identifier=userId:${userId}`,
        headers: { authorization: t.adminAuth },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().traits[trait]).toEqual(value);
    },
    { timeout: 8000, interval: 100 },
  );
}

function fallbackFor(placement: string, reason: RegExp) {
  return {
    placement,
    itemId: null,
    content: null,
    fallback: true,
    reasons: [expect.stringMatching(reason)],
  };
}

describe('tailor.decide in Chromium', () => {
  it('returns the item the identified person qualifies for, and sends who and where', async () => {
    const page = await openPage({ host: shop.origin });
    // No event yet: the server knows no such person and serves the default. The write key is told
    // items by id only (never whether the person is known).
    expect(await decideIn(page, ['home_hero'])).toMatchObject([
      {
        placement: 'home_hero',
        itemId: 'generic',
        content: 'Hello',
        fallback: true,
        reasons: ['generic: default'],
      },
    ]);

    await page.evaluate("tailor.identify('user-pro', { plan: 'pro' })");
    await untilTrait('user-pro', 'plan', 'pro');
    const decisions = await decideIn(page, ['home_hero']);
    expect(decisions).toMatchObject([
      {
        placement: 'home_hero',
        itemId: 'pro-hero',
        content: 'Welcome back, pro member',
        fallback: false,
      },
    ]);

    expect(shop.decideBodies).toHaveLength(2);
    expect(shop.decideBodies[1]).toMatchObject({
      writeKey: WRITE_KEY,
      userId: 'user-pro',
      anonymousId: await page.evaluate<string>('tailor.anonymousId()'),
      placements: ['home_hero'],
      context: {
        page: { path: '/home', title: 'Home' },
        locale: expect.any(String),
        timezone: expect.any(String),
      },
    });
  });

  it('passes extra context, and answers an unknown placement without throwing', async () => {
    const page = await openPage({ host: shop.origin });
    await page.evaluate("tailor.identify('user-free', { plan: 'free' })");
    await untilTrait('user-free', 'plan', 'free');
    const decisions = await page.evaluate<Record<string, unknown>[]>(
      "tailor.decide(['home_hero', 'no_such_placement'], { campaign: 'spring' })",
    );
    expect(decisions).toMatchObject([
      { placement: 'home_hero', itemId: 'spring-sale', content: 'Spring sale', fallback: false },
      { placement: 'no_such_placement', itemId: null, content: null, fallback: true },
    ]);
    expect(shop.decideBodies[0]).toMatchObject({
      userId: 'user-free',
      context: { campaign: 'spring', page: { path: '/home' } },
    });
    expect(await decideIn(page, [])).toEqual([]);
    expect(shop.decideBodies).toHaveLength(1);
  });

  it('falls back for every placement when the server is down or too slow, and never rejects', async () => {
    const down = await openPage({ host: `http://127.0.0.1:${String(await closedPort())}` });
    expect(await decideIn(down, ['home_hero', 'footer'])).toEqual([
      fallbackFor('home_hero', /^unavailable: network error$/),
      fallbackFor('footer', /^unavailable: network error$/),
    ]);

    shop.hang = true;
    const slow = await openPage({ host: shop.origin, decideTimeout: 300 });
    const started = Date.now();
    expect(await decideIn(slow, ['home_hero'])).toEqual([
      fallbackFor('home_hero', /^unavailable: timed out after 300 ms$/),
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('falls back without asking the server when personalization is refused or consent is awaited', async () => {
    const refused = await openPage({ host: shop.origin });
    await refused.evaluate('tailor.setConsent({ analytics: true, personalization: false })');
    expect(await decideIn(refused, ['home_hero'])).toEqual([
      fallbackFor('home_hero', /no consent to personalization/),
    ]);

    await context.clearCookies();
    await refused.evaluate('localStorage.clear()');
    const waiting = await openPage({ host: shop.origin, waitForConsent: true });
    expect(await decideIn(waiting, ['home_hero'])).toEqual([
      fallbackFor('home_hero', /waiting for consent/),
    ]);
    await waiting.evaluate('tailor.setConsent({ personalization: true })');
    // The server's answer (its default for a person it does not know yet), not the SDK's fallback.
    expect(await decideIn(waiting, ['home_hero'])).toMatchObject([
      { itemId: 'generic', content: 'Hello' },
    ]);
    expect(shop.decideBodies).toHaveLength(1); // only the last one reached the server
  });
});
