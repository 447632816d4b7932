import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { launchChromium } from './support/browser.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// The dashboard's journeys page end to end (issue 20): journeys saved through the API, people
// entering them through collection, each step's counts read back by the page in Debian's Chromium;
// accessibility checked with axe-core injected into the page.

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));
const VIEWER_KEY = 'journeys-viewer-key-0001';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Builds packages/web into a folder of its own, then installs each file into dist by a rename, as
 * dashboard-reports-browser.test.ts does (another test may be building into dist at the same time).
 */
function buildDashboard(): void {
  const vitePackage = createRequire(join(WEB, 'package.json')).resolve('vite/package.json');
  const vite = join(vitePackage, '../bin/vite.js');
  const out = mkdtempSync(join(tmpdir(), 'tailor-web-'));
  try {
    execFileSync(
      process.execPath,
      [vite, 'build', '--logLevel', 'error', '--outDir', out, '--emptyOutDir'],
      // NODE_ENV as `npm run build` has it (vitest's `test` builds React's development files).
      { cwd: WEB, env: { ...process.env, NODE_ENV: 'production' } },
    );
    const dist = join(WEB, 'dist');
    mkdirSync(join(dist, 'dashboard'), { recursive: true });
    const install = (from: string, to: string) => {
      const temp = join(dist, `.install-${process.pid}`);
      copyFileSync(from, temp);
      renameSync(temp, to);
    };
    for (const name of readdirSync(join(out, 'dashboard'))) {
      install(join(out, 'dashboard', name), join(dist, 'dashboard', name));
    }
    install(join(out, 'index.html'), join(dist, 'index.html'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

let t: TestTailor;
let origin: string;
let browser: Browser;
let context: BrowserContext;
let consoleErrors: string[];
const closers: (() => Promise<void>)[] = [];

async function putJourney(name: string, body: unknown): Promise<void> {
  const res = await t.app.inject({
    method: 'PUT',
    url: `/v1/journeys/${name}`,
    headers: { authorization: t.adminAuth },
    payload: body as Record<string, unknown>,
  });
  expect(res.statusCode, res.body).toBe(200);
}

beforeAll(async () => {
  buildDashboard();
  t = await startTestTailor();
  closers.push(() => t.close());
  await t.tailor.keys.create('journeys-viewer', 'viewer', new Date(), VIEWER_KEY);
  await putJourney('welcome', {
    entry: { event: 'Signed Up' },
    steps: [
      { wait: '3d' },
      {
        if: 'traits.plan = "pro"',
        then: [{ email: { subject: 'Welcome to Pro', html: '<p>Hello</p>' } }],
        else: [{ wait: '1d' }],
      },
    ],
  });
  await putJourney('winback', {
    entry: { event: 'Subscription Cancelled' },
    steps: [{ wait: '7d' }],
  });
  t.tailor.background.start();
  await t.collect(
    ['ann', 'bob', 'cy'].map((userId) => ({ type: 'track', userId, event: 'Signed Up' })),
  );
  // Three people wait at the first step.
  await vi.waitFor(
    async () => {
      expect((await t.tailor.journeys.store.stats('welcome'))['0']).toEqual({
        entered: 3,
        waiting: 3,
        done: 0,
      });
    },
    { timeout: 20_000, interval: 100 },
  );
  origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
  closers.push(() => browser.close());
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  consoleErrors = [];
});
afterEach(async () => {
  await context.close();
  expect(consoleErrors).toEqual([]);
});

async function open(key: string, hash: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    // API answers of 400, 403 or 404 are expected (a refused definition, signing in): checked below.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      consoleErrors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !new URL(response.url()).pathname.startsWith('/v1/'))
      consoleErrors.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(`${origin}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.role').waitFor();
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  return page;
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate<{
    violations: { id: string; impact: string; help: string }[];
    passes: unknown[];
  }>('axe.run()');
  expect(result.passes.length, 'axe ran its checks').toBeGreaterThan(10);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}`);
}

const bodyText = (page: Page) => page.locator('body').innerText();

describe('the journeys page', () => {
  it('shows each journey’s steps with how many entered, wait and went past', async () => {
    const page = await open(ADMIN_KEY, '#/journeys');
    const welcome = page.getByRole('table', { name: 'Steps of welcome' });
    await welcome.waitFor();
    const rows = welcome.locator('tbody tr');
    expect(await rows.count()).toBe(4);
    expect((await rows.nth(0).innerText()).split(/\s+/)).toEqual(['Wait', '3d', '3', '3', '0']);
    expect(await rows.nth(1).innerText()).toMatch(/If traits\.plan = "pro"\s+0\s+0\s+0/);
    expect(await rows.nth(2).innerText()).toMatch(/then: Email “Welcome to Pro”/);
    expect(await rows.nth(3).innerText()).toMatch(/else: Wait 1d/);
    const winback = page.getByRole('table', { name: 'Steps of winback' });
    expect(await winback.innerText()).toContain('Wait 7d');
    expect(await bodyText(page)).toContain('Entered on Subscription Cancelled');
    expect(await seriousViolations(page), 'journeys').toEqual([]);
  });

  it('says so when a journey’s counts cannot be read, and shows the others', async () => {
    // The server's answer is replaced, as a store that cannot be read would answer.
    const opened = await open(ADMIN_KEY, '#/journeys');
    await opened.route('**/v1/journeys/winback/stats', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'unavailable', message: 'the journey store is not open' }),
      }),
    );
    await opened.evaluate(`location.hash = '#/'`);
    await opened.evaluate(`location.hash = '#/journeys'`);
    await expect
      .poll(() => opened.getByRole('alert').innerText())
      .toBe('The counts could not be read: the journey store is not open');
    await opened.getByRole('table', { name: 'Steps of welcome' }).waitFor();
    expect(await seriousViolations(opened), 'journeys with an error').toEqual([]);
  });

  it('shows a viewer the journeys and no editing buttons, on a 390 px screen', async () => {
    await context.close();
    context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await open(VIEWER_KEY, '#/journeys');
    await page.getByRole('table', { name: 'Steps of welcome' }).waitFor();
    expect(await page.locator('main button').count()).toBe(0);
    expect(
      await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
    ).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'journeys at 390 px').toEqual([]);
  });
});
