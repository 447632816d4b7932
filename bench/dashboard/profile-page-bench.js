// The dashboard's profile page for a person with 10,000 events (issue 20: "renders in under
// 1 s"), against a reference measured in the same run: the same page for a person with 10 events.
// The page asks for one page of 50 events, so the two should take about as long (ratio near 1);
// a page that read every event would grow with them.
//
// Starts `tailor serve` on a fresh folder, sends the events through POST /v1/batch, waits until
// they are folded, then in Debian's Chromium (playwright-core) signs in once and, for each round,
// searches each person by email and times from Enter until the profile is drawn: the traits, the
// first page of events, the segments and the merges, nothing left loading.
// Run after `npm run build` (it serves packages/web/dist): node bench/dashboard/profile-page-bench.js
// Env: BENCH_EVENTS (10000), BENCH_ROUNDS (7).
import { chromium } from 'playwright-core';
import { ADMIN_KEY, serveTailor, WRITE_KEY } from '../support/serve-tailor.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const BUSY = 'busy@example.com';
const FEW = 'few@example.com';

async function send(url, batch) {
  const response = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  });
  const answer = await response.json();
  if (!response.ok || answer.rejected?.length > 0) throw new Error(JSON.stringify(answer));
}

/** A person with `count` events: an identify with their email, then product views, then a marker. */
async function sendPerson(url, userId, email, count) {
  await send(url, [{ type: 'identify', userId, traits: { email, name: userId, plan: 'pro' } }]);
  for (let sent = 1; sent < count - 1; sent += 1000) {
    const size = Math.min(1000, count - 1 - sent);
    await send(
      url,
      Array.from({ length: size }, (_, i) => ({
        type: 'track',
        userId,
        event: 'Product Viewed',
        properties: { sku: `SKU-${sent + i}`, price: (sent + i) % 90 },
      })),
    );
  }
  await send(url, [{ type: 'identify', userId, traits: { loaded: true } }]);
}

/** Folded once the last identify's trait shows (the pipeline folds in log order). */
async function waitFolded(url, userId) {
  for (let i = 0; i < 1200; i += 1) {
    const response = await fetch(`${url}/v1/profiles?identifier=userId:${userId}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    if (response.ok && (await response.json()).traits.loaded === true) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${userId} was never folded`);
}

async function timeProfile(page, email) {
  const box = page.locator('input[type="search"]');
  // From another page, so the profile is drawn afresh each time.
  await page.evaluate(() => {
    location.hash = '#/';
  });
  await page.getByText('Events in the log').waitFor();
  await box.fill(email);
  const start = performance.now();
  await box.press('Enter');
  await page.getByRole('table', { name: 'Traits' }).waitFor();
  await page
    .getByRole('table', { name: /Events/ })
    .locator('tbody tr')
    .first()
    .waitFor();
  await page.waitForFunction(() => !document.querySelector('main .status'));
  const ms = performance.now() - start;
  const rows = await page
    .getByRole('table', { name: /Events/ })
    .locator('tbody tr')
    .count();
  return { ms, rows };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const server = await serveTailor('tailor-dashboard-bench-');
try {
  const loadStart = performance.now();
  await sendPerson(server.url, 'u-busy', BUSY, EVENTS);
  await sendPerson(server.url, 'u-few', FEW, 10);
  await waitFolded(server.url, 'u-busy');
  await waitFolded(server.url, 'u-few');
  console.log(
    `${EVENTS + 10} events sent and folded in ${Math.round(performance.now() - loadStart)} ms`,
  );
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/`);
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Events in the log').waitFor();
    const busy = [];
    const few = [];
    // A first visit of each warms the server's and the browser's caches; not counted.
    await timeProfile(page, BUSY);
    await timeProfile(page, FEW);
    for (let round = 0; round < ROUNDS; round += 1) {
      const a = await timeProfile(page, BUSY);
      const b = await timeProfile(page, FEW);
      if (a.rows !== 50) throw new Error(`the busy person's page showed ${a.rows} events`);
      busy.push(a.ms);
      few.push(b.ms);
    }
    const fmt = (values) => values.map((v) => Math.round(v)).join(' / ');
    console.log(
      `profile with ${EVENTS} events, ms: ${fmt(busy)} (median ${Math.round(median(busy))})`,
    );
    console.log(
      `reference, profile with 10 events, ms: ${fmt(few)} (median ${Math.round(median(few))})`,
    );
    console.log(`ratio (median ${EVENTS} / median 10): ${(median(busy) / median(few)).toFixed(2)}`);
    console.log(
      `slowest with ${EVENTS} events: ${Math.round(Math.max(...busy))} ms (target < 1000)`,
    );
  } finally {
    await browser.close();
  }
} finally {
  await server.stop();
}
