import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations, watchPage } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, WRITE_KEY, type TestTailor } from './support/test-tailor.js';

// The dashboard end to end (issue 20, CONTRACT.md "Dashboard"): built fresh, served by the app at
// /, driven in Debian's Chromium; accessibility checked with axe-core injected into the page.

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));
const VIEWER_KEY = 'dashboard-viewer-key-0001';
const MARKETER_KEY = 'dashboard-marketer-key-0001';
const EMAIL = 'ann.lee@example.com';

let t: TestTailor;

const ui = dashboardBrowser(async () => {
  t = await startTestTailor();
  await t.tailor.keys.create('dashboard-viewer', 'viewer', new Date(), VIEWER_KEY);
  await t.tailor.keys.create('dashboard-marketer', 'marketer', new Date(), MARKETER_KEY);
  const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
  await t.collect([
    {
      type: 'identify',
      userId: 'u-ann',
      traits: { email: EMAIL, name: 'Ann Lee', plan: 'pro', city: 'Lyon' },
      timestamp: at(0),
    },
    {
      type: 'track',
      userId: 'u-ann',
      event: 'Product Viewed',
      properties: { sku: 'SKU-1' },
      timestamp: at(1),
    },
    {
      type: 'track',
      userId: 'u-ann',
      event: 'Cart Updated',
      properties: { items: 2 },
      timestamp: at(2),
    },
    {
      type: 'track',
      userId: 'u-ann',
      event: 'Order Completed',
      properties: { revenue: 42.5 },
      timestamp: at(3),
    },
  ]);
  return t;
});

async function open(): Promise<Page> {
  const page = await ui.context.newPage();
  watchPage(page, ui.errors);
  await page.goto(`${ui.origin}/`);
  return page;
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function search(page: Page, text: string): Promise<void> {
  const box = page.locator('input[type="search"]');
  await box.fill(text);
  await box.press('Enter');
}

const bodyText = (page: Page) => page.locator('body').innerText();

describe('the dashboard', () => {
  it('with an admin key, finds a person by email and shows their traits and events', async () => {
    const page = await open();
    await signIn(page, ADMIN_KEY);
    await expect.poll(() => bodyText(page)).toContain('Events in the log');
    await search(page, EMAIL);
    const traits = page.getByRole('table', { name: 'Traits' });
    await traits.waitFor();
    for (const value of [EMAIL, 'Ann Lee', 'pro', 'Lyon']) {
      await expect.poll(() => traits.innerText()).toContain(value);
    }
    const events = page.getByRole('table', { name: /Events/ });
    await events.waitFor();
    const text = await events.innerText();
    for (const event of ['identify', 'Product Viewed', 'Cart Updated', 'Order Completed', '42.5']) {
      expect(text).toContain(event);
    }
    expect(await page.locator('.identifiers').innerText()).toContain(`email:${EMAIL}`);
    // The key is kept for the tab only.
    expect(await page.evaluate("sessionStorage.getItem('tailor.apiKey')")).toBe(ADMIN_KEY);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.locator('.role').innerText()).toBe('admin');
  });

  it('refuses a wrong key with a message and shows nothing else', async () => {
    const page = await open();
    await signIn(page, 'not-a-key-of-this-server');
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/unknown or revoked/);
    expect(await page.locator('input[type="search"]').count()).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });

  it('shows a viewer the profile with personal data masked', async () => {
    const page = await open();
    await signIn(page, VIEWER_KEY);
    await expect.poll(() => page.locator('.role').innerText()).toBe('viewer');
    await search(page, EMAIL);
    const traits = page.getByRole('table', { name: 'Traits' });
    await traits.waitFor();
    await expect.poll(() => traits.innerText()).toContain('[masked]');
    expect(await traits.innerText()).toContain('pro');
    await page.getByRole('table', { name: /Events/ }).waitFor();
    expect(await bodyText(page)).not.toMatch(/ann\.lee|Ann Lee/i);
    expect(await bodyText(page)).toContain('Personal data is masked');
  });

  it('tells a marketer key from a viewer key, and refuses a write key', async () => {
    const page = await open();
    await signIn(page, MARKETER_KEY);
    await expect.poll(() => page.locator('.role').innerText()).toBe('marketer');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, WRITE_KEY);
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/cannot read profiles/);
  });

  it('says so when no one holds what was searched, and keeps the session on reload', async () => {
    const page = await open();
    await signIn(page, ADMIN_KEY);
    await page.locator('input[type="search"]').waitFor();
    await search(page, 'nobody@example.com');
    await expect.poll(() => bodyText(page)).toContain('No one found for “nobody@example.com”');
    await page.reload();
    await expect.poll(() => bodyText(page)).toContain('No one found');
    // A bare userId finds the person too.
    await search(page, 'u-ann');
    await page.getByRole('table', { name: 'Traits' }).waitFor();
  });

  it('fits a 390 px wide phone screen without sideways scrolling', async () => {
    await ui.resize(390, 844);
    const page = await open();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await signIn(page, ADMIN_KEY);
    await search(page, EMAIL);
    await page.getByRole('table', { name: /Events/ }).waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    // The events table scrolls sideways in its own box, which a keyboard can reach.
    expect(await seriousViolations(page), 'profile at 390 px').toEqual([]);
  });

  it('has no serious or critical accessibility violations on its pages', async () => {
    const page = await open();
    expect(await seriousViolations(page), 'sign-in page').toEqual([]);
    await signIn(page, 'wrong-key-for-the-error-state');
    await page.getByRole('alert').waitFor();
    expect(await seriousViolations(page), 'sign-in error').toEqual([]);
    await signIn(page, ADMIN_KEY);
    await expect.poll(() => bodyText(page)).toContain('Events in the log');
    expect(await seriousViolations(page), 'overview').toEqual([]);
    await search(page, EMAIL);
    await page.getByRole('table', { name: /Events/ }).waitFor();
    expect(await seriousViolations(page), 'profile').toEqual([]);
    await search(page, 'nobody@example.com');
    await expect.poll(() => bodyText(page)).toContain('No one found');
    expect(await seriousViolations(page), 'not found').toEqual([]);
  });

  // How long it takes is for a benchmark, not a test (a shared machine's timings are noise); what
  // keeps it fast is that the page fetches and draws one page of 50 events, checked here.
  it('opens the profile of a person with 10,000 events one page of 50 at a time', async () => {
    await t.collect([
      { type: 'identify', userId: 'u-busy', traits: { email: 'busy@example.com' } },
    ]);
    for (let batch = 0; batch < 100; batch += 1) {
      await t.collect(
        Array.from({ length: 100 }, (_, i) => ({
          type: 'track',
          userId: 'u-busy',
          event: 'Product Viewed',
          properties: { sku: `SKU-${batch}-${i}` },
        })),
      );
    }
    const page = await open();
    await signIn(page, ADMIN_KEY);
    await page.locator('input[type="search"]').waitFor();
    const eventRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/events')) eventRequests.push(request.url());
    });
    await search(page, 'busy@example.com');
    await page.getByRole('table', { name: /Events/ }).waitFor();
    // Only the first page is asked for, once.
    expect(eventRequests).toHaveLength(1);
    expect(eventRequests[0]).toMatch(/[?&]limit=50$/);
    expect(
      await page
        .getByRole('table', { name: /Events/ })
        .locator('tbody tr')
        .count(),
    ).toBe(50);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => bodyText(page)).toContain('Page 2');
    // The first page held the identify and SKU-0-0 to SKU-0-48.
    await expect.poll(() => bodyText(page)).toContain('"SKU-0-49"');
    expect(await bodyText(page)).not.toContain('"SKU-0-48"');
  });

  it('loads at most 250 KB of gzipped JavaScript at start', () => {
    const html = readFileSync(join(WEB, 'dist/index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script[^>]+src="\/dashboard\/([^"]+)"/g)].map((m) => m[1]!);
    const preloads = [...html.matchAll(/modulepreload"[^>]*href="\/dashboard\/([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    const files = [...scripts, ...preloads];
    expect(files.length).toBeGreaterThan(0);
    expect(readdirSync(join(WEB, 'dist/dashboard'))).toEqual(expect.arrayContaining(files));
    const gzipped = files.reduce(
      (sum, file) => sum + gzipSync(readFileSync(join(WEB, 'dist/dashboard', file))).length,
      0,
    );
    expect(gzipped).toBeLessThanOrEqual(250 * 1024);
  });
});
