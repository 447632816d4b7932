#!/usr/bin/env node
// Screenshots of the dashboard's pages for docs/dashboard.md at 1280x800, the profile at 390x844 too:
// starts `tailor serve` on a fresh folder with known keys, sends a few events, drives Debian's
// Chromium. Run after `npm run build`: node scripts/dashboard-screenshots.js
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
    [join(ROOT, 'packages/server/bin/tailor.js'), 'serve', '--port', String(PORT), '--data', dir],
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

async function sendEvents() {
  const at = (day, hour) => `2026-11-${String(day).padStart(2, '0')}T${hour}:00:00.000Z`;
  const batch = [
    { type: 'page', anonymousId: 'anon-7', name: 'Home', timestamp: at(20, '09') },
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

async function shoot(browser, viewport, suffix) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${ORIGIN}/`);
  await page.getByLabel('API key').fill(ADMIN_KEY);
  if (suffix === '') await page.screenshot({ path: join(OUT, 'dashboard-sign-in.png') });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Events in the log').waitFor();
  if (suffix === '') await page.screenshot({ path: join(OUT, 'dashboard-overview.png') });
  await page.locator('input[type="search"]').fill(EMAIL);
  await page.locator('input[type="search"]').press('Enter');
  await page.getByRole('table', { name: /Events/ }).waitFor();
  await page.screenshot({ path: join(OUT, `dashboard-profile${suffix}.png`), fullPage: true });
  await context.close();
}

const dir = mkdtempSync(join(tmpdir(), 'tailor-screenshots-'));
mkdirSync(OUT, { recursive: true });
const server = await startServer(dir);
try {
  await sendEvents();
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
