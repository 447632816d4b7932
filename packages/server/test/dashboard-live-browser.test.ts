import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ActivityResult, StoredMessage } from '@tailor/core';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// The dashboard's live events page and the overview's events over time and top events (issue
// 20), end to end: events sent through collection, read in Debian's Chromium with axe-core, each
// figure compared with the API's answer and with the messages sent.

const VIEWER_KEY = 'live-viewer-key-0001';
const NOW = Date.UTC(2026, 11, 6, 10, 17, 42);
const MINUTE = 60_000;

/** 61 events over the last hour, newest last: views and orders by five people, one identify. */
function sent(): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [
    {
      type: 'identify',
      userId: 'u1',
      traits: { email: 'ann@example.com', plan: 'pro' },
      messageId: 'm-identify',
      timestamp: new Date(NOW - 59 * MINUTE).toISOString(),
    },
  ];
  for (let i = 0; i < 60; i++)
    events.push({
      type: i % 10 === 9 ? 'page' : 'track',
      userId: `u${String(i % 5)}`,
      ...(i % 10 === 9
        ? { name: 'Pricing' }
        : { event: i % 3 === 0 ? 'Order Completed' : 'Product Viewed' }),
      properties: { i },
      messageId: `m-${String(i)}`,
      timestamp: new Date(NOW - (59 - i) * MINUTE).toISOString(),
    });
  return events;
}
const SENT = sent();

let t: TestTailor;
let now = NOW;
const ui = dashboardBrowser(async () => {
  t = await startTestTailor({}, () => now);
  await t.tailor.keys.create('live-viewer', 'viewer', new Date(), VIEWER_KEY);
  await t.collect(SENT);
  return t;
});

async function open(key: string, hash: string): Promise<Page> {
  const page = await ui.open(key, hash);
  page.setDefaultTimeout(15_000);
  return page;
}

const rowsOf = (page: Page) =>
  page.getByRole('region', { name: 'Live events table' }).locator('tbody tr');

describe('the live events page', () => {
  it('shows the newest first, opens a whole message, pages back and follows what arrives', async () => {
    const page = await open(ADMIN_KEY, '#/events');
    await rowsOf(page).first().waitFor();
    // The first row is the last event sent, then back one a row.
    const first = await rowsOf(page).allInnerTexts();
    expect(first).toHaveLength(50);
    expect(first[0]).toMatch(/^2026-12-06 10:17:42\s+page\s+Pricing\s+u4\s+key:test-write$/);
    expect(first[1]).toMatch(
      /^2026-12-06 10:16:42\s+track\s+Product Viewed\s+u3\s+key:test-write$/,
    );
    expect(first[8]).toMatch(
      /^2026-12-06 10:09:42\s+track\s+Order Completed\s+u1\s+key:test-write$/,
    );
    expect(await seriousViolations(page), 'live events').toEqual([]);

    // The whole message, as the API answers it to an admin.
    await page.getByRole('button', { name: 'Pricing' }).first().click();
    const detail = page.getByRole('region', { name: /^Message m-59$/ });
    await detail.waitFor();
    const json = JSON.parse(await detail.locator('pre').innerText()) as StoredMessage;
    const [fromApi] = (await t.admin('GET', '/v1/events?limit=1')).json<{
      events: StoredMessage[];
    }>().events;
    expect(json).toEqual(fromApi);
    expect(json).toMatchObject({ messageId: 'm-59', type: 'page', name: 'Pricing' });

    // Older: the remaining 11, the identify last with its email in full.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => page.locator('main').innerText()).toContain('Page 2');
    await expect.poll(async () => (await rowsOf(page).allInnerTexts()).length).toBe(11);
    expect((await rowsOf(page).allInnerTexts()).at(-1)).toMatch(/identify\s+identify\s+u1/);
    expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'identify' }).click();
    await expect.poll(() => page.locator('pre.json').innerText()).toContain('ann@example.com');

    // Back to the newest and following: an event sent now shows at the top.
    await page.getByRole('button', { name: 'Newest' }).click();
    await page.getByRole('button', { name: 'Follow live' }).click();
    await rowsOf(page).first().waitFor();
    now = NOW + 30_000;
    await t.collect([{ type: 'track', userId: 'u9', event: 'Signed Up', messageId: 'm-new' }]);
    await expect
      .poll(() => rowsOf(page).first().innerText(), { timeout: 15_000 })
      .toMatch(/track\s+Signed Up\s+u9/);
    expect(await rowsOf(page).count()).toBe(50);
  });

  it('filters by type, event, person and source, with the filters in the address', async () => {
    const page = await open(ADMIN_KEY, '#/events');
    await rowsOf(page).first().waitFor();
    await page.getByLabel('Event or page name').fill('Order Completed');
    await page.getByRole('textbox', { name: 'Person', exact: true }).fill('u3');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(() => page.evaluate<string>('location.hash'))
      .toBe('#/events?event=Order+Completed&userId=u3');
    const expected = SENT.filter((m) => m.event === 'Order Completed' && m.userId === 'u3');
    expect(expected).toHaveLength(4);
    await expect.poll(async () => (await rowsOf(page).allInnerTexts()).length).toBe(4);
    for (const row of await rowsOf(page).allInnerTexts())
      expect(row).toMatch(/track\s+Order Completed\s+u3\s+key:test-write$/);

    // Reloaded, the page reads the same filters from the address; the type and source too.
    await page.evaluate(
      `location.hash = '#/events?type=page&source=' + encodeURIComponent('key:test-write')`,
    );
    await page.reload();
    await rowsOf(page).first().waitFor();
    expect(await page.getByLabel('Type').inputValue()).toBe('page');
    expect(await page.getByLabel('Source').inputValue()).toBe('key:test-write');
    expect(await rowsOf(page).count()).toBe(6);
    await page.getByLabel('Source').fill('key:nobody');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(() => page.locator('main').innerText())
      .toContain('No event matches these filters.');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.evaluate<string>('location.hash')).toBe('#/events');
    expect(await seriousViolations(page), 'live events filtered').toEqual([]);
  });

  it("shows the API's refusal of a filter", async () => {
    const page = await open(ADMIN_KEY, `#/events?event=${'x'.repeat(1100)}`);
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .first()
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^The events could not be read: .*event/);
    expect(await seriousViolations(page), 'a refused filter').toEqual([]);
  });

  it('shows a viewer personal data masked, at 390 px', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/events?type=identify');
    await rowsOf(page).first().waitFor();
    expect(await page.locator('main').innerText()).toContain(
      'Personal data is masked for a viewer key.',
    );
    await page.getByRole('button', { name: 'identify' }).click();
    const json = JSON.parse(await page.locator('pre.json').innerText()) as StoredMessage;
    expect(json.traits).toMatchObject({ email: '[masked]', plan: 'pro' });
    expect(await page.locator('main').innerText()).not.toContain('ann@example.com');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'live events at 390 px, viewer').toEqual([]);
  });
});

describe("the overview's events over time and top events", () => {
  async function activity(window: string): Promise<ActivityResult> {
    const res = await t.admin('GET', `/v1/reports/activity?window=${window}&top=10`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  it('draws the last hour per minute with its table and the top events as the API counts them', async () => {
    const page = await open(ADMIN_KEY, '#/');
    const top = page.getByRole('table', { name: /most frequent events/ });
    await top.waitFor();
    const hour = await activity('hour');
    expect(hour.total).toBeGreaterThan(50);
    await expect
      .poll(() => page.locator('main').innerText())
      .toContain(`${hour.total.toLocaleString('en')} events in the last hour, per minute`);
    expect(await top.locator('tbody tr').allInnerTexts()).toEqual(
      hour.top.map(
        (r) =>
          `${r.event}\t${r.events.toLocaleString('en')}\t${((r.events / hour.total) * 100).toFixed(1)} %`,
      ),
    );
    // A bar a minute with any event, the chart library fetched for it.
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    expect(await page.locator('.recharts-bar-rectangle').count()).toBe(
      hour.buckets.filter((b) => b.events > 0).length,
    );
    await page.getByText('The counts as a table').click();
    const counts = page.getByRole('region', { name: 'Events over time table' }).locator('tbody tr');
    expect(await counts.count()).toBe(60);
    expect(await counts.last().innerText()).toBe(
      `${hour.buckets[59]?.at.slice(0, 16).replace('T', ' ') ?? ''}\t${String(hour.buckets[59]?.events ?? 0)}`,
    );
    expect(await seriousViolations(page), 'overview').toEqual([]);

    // The last week, per hour.
    await page.getByLabel('Window').selectOption('week');
    const week = await activity('week');
    await expect
      .poll(() => page.locator('main').innerText())
      .toContain(`${week.total.toLocaleString('en')} events in the last week, per hour`);
    await page.getByText('The counts as a table').click();
    await expect.poll(() => counts.count()).toBe(168);

    // A top event opens the live events filtered by it.
    await page.getByRole('link', { name: 'Order Completed' }).click();
    await expect
      .poll(() => page.evaluate<string>('location.hash'))
      .toBe('#/events?type=track&event=Order+Completed');
    await rowsOf(page).first().waitFor();
    for (const row of await rowsOf(page).allInnerTexts()) expect(row).toContain('Order Completed');
  });

  it('fits a 390 px screen for a viewer', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/');
    await page.getByRole('table', { name: /most frequent events/ }).waitFor();
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'overview at 390 px, viewer').toEqual([]);
  });
});
