import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// A segment's size over time on its page (issue 20): counts the upkeep took at several moments
// (the server's clock moved back to them), drawn as a chart with the definition's change marked,
// the same figures as a table, a period to choose; an error and a viewer's read-only page.

const VIEWER_KEY = 'sizes-viewer-key-0001';
const DAY = 86_400_000;
const HOUR = 3_600_000;

let t: TestTailor;
/** The server's clock: moved back while the counts are taken, then the real one. */
let offset = 0;

async function define(name: string, definition: string): Promise<void> {
  const res = await t.app.inject({
    method: 'PUT',
    url: `/v1/segments/${name}`,
    headers: { authorization: t.adminAuth },
    payload: { definition },
  });
  expect(res.statusCode, res.body).toBe(200);
}

const person = (i: number, plan: string) => ({
  type: 'identify',
  userId: `sized-${String(i)}`,
  traits: { plan },
});

const ui = dashboardBrowser(async () => {
  offset = -3 * DAY;
  t = await startTestTailor({}, () => Date.now() + offset);
  await t.tailor.keys.create('sizes-viewer', 'viewer', new Date(), VIEWER_KEY);
  // Three days ago: one person on pro; two days ago, three; 20 hours ago the definition
  // changes to the free plan (version 2), which two people are on.
  await define('pro', 'traits.plan = "pro"');
  await t.collect([person(1, 'pro'), person(2, 'free')]);
  offset = -2 * DAY;
  await t.collect([person(3, 'pro'), person(4, 'pro'), person(5, 'free')]);
  offset = -20 * HOUR;
  await define('pro', 'traits.plan = "free"');
  await t.collect([]);
  offset = 0;
  // A segment never counted: its first count waits for time to pass on the server's clock.
  await define('empty', 'traits.plan = "none"');
  return t;
});
const open = ui.open;

const bodyText = (page: Page) => page.locator('body').innerText();
const sizes = (page: Page) => page.getByRole('region', { name: 'Size over time' });

describe('a segment’s size over time', () => {
  it('draws the counts with the change of definition marked, as a table too, for a chosen period', async () => {
    const page = await open(ADMIN_KEY, '#/segments/pro');
    await expect
      .poll(() => bodyText(page))
      .toContain('3 counts, from 1 person to 3 people; the latest 2 people at');
    const chart = page.locator('figure.chart svg.recharts-surface');
    await chart.first().waitFor();
    expect(await page.locator('figure.chart').innerText()).toContain('v2');
    await page.getByText('The counts as a table').click();
    const rows = page.getByRole('table', { name: "The segment's counts, newest first" });
    await expect
      .poll(async () =>
        (await rows.locator('tbody tr').allInnerTexts()).map((r) => r.split('\t').slice(1)),
      )
      .toEqual([
        ['2', '2'],
        ['3', '1'],
        ['1', '1'],
      ]);
    expect(await seriousViolations(page), 'segment page with its sizes').toEqual([]);

    await page.getByLabel('Period').selectOption({ label: 'Last 24 hours' });
    await expect
      .poll(() => bodyText(page))
      .toContain('1 count, all 2 people; the latest 2 people at');
  });

  it('says when there is no count yet, and shows the API’s refusal as it words it', async () => {
    const page = await open(ADMIN_KEY, '#/segments/empty');
    await expect.poll(() => bodyText(page)).toContain('No count in this period.');
    await page.route('**/v1/segments/pro/sizes?*', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'unavailable', message: 'the database is not answering' }),
      }),
    );
    await page.evaluate('location.hash = "#/segments/pro"');
    await expect
      .poll(() => sizes(page).getByRole('alert').innerText())
      .toContain('The size over time could not be read: the database is not answering');
  });

  it('a viewer reads it (no Edit), and it fits a 390 px screen', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/segments/pro');
    await expect.poll(() => bodyText(page)).toContain('3 counts');
    await page.locator('figure.chart svg.recharts-surface').first().waitFor();
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'phone').toEqual([]);
  });
});
