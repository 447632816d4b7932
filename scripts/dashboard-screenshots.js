#!/usr/bin/env node
// Screenshots of the dashboard's pages for docs/dashboard.md at 1280x800, the profile and an
// experiment at 390x844 too: starts `tailor serve --demo` on a fresh folder with known keys (the
// demo shop's 400 people over 45 days, with its journey, model, recommender and clustering), sends
// a few events of its own (a person merged from an anonymous visit, an A/B test's exposures and
// orders, campaign visits and sign-ups) and a placement, then drives Debian's Chromium. Run after `npm run build`: node scripts/dashboard-screenshots.js
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'docs/images');
const PORT = 18000 + Math.floor(Math.random() * 1000);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const ADMIN_KEY = 'screenshot-admin-key-000000000000000000';
const WRITE_KEY = 'screenshot-write-key-000000000000000000';
const EMAIL = 'ann.lee@example.com';

function startServer(dir) {
  const server = spawn(
    process.execPath,
    [
      join(ROOT, 'packages/server/bin/tailor.js'),
      'serve',
      '--port',
      String(PORT),
      '--data',
      dir,
      '--demo',
    ],
    {
      env: { ...process.env, TAILOR_ADMIN_KEY: ADMIN_KEY, TAILOR_WRITE_KEY: WRITE_KEY },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    server.on('exit', (code) => reject(new Error(`tailor serve exited with ${code}`)));
    server.stdout.on('data', (chunk) => {
      if (String(chunk).includes('listening on')) resolve(server);
    });
  });
}

/** checkout: 400 people a side, 12 % of control's and 15 % of one-page's ordering. */
function experimentEvents(at) {
  const events = [];
  for (let i = 0; i < 800; i += 1) {
    const variant = i % 2 === 0 ? 'control' : 'one-page';
    const userId = `buyer-${i}`;
    const viewed = { experiment: 'checkout', variant };
    events.push({
      type: 'track',
      userId,
      event: 'Experiment Viewed',
      properties: viewed,
      timestamp: at(22, 10),
    });
    const share = variant === 'control' ? 0.12 : 0.15;
    if ((i * 37) % 400 < share * 400) {
      const revenue = 20 + ((i * 13) % 60);
      events.push({
        type: 'track',
        userId,
        event: 'Order Completed',
        properties: { revenue },
        timestamp: at(23, 10),
      });
    }
  }
  return events;
}

/** Visits from five sources over a few days, some followed by a sign-up. */
function campaignEvents(at) {
  const sources = ['google', 'newsletter', 'facebook', 'partner', 'bing'];
  const events = [];
  for (let i = 0; i < 200; i += 1) {
    const anonymousId = `visitor-${i}`;
    const first = sources[[0, 0, 0, 0, 1, 1, 2, 3, 3, 4][i % 10]];
    const second = sources[(i * 3 + 1) % 5];
    const page = (source, day) => ({
      type: 'page',
      anonymousId,
      name: 'Home',
      context: { campaign: { source, medium: source === 'newsletter' ? 'email' : 'cpc' } },
      timestamp: at(day, 12),
    });
    events.push(page(first, 20));
    if (i % 3 !== 0) events.push(page(second, 22));
    if (i % 4 !== 1)
      events.push({ type: 'track', anonymousId, event: 'Signed Up', timestamp: at(24, 12) });
  }
  return events;
}

/** A request with the admin key; throws with the answer when it is not a 2xx. */
async function admin(method, path, body) {
  const response = await fetch(`${ORIGIN}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** Waits until `check()` holds, reading every 250 ms for at most 60 s. */
async function until(what, check) {
  for (let i = 0; i < 240; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} never happened`);
}

async function sendEvents() {
  const at = (day, hour) => `2026-11-${String(day).padStart(2, '0')}T${hour}:00:00.000Z`;
  const experiment = await fetch(`${ORIGIN}/v1/experiments/checkout`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({
      variants: [{ id: 'control' }, { id: 'one-page' }],
      metrics: [
        { name: 'purchase', type: 'conversion', event: 'Order Completed' },
        { name: 'revenue', type: 'mean', event: 'Order Completed', property: 'revenue' },
      ],
    }),
  });
  if (!experiment.ok) throw new Error(`experiment: ${await experiment.text()}`);
  const placement = await fetch(`${ORIGIN}/v1/placements/home-hero`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({
      description: 'The banner at the top of the home page.',
      items: [
        {
          id: 'pro-offer',
          when: 'traits.plan = "pro"',
          priority: 2,
          template: '<p>Thanks for being Pro, {{ traits.name }}: your upgrade is on us.</p>',
        },
        {
          id: 'spring-sale',
          when: 'context.page.path = "/sale"',
          priority: 1,
          template: '<p>Spring sale: 20 % off</p>',
        },
      ],
      default: { id: 'welcome', template: '<p>Welcome to the shop</p>' },
    }),
  });
  if (!placement.ok) throw new Error(`placement: ${await placement.text()}`);
  const batch = [
    ...experimentEvents(at),
    ...campaignEvents(at),
    { type: 'page', anonymousId: 'anon-7', name: 'Home', timestamp: at(20, '09') },
    { type: 'page', userId: 'u-ann', name: 'Pricing', timestamp: at(20, '09') },
    {
      type: 'identify',
      userId: 'u-ann',
      anonymousId: 'anon-7',
      traits: { email: EMAIL, name: 'Ann Lee', plan: 'pro', city: 'Lyon' },
      timestamp: at(20, 10),
    },
    ...['Product Viewed', 'Product Viewed', 'Cart Updated', 'Order Completed'].map((event, i) => ({
      type: 'track',
      userId: 'u-ann',
      event,
      properties:
        event === 'Order Completed' ? { revenue: 84.5, currency: 'EUR' } : { sku: `SKU-${i}` },
      timestamp: at(21 + i, 11),
    })),
  ];
  const response = await fetch(`${ORIGIN}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  });
  const answer = await response.text();
  if (!response.ok || JSON.parse(answer).rejected?.length > 0) throw new Error(`batch: ${answer}`);
  // Folded once the profile answers with the traits.
  for (let i = 0; i < 100; i += 1) {
    const profile = await fetch(`${ORIGIN}/v1/profiles?identifier=email:${EMAIL}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    if (profile.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the profile never appeared');
}

/** The demo's journey has moved its shoppers (its loop runs in the background). */
async function waitForJourney() {
  await until('shoppers entering the demo journey', async () => {
    const stats = await admin('GET', '/v1/journeys/cart-reminder/stats');
    return (stats.steps['0']?.entered ?? 0) > 0;
  });
}

async function shoot(browser, viewport, suffix) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${ORIGIN}/`);
  await page.getByLabel('API key').fill(ADMIN_KEY);
  if (suffix === '') await page.screenshot({ path: join(OUT, 'dashboard-sign-in.png') });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Events in the log').waitFor();
  await page.getByLabel('Window').selectOption('week');
  await page.locator('figure.chart .recharts-bar-rectangle').first().waitFor();
  if (suffix === '')
    await page.screenshot({ path: join(OUT, 'dashboard-overview.png'), fullPage: true });
  await page.locator('input[type="search"]').fill(EMAIL);
  await page.locator('input[type="search"]').press('Enter');
  await page.getByRole('table', { name: /Events/ }).waitFor();
  await page.getByRole('table', { name: 'Merges', exact: true }).waitFor();
  await page.screenshot({ path: join(OUT, `dashboard-profile${suffix}.png`), fullPage: true });
  await page.goto(`${ORIGIN}/#/experiments/checkout`);
  await page.locator('figure.chart .recharts-wrapper').nth(1).waitFor();
  await page.screenshot({ path: join(OUT, `dashboard-experiment${suffix}.png`), fullPage: true });
  if (suffix === '') {
    const shot = async (hash, ready, file) => {
      await page.goto(`${ORIGIN}/${hash}`);
      await ready();
      await page.screenshot({ path: join(OUT, file), fullPage: true });
    };
    await shot(
      '#/events',
      async () => {
        await page.getByRole('region', { name: 'Live events table' }).waitFor();
        await page.getByRole('button', { name: 'Pause' }).click();
        await page.locator('.events-table button.link').first().click();
        await page.locator('pre.json').waitFor();
      },
      'dashboard-live-events.png',
    );
    await shot(
      '#/segments',
      () => page.getByRole('table', { name: /^Segments/ }).waitFor(),
      'dashboard-segments.png',
    );
    await shot(
      '#/journeys',
      () => page.getByRole('table', { name: /cart-reminder/ }).waitFor(),
      'dashboard-journeys.png',
    );
    await shot(
      '#/models/orders-14d',
      () => page.locator('figure.chart .recharts-wrapper').first().waitFor(),
      'dashboard-model.png',
    );
    await page.goto(`${ORIGIN}/#/recommenders/shop`);
    await page.getByLabel('Person', { exact: true }).fill(EMAIL);
    await page.getByRole('button', { name: 'Recommend' }).click();
    await page.getByRole('status', { name: 'Recommended items' }).waitFor();
    await page.screenshot({ path: join(OUT, 'dashboard-recommender.png'), fullPage: true });
    await shot(
      '#/clusters/shoppers',
      () => page.locator('figure.chart .recharts-wrapper').first().waitFor(),
      'dashboard-clusters.png',
    );
    await page.goto(`${ORIGIN}/#/placements/home-hero`);
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('group', { name: 'Item 1', exact: true }).waitFor();
    await page.screenshot({ path: join(OUT, 'dashboard-placement-form.png'), fullPage: true });
    await page.goto(
      `${ORIGIN}/#/attribution?conversion=Signed+Up&by=source&models=first_touch,last_touch,linear,markov`,
    );
    await page.locator('figure.chart .recharts-wrapper').waitFor();
    await page.screenshot({ path: join(OUT, 'dashboard-attribution.png'), fullPage: true });
    await page.goto(`${ORIGIN}/#/placements/home-hero`);
    await page.getByLabel('Person', { exact: true }).fill(EMAIL);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('status', { name: 'Preview result' }).waitFor();
    await page.screenshot({ path: join(OUT, 'dashboard-placement.png'), fullPage: true });
    await page.goto(`${ORIGIN}/#/funnel?step=Page+Viewed&step=Signed+Up&order=ordered`);
    await page.locator('figure.chart .recharts-wrapper').waitFor();
    await page.screenshot({ path: join(OUT, 'dashboard-funnel.png'), fullPage: true });
    await page.goto(
      `${ORIGIN}/#/retention?start=Page+Viewed&return=Signed+Up&period=day&periods=5`,
    );
    await page.locator('figure.chart .recharts-wrapper').waitFor();
    await page.screenshot({ path: join(OUT, 'dashboard-retention.png'), fullPage: true });
    await page.goto(`${ORIGIN}/#/privacy`);
    await page.getByRole('table', { name: 'Audit log' }).waitFor();
    await page.screenshot({ path: join(OUT, 'dashboard-privacy.png') });
  }
  await context.close();
}

const dir = mkdtempSync(join(tmpdir(), 'tailor-screenshots-'));
mkdirSync(OUT, { recursive: true });
const server = await startServer(dir);
try {
  await sendEvents();
  await waitForJourney();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    await shoot(browser, { width: 1280, height: 800 }, '');
    await shoot(browser, { width: 390, height: 844 }, '-phone');
  } finally {
    await browser.close();
  }
} finally {
  server.removeAllListeners('exit');
  server.kill('SIGTERM');
  await new Promise((resolve) => server.on('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
console.log(`screenshots in ${OUT}`);
