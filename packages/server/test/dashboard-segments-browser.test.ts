import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// The dashboard's segments and computed traits pages end to end (issue 20): definitions saved
// through the API and the page's editor, members paged, the segment language's refusals shown at
// their position, in Debian's Chromium; accessibility checked with axe-core injected into the page.

const VIEWER_KEY = 'segments-viewer-key-0001';
const MARKETER_KEY = 'segments-marketer-key-0001';

let t: TestTailor;

async function define(base: string, name: string, definition: string): Promise<void> {
  const res = await t.app.inject({
    method: 'PUT',
    url: `/v1/${base}/${name}`,
    headers: { authorization: t.adminAuth },
    payload: { definition },
  });
  expect(res.statusCode, res.body).toBe(200);
}

const ui = dashboardBrowser(async () => {
  t = await startTestTailor();
  await t.tailor.keys.create('segments-viewer', 'viewer', new Date(), VIEWER_KEY);
  await t.tailor.keys.create('segments-marketer', 'marketer', new Date(), MARKETER_KEY);
  await define('segments', 'pro', 'traits.plan = "pro"');
  await define('segments', 'free', 'traits.plan = "free"');
  await define('computed-traits', 'orders_30d', 'count("Order Completed", 30d)');
  // 60 people on pro (two pages of 50), 5 on free.
  await t.collect(
    Array.from({ length: 65 }, (_, i) => ({
      type: 'identify',
      userId: `member-${String(i).padStart(2, '0')}`,
      traits: { plan: i < 60 ? 'pro' : 'free' },
    })),
  );
  return t;
});
const open = ui.open;

const bodyText = (page: Page) => page.locator('body').innerText();

describe('the segments pages', () => {
  it('lists segments and computed traits, and pages through a segment’s members', async () => {
    const page = await open(ADMIN_KEY, '#/segments');
    const segments = page.getByRole('table', { name: 'Segments' });
    await segments.waitFor();
    expect(await segments.innerText()).toMatch(/free[\s\S]*pro/);
    expect(await segments.innerText()).toContain('traits.plan = "pro"');
    const computed = page.getByRole('table', { name: 'Computed traits' });
    await expect.poll(() => computed.innerText()).toContain('orders_30d');
    expect(await seriousViolations(page), 'segments list').toEqual([]);

    await segments.getByRole('link', { name: 'pro' }).click();
    await expect.poll(() => bodyText(page)).toContain('60 people in the segment now');
    const members = page.locator('ul.members li');
    expect(await members.count()).toBe(50);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => bodyText(page)).toContain('Page 2');
    await expect.poll(() => members.count()).toBe(10);
    expect(await seriousViolations(page), 'segment page').toEqual([]);

    // A member opens that person's profile.
    await members.first().getByRole('link').click();
    await expect
      .poll(() => page.getByRole('table', { name: 'Traits' }).innerText())
      .toContain('pro');
  });

  it('shows a refused definition’s error at its position, then saves the corrected one', async () => {
    const page = await open(MARKETER_KEY, '#/segments');
    await page.getByRole('button', { name: 'New segment' }).click();
    await page.getByLabel('Name').fill('big_spenders');
    const definition = page.getByRole('textbox', { name: 'Definition' });
    await definition.fill('traits.plan = "pro" and count("Order Completed", 30d) >=');
    await page.getByRole('button', { name: 'Save segment' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.innerText()).toMatch(/Not saved: .+\(line 1, column \d+\)/);
    // The mark sits where the server said, and the cursor is put there.
    const position = Number(/column (\d+)/.exec(await alert.innerText())?.[1]) - 1;
    expect(await alert.locator('pre.error-at').innerText()).toContain(
      'traits.plan = "pro" and count("Order Completed", 30d) >=',
    );
    const selectionStart = await definition.evaluate(
      // The server's tests have no DOM library: the textarea is read as the object it is.
      (area) => (area as unknown as { selectionStart: number }).selectionStart,
    );
    expect(selectionStart).toBe(position);
    expect(await definition.getAttribute('aria-invalid')).toBe('true');
    expect(await seriousViolations(page), 'editor with an error').toEqual([]);
    // Nothing was saved.
    const missing = await t.app.inject({
      url: '/v1/segments/big_spenders',
      headers: { authorization: t.adminAuth },
    });
    expect(missing.statusCode).toBe(404);

    await definition.fill('traits.plan = "pro" and count("Order Completed", 30d) >= 1');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Segment big_spenders');
    await expect.poll(() => bodyText(page)).toContain('0 people in the segment now');
    const saved = await t.app.inject({
      url: '/v1/segments/big_spenders',
      headers: { authorization: t.adminAuth },
    });
    expect(saved.json()).toMatchObject({ version: 1 });

    // Edited in place: the version goes up.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('textbox', { name: 'Definition' }).fill('traits.plan = "free"');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await expect.poll(() => bodyText(page)).toContain('Version 2');
    // The page follows the backfill (the test's server runs it when told), then reads the members.
    await expect.poll(() => bodyText(page)).toContain('Re-evaluating every profile: 0 of 65');
    await t.tailor.pipeline.catchUp();
    await expect
      .poll(() => bodyText(page), { timeout: 10_000 })
      .toContain('Every profile re-evaluated (65)');
    await expect
      .poll(() => bodyText(page), { timeout: 5_000 })
      .toContain('5 people in the segment now');
  });

  it('estimates the size while typing, debounced, and shows the language’s error at its position', async () => {
    const page = await open(MARKETER_KEY, '#/segments');
    const asked: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/v1/segments/estimate')) asked.push(request.postData() ?? '');
    });
    await page.getByRole('button', { name: 'New segment' }).click();
    const estimate = page.getByRole('status', { name: 'Size estimate' });
    await expect.poll(() => estimate.innerText()).toContain('Type a condition');
    const typed = 'traits.plan = "pro"';
    await page.getByRole('textbox', { name: 'Definition' }).pressSequentially(typed, { delay: 15 });
    // 60 of the 65 people are on pro: few enough to count every one.
    await expect.poll(() => estimate.innerText()).toContain('60 people (92 % of 65)');
    expect(await estimate.innerText()).toContain('Every profile counted');
    // One request once typing paused, not one per key (a loaded machine may pause once or twice).
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked.length).toBeLessThan(typed.length / 2);
    expect(JSON.parse(asked[asked.length - 1] ?? '{}')).toEqual({ definition: typed });
    expect(await seriousViolations(page), 'editor with an estimate').toEqual([]);

    // A definition the language refuses: the reason at its line and column, the character marked.
    await page
      .getByRole('textbox', { name: 'Definition' })
      .fill('traits.plan = "pro" and\n  count(');
    await expect.poll(() => estimate.innerText()).toMatch(/No estimate: .+\(line 2, column 9\)/);
    expect(await estimate.locator('pre.error-at mark').innerText()).toBe(' ');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await seriousViolations(page), 'editor with an estimate refused').toEqual([]);

    // Editing a segment sends its name: a reference to itself is the cycle saving would refuse.
    await page.evaluate(`location.hash = '#/segments/free'`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await expect.poll(() => estimate.innerText()).toContain('5 people (7.7 % of 65)');
    await page.getByRole('textbox', { name: 'Definition' }).fill('in_segment("free")');
    await expect.poll(() => estimate.innerText()).toMatch(/No estimate: .*(cycle|itself)/);
  });

  it('shows a viewer the segments with no editing buttons', async () => {
    const page = await open(VIEWER_KEY, '#/segments/pro');
    await expect.poll(() => bodyText(page)).toContain('60 people in the segment now');
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    await page.evaluate(`location.hash = '#/segments'`);
    await page.getByRole('table', { name: 'Segments' }).waitFor();
    expect(await page.getByRole('button', { name: /^New / }).count()).toBe(0);
    await page.evaluate(`location.hash = '#/computed-traits/orders_30d'`);
    await expect.poll(() => bodyText(page)).toContain('count("Order Completed", 30d)');
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
  });

  it('says so when a segment does not exist', async () => {
    const page = await open(ADMIN_KEY, '#/segments/nobody-here');
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toContain('could not be read: no segment nobody-here');
    expect(await seriousViolations(page), 'missing segment').toEqual([]);
  });

  it('fits a 390 px wide phone screen, the editor open, without sideways scrolling', async () => {
    await ui.resize(390, 844);
    const page = await open(ADMIN_KEY, '#/segments');
    await page.getByRole('table', { name: 'Segments' }).waitFor();
    await page.getByRole('button', { name: 'New segment' }).click();
    await page.getByLabel('Name').fill('broken');
    await page.getByRole('textbox', { name: 'Definition' }).fill('traits.plan = = "pro"');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('alert').locator('pre.error-at').waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'segments at 390 px').toEqual([]);
    await page.evaluate(`location.hash = '#/segments/pro'`);
    await expect.poll(() => bodyText(page)).toContain('60 people');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'segment at 390 px').toEqual([]);
  });
});
