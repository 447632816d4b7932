import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// The dashboard's funnel and retention pages end to end (issue 20): events with fixed times sent
// through the API, the reports' figures read back from the tables (worked out by hand below),
// the charts drawn, the API's refusals shown; in Debian's Chromium with axe-core.

const VIEWER_KEY = 'reports-viewer-key-0001';

let t: TestTailor;

const track = (userId: string, event: string, day: string, hour = 10) => ({
  type: 'track',
  userId,
  event,
  timestamp: `2026-11-${day}T${String(hour).padStart(2, '0')}:00:00.000Z`,
});

const ui = dashboardBrowser(async () => {
  t = await startTestTailor();
  await t.tailor.keys.create('reports-viewer', 'viewer', new Date(), VIEWER_KEY);
  await t.collect([
    // Cohort of the week of Monday 2 November: a, b, c.
    track('a', 'Signed Up', '03'),
    track('b', 'Signed Up', '03'),
    track('c', 'Signed Up', '04'),
    // Cohort of the week of Monday 9 November: d, e.
    track('d', 'Signed Up', '10'),
    track('e', 'Signed Up', '10'),
    // Pricing seen by a, b, d (an hour after signing up for a and b, two for d).
    track('a', 'Pricing Viewed', '03', 11),
    track('b', 'Pricing Viewed', '03', 11),
    track('d', 'Pricing Viewed', '10', 12),
    // Orders: a in weeks 1 and 2 after signing up, b in week 1; d in week 1.
    track('a', 'Order Completed', '10'),
    track('b', 'Order Completed', '11'),
    track('a', 'Order Completed', '18'),
    track('d', 'Order Completed', '17', 8),
  ]);
  return t;
});

async function open(key: string, hash: string): Promise<Page> {
  const page = await ui.open(key, hash);
  // A step that cannot happen fails with what it waited for, inside the test's time.
  page.setDefaultTimeout(10_000);
  return page;
}

const cells = (page: Page, table: string) =>
  page
    .getByRole('table', { name: table })
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent)),
    );

describe('the funnel page', () => {
  it('counts each step, draws them, and keeps the report in the URL', async () => {
    const page = await open(ADMIN_KEY, '#/funnel');
    await page
      .getByLabel('Steps (one event a line)')
      .fill('Signed Up\nPricing Viewed\nOrder Completed');
    await page.getByRole('button', { name: 'Run report' }).click();
    await page.getByRole('table', { name: 'Funnel' }).waitFor();
    // 5 signed up; a, b, d saw pricing (after 1, 1 and 2 hours: median 1 h); a, b, d ordered
    // within 30 days (6 d 23 h, 7 d 23 h and 6 d 20 h after pricing: median 6.96 d).
    expect(await cells(page, 'Funnel')).toEqual([
      ['1. Signed Up', '5', '100.0 %', '100.0 %', '0', '–'],
      ['2. Pricing Viewed', '3', '60.0 %', '60.0 %', '2', '1.0 h'],
      ['3. Order Completed', '3', '60.0 %', '100.0 %', '0', '7.0 d'],
    ]);
    await expect.poll(() => page.locator('.recharts-bar-rectangle').count()).toBe(3);
    expect(page.url()).toContain(
      '#/funnel?step=Signed+Up&step=Pricing+Viewed&step=Order+Completed',
    );
    expect(await seriousViolations(page), 'funnel').toEqual([]);

    // A window of 6.99 days from signing up: d's order (6 d 22 h after) is in it, a's and b's
    // (7 and 8 days after) are not.
    await page.getByLabel('Window (days, optional)').fill('6.99');
    await page.getByRole('button', { name: 'Run report' }).click();
    await expect.poll(async () => (await cells(page, 'Funnel').catch(() => []))[2]?.[1]).toBe('1');

    // Reloaded from its URL, the same report.
    await page.reload();
    await page.getByRole('table', { name: 'Funnel' }).waitFor();
    expect(await page.getByLabel('Window (days, optional)').inputValue()).toBe('6.99');
    expect((await cells(page, 'Funnel'))[2]?.[1]).toBe('1');
  });

  it('shows the API’s refusal, and an event nobody did', async () => {
    const page = await open(ADMIN_KEY, '#/funnel?step=Signed+Up&order=ordered');
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^The report was refused: .*steps/);
    expect(await seriousViolations(page), 'funnel refused').toEqual([]);
    await page.evaluate(`location.hash = '#/funnel?step=Nothing&step=Signed+Up'`);
    await expect.poll(() => page.locator('main').innerText()).toContain('Nobody did “Nothing”');
  });
});

describe('the retention page', () => {
  it('shows each cohort’s rates and the curve over them', async () => {
    const page = await open(ADMIN_KEY, '#/retention');
    await page.getByLabel('Start event').fill('Signed Up');
    await page.getByLabel('Return event (optional)').fill('Order Completed');
    await page.getByLabel('Periods after the first (optional)').fill('3');
    await page.getByRole('button', { name: 'Run report' }).click();
    const table = page.getByRole('table', { name: 'Cohorts' });
    await table.waitFor();
    const rows = await cells(page, 'Cohorts');
    // Week 1 after: a and b of 3, d of 2; week 2: a of 3; nobody after.
    // Period 0 is the cohort itself (100 %, as the API counts it).
    expect(rows).toEqual([
      ['2026-11-02', '3', '100 %', '67 %', '33 %', '0 %'],
      ['2026-11-09', '2', '100 %', '50 %', '0 %', '0 %'],
    ]);
    expect(await page.locator('main').innerText()).toContain('5 people in 2 cohorts.');
    await expect.poll(() => page.locator('.recharts-line-curve').count()).toBe(1);
    expect(page.url()).toContain(
      '#/retention?start=Signed+Up&return=Order+Completed&period=week&periods=3',
    );
    expect(await seriousViolations(page), 'retention').toEqual([]);
  });

  it('shows the API’s refusal, and lets a viewer run it at 390 px', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/retention?start=Signed+Up&period=week&periods=99');
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^The report was refused: .*periods/);
    await page.evaluate(`location.hash = '#/retention?start=Signed+Up&period=month&periods=2'`);
    await page.getByRole('table', { name: 'Cohorts' }).waitFor();
    expect(await page.locator('main button').allInnerTexts()).toEqual(['Run report']);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'retention at 390 px, viewer').toEqual([]);
  });
});
