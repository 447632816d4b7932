import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';
import { SHOP_CLOCK, SHOP_EVENTS } from './support/recommendation-shop.js';

// The recommender page's editor (issues 17 and 20): a recommender turned into a blend with
// weights, a cap per category and a boost from the page, saved through PUT /v1/recommenders/NAME,
// trained, and its list for a chosen person read back; refusals at their fields; a viewer reads
// the settings and cannot edit. In Debian's Chromium with axe-core.

const MARKETER_KEY = 'blend-marketer-key-0001';
const VIEWER_KEY = 'blend-viewer-key-0001';
const clock = SHOP_CLOCK;

let t: TestTailor;

/**
 * u1-u3 ordered a with b; u4-u8 viewed x (u4, u5 also y); Alice viewed a. Popularity: x 5, a 4,
 * b 3, y 2. a and b are shoes, x and y hats; y is the House brand. For Alice (a left out),
 * item-kNN ranks b alone (x and y have no opinion from it) and popularity x, b, y: fused with
 * weights 1 and 0.5, b (1/61 + 0.5/62) before x (0.5/61) before y (0.5/63). A boost of 3 on
 * House lifts y (1.5/63) above x; one per category then keeps b and y.
 */
const SHOP = [...SHOP_EVENTS];

const ui = dashboardBrowser(async () => {
  t = await startTestTailor({}, () => clock);
  await t.tailor.keys.create('blend-marketer', 'marketer', new Date(), MARKETER_KEY);
  await t.tailor.keys.create('blend-viewer', 'viewer', new Date(), VIEWER_KEY);
  await t.collect(SHOP);
  const catalog = await t.admin('PUT', '/v1/catalog/items', [
    { id: 'a', name: 'Runner', category: 'shoes', brand: 'Fleet' },
    { id: 'b', name: 'Trail', category: 'shoes', brand: 'Fleet' },
    { id: 'x', name: 'Cap', category: 'hats', brand: 'Crown' },
    { id: 'y', name: 'Beanie', category: 'hats', brand: 'House' },
  ]);
  expect(catalog.statusCode, catalog.body).toBe(200);
  for (const name of ['mix', 'spare']) {
    const put = await t.admin('PUT', `/v1/recommenders/${name}`, { method: 'item-knn' });
    expect(put.statusCode, put.body).toBe(200);
  }
  return t;
});

async function open(key: string, hash: string): Promise<Page> {
  const page = await ui.open(key, hash);
  page.setDefaultTimeout(15_000);
  return page;
}

const settings = (page: Page) => page.getByRole('table', { name: 'Settings' });
const main = (page: Page) => page.locator('main');

describe('the recommender editor', () => {
  it('turns a recommender into a blend with rules, saves it, and the list follows', async () => {
    const page = await open(MARKETER_KEY, '#/recommenders/mix');
    await expect.poll(() => settings(page).innerText()).toContain('item-knn');
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Method', { exact: true }).selectOption('blend');
    // A blend starts from EASE and content: made item-kNN and popularity at 1 and 0.5.
    await page.getByLabel('Method 1').selectOption('item-knn');
    await page.getByLabel('Method 2').selectOption('popularity');
    await page.getByLabel('Weight 2').fill('0.5');
    expect(
      await page.getByRole('group', { name: 'Nearest-neighbour index (content)' }).count(),
    ).toBe(0);
    await page.getByLabel('At most per category').fill('1');
    await page.getByRole('button', { name: 'Add a boost' }).click();
    await page.getByLabel('Boost 1 value', { exact: true }).fill('House');
    await page.getByLabel('Boost 1 factor').fill('3');
    expect(await seriousViolations(page), 'the editor').toEqual([]);
    await page.getByRole('button', { name: 'Save recommender' }).click();
    await expect.poll(() => main(page).innerText()).toContain('Saved as version 2.');
    const saved = await settings(page).innerText();
    expect(saved).toContain('item-knn × 1, popularity × 0.5');
    expect(saved).toMatch(/At most per category\s+1/);
    expect(saved).toContain('brand = "House" × 3');

    // What the API stored is what the form showed.
    const stored = await t.admin('GET', '/v1/recommenders/mix');
    expect(stored.json()).toMatchObject({
      method: 'blend',
      blend: [{ method: 'item-knn' }, { method: 'popularity', weight: 0.5 }],
      rules: { maxPerCategory: 1, boosts: [{ field: 'brand', value: 'House', factor: 3 }] },
      version: 2,
    });
    expect(stored.json()).not.toHaveProperty('hnsw');

    // Trained for the new version, then Alice's list: b and the boosted y, one of each category.
    await page.getByRole('button', { name: 'Train now' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Train now' }).isEnabled()).toBe(true);
    await page.getByLabel('Person', { exact: true }).fill('alice');
    await page.getByRole('button', { name: 'Recommend' }).click();
    const list = page.getByRole('status', { name: 'Recommended items' });
    await expect.poll(() => list.innerText().catch(() => '')).toMatch(/^For alice/);
    expect(await list.locator('li code').allInnerTexts()).toEqual(['b', 'y']);
  });

  it('shows each refusal at its field, the index settings only where they apply', async () => {
    const page = await open(ADMIN_KEY, '#/recommenders/spare');
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Method', { exact: true }).selectOption('blend');
    await page.getByLabel('Weight 2').fill('0');
    await page.getByRole('button', { name: 'Save recommender' }).click();
    const weight = page.getByLabel('Weight 2');
    await expect.poll(() => weight.getAttribute('aria-invalid')).toBe('true');
    const described = (await weight.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${described}"]`).innerText()).toContain(
      'body.blend.1.weight: must be > 0',
    );

    // Content is a part: the index's settings appear, and a refused one is shown at its field.
    await weight.fill('');
    const index = page.getByRole('group', { name: 'Nearest-neighbour index (content)' });
    await index.waitFor();
    await page.getByLabel('Links per item (m)').fill('2');
    await page.getByRole('button', { name: 'Save recommender' }).click();
    await expect
      .poll(() => page.getByLabel('Links per item (m)').getAttribute('aria-invalid'))
      .toBe('true');
    expect(await index.innerText()).toContain('body.hnsw.m: must be >= 4');
    expect(await weight.getAttribute('aria-invalid')).toBe('false');

    // The same method twice: the service's refusal, at the group.
    await page.getByLabel('Links per item (m)').fill('');
    await page.getByLabel('Method 2').selectOption('ease');
    await page.getByRole('button', { name: 'Save recommender' }).click();
    const parts = page.getByRole('group', { name: 'Methods mixed' });
    await expect
      .poll(() =>
        parts
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toContain('blend: a method is mixed once');
    expect(await seriousViolations(page), 'refusals').toEqual([]);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await settings(page).innerText()).toContain('item-knn');
    expect((await t.admin('GET', '/v1/recommenders/spare')).json()).toMatchObject({ version: 1 });
  });

  it('a viewer reads the settings without an editor; the editor fits 390 px', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/recommenders/mix');
    await expect.poll(() => settings(page).innerText()).toContain('What the person had');
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'viewer at 390 px').toEqual([]);

    const editing = await open(MARKETER_KEY, '#/recommenders/mix');
    await editing.getByRole('button', { name: 'Edit' }).click();
    await editing.getByLabel('Boost 1 factor').waitFor();
    await editing.getByLabel('Method 2').selectOption('content');
    await editing.getByLabel('Links per item (m)').waitFor();
    expect(await overflow(editing)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(editing), 'editor at 390 px').toEqual([]);
  });
});
