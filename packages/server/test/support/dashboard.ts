import { execFileSync } from 'node:child_process';
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
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { launchChromium } from './browser.js';
import type { TestTailor } from './test-tailor.js';

/**
 * What the dashboard's browser tests share: building packages/web, opening a page signed in with
 * a key, watching it for errors, and axe-core's serious and critical violations.
 */

const WEB = fileURLToPath(new URL('../../../web/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Builds packages/web into a folder of its own, then installs each file into dist by a rename
 * (another test may be building into dist at the same time, or the server reading it). NODE_ENV
 * as `npm run build` has it: vitest's `test` would build React's development files, whose
 * StrictMode runs every effect twice (each page's first request sent, then aborted).
 */
export function buildDashboard(): void {
  const vitePackage = createRequire(join(WEB, 'package.json')).resolve('vite/package.json');
  const vite = join(vitePackage, '../bin/vite.js');
  const out = mkdtempSync(join(tmpdir(), 'tailor-web-'));
  try {
    execFileSync(
      process.execPath,
      [vite, 'build', '--logLevel', 'error', '--outDir', out, '--emptyOutDir'],
      { cwd: WEB, env: { ...process.env, NODE_ENV: 'production' } },
    );
    const dist = join(WEB, 'dist');
    mkdirSync(join(dist, 'dashboard'), { recursive: true });
    const install = (from: string, to: string) => {
      const temp = join(dist, `.install-${String(process.pid)}`);
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

/**
 * Records into `errors` what the page printed as an error (a CSP refusal among them), uncaught
 * exceptions, and its own files that failed to load. API answers of 4xx are expected in these
 * tests (signing in reads GET /v1/keys, refusals are tested), so `/v1/` statuses are not errors.
 */
export function watchPage(page: Page, errors: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400 && !new URL(response.url()).pathname.startsWith('/v1/'))
      errors.push(`${String(response.status())} ${response.url()}`);
  });
}

/** A new page of `context`, watched, signed in with `key`, then at `hash` (e.g. `#/placements`). */
export async function openSignedIn(
  context: BrowserContext,
  errors: string[],
  origin: string,
  key: string,
  hash: string,
): Promise<Page> {
  const page = await context.newPage();
  watchPage(page, errors);
  await page.goto(`${origin}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.role').waitFor();
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  return page;
}

/** Serious and critical axe-core violations on the page as it is now, with the nodes at fault. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate<{
    violations: { id: string; impact: string; help: string; nodes: { target: unknown }[] }[];
    passes: unknown[];
  }>('axe.run()');
  expect(result.passes.length, 'axe ran its checks').toBeGreaterThan(10);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

/** How far the page scrolls sideways (0 or less: it fits the viewport's width). */
export function overflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
}

/** A dashboard browser test file's server, Chromium and the current test's context. */
export interface DashboardBrowser {
  readonly origin: string;
  readonly browser: Browser;
  /** This test's context (1280 × 800 unless `resize` changed it). */
  readonly context: BrowserContext;
  /** What this test's pages printed as errors: none may be left at its end. */
  readonly errors: string[];
  /** A new page signed in with `key`, at `hash` (e.g. `#/placements`). */
  open: (key: string, hash: string) => Promise<Page>;
  /** Replaces this test's context by one of another viewport (a phone: 390 × 844). */
  resize: (width: number, height: number) => Promise<void>;
}

/**
 * The hooks every dashboard browser test file shares: before all, the dashboard built, `setup`
 * run (it starts the Tailor and puts in what the file reads; `atEnd` closes what else it starts,
 * after the Tailor), the app listening and Chromium
 * launched; before each test a new 1280 × 800 context, after it the context closed and no error
 * printed by its pages; after all, Chromium and the Tailor closed.
 */
export function dashboardBrowser(
  setup: (atEnd: (close: () => Promise<void>) => void) => Promise<TestTailor>,
  options: { acceptDownloads?: boolean } = {},
): DashboardBrowser {
  const closers: (() => Promise<void>)[] = [];
  let origin = '';
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let errors: string[] = [];
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not ready (used outside a test?)`);
    return value;
  };
  beforeAll(async () => {
    buildDashboard();
    const t = await setup((close) => {
      closers.push(close);
    });
    closers.push(() => t.close());
    origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const launched = await launchChromium();
    browser = launched;
    closers.push(() => launched.close());
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });
  beforeEach(async () => {
    context = await ready(browser, 'Chromium').newContext({
      viewport: { width: 1280, height: 800 },
      ...options,
    });
    errors = [];
  });
  afterEach(async () => {
    await context?.close();
    expect(errors).toEqual([]);
  });
  return {
    get origin() {
      return origin;
    },
    get browser() {
      return ready(browser, 'Chromium');
    },
    get context() {
      return ready(context, 'the context');
    },
    get errors() {
      return errors;
    },
    open: (key, hash) => openSignedIn(ready(context, 'the context'), errors, origin, key, hash),
    resize: async (width, height) => {
      await context?.close();
      context = await ready(browser, 'Chromium').newContext({
        viewport: { width, height },
        ...options,
      });
    },
  };
}
