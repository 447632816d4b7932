import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';
import { SHOP_CLOCK, SHOP_EVENTS, shopTime } from './support/recommendation-shop.js';

// The dashboard's recommendations pages end to end (issue 20): a recommender defined and trained
// through the API over orders and views sent through collection, then asked from the page for
// chosen people; in Debian's Chromium with axe-core.

const VIEWER_KEY = 'recommend-viewer-key-0001';
const clock = SHOP_CLOCK;
const at = shopTime;

let t: TestTailor;

/**
 * As recommendations.test.ts has it: u1-u3 ordered a with b; u4-u8 viewed x (u4, u5 also y);
 * Alice viewed a alone. Popularity: x 5, a 4, b 3, y 2. Alice gets b first (the only item seen
 * with a), then x and y by popularity; a stranger gets x a b y.
 */
const SHOP = [
  ...SHOP_EVENTS,
  { type: 'identify', userId: 'alice', traits: { email: 'alice@example.com' }, timestamp: at(12) },
];

const ui = dashboardBrowser(async () => {
  t = await startTestTailor({}, () => clock);
  await t.tailor.keys.create('recommend-viewer', 'viewer', new Date(), VIEWER_KEY);
  await t.collect(SHOP);
  const put = await t.admin('PUT', '/v1/recommenders/shop', {
    method: 'item-knn',
    description: 'Bought or seen together.',
  });
  expect(put.statusCode, put.body).toBe(200);
  const trained = await t.admin('POST', '/v1/recommenders/shop/train');
  expect(trained.statusCode, trained.body).toBe(200);
  return t;
});

async function open(key: string, hash: string): Promise<Page> {
  const page = await ui.open(key, hash);
  page.setDefaultTimeout(15_000);
  return page;
}

async function recommendFor(page: Page, person: string, k = '10'): Promise<string[]> {
  await page.getByLabel('Person', { exact: true }).fill(person);
  await page.getByLabel('How many').fill(k);
  await page.getByRole('button', { name: 'Recommend' }).click();
  const list = page.getByRole('status', { name: 'Recommended items' });
  await expect
    .poll(() => list.innerText().catch(() => ''))
    .toMatch(new RegExp(`^(For|No one is known as) ${person}`));
  return list.locator('li code').allInnerTexts();
}

describe('the recommendations pages', () => {
  it('lists recommenders and recommends for chosen people', async () => {
    const page = await open(ADMIN_KEY, '#/recommenders');
    const table = page.getByRole('table', { name: 'Recommenders' });
    await table.waitFor();
    expect(await table.innerText()).toMatch(
      /shop\s+item-kNN \(cosine\)\s+trained .+: 9 people, 4 items/,
    );
    await page.getByRole('link', { name: 'shop' }).click();
    await page.getByRole('heading', { name: 'Recommender shop' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('Bought or seen together.');

    // Alice, found by email, is asked for by her userId.
    expect(await recommendFor(page, 'alice@example.com')).toEqual(['b', 'x', 'y']);
    expect(await page.getByRole('status', { name: 'Recommended items' }).innerText()).toContain(
      'from what they had',
    );
    // Someone the log does not know: a stranger's list, the popular items.
    expect(await recommendFor(page, 'newcomer', '2')).toEqual(['x', 'a']);
    expect(await page.getByRole('status', { name: 'Recommended items' }).innerText()).toContain(
      'the popular items',
    );
    // Items alone (a product page): what goes with them, none of them.
    await page.getByLabel('Person', { exact: true }).fill('');
    await page.getByLabel('With items').fill('a');
    await page.getByRole('button', { name: 'Recommend' }).click();
    const list = page.getByRole('status', { name: 'Recommended items' });
    await expect
      .poll(() => list.innerText().catch(() => ''))
      .toMatch(/^For nobody in particular with a: what goes with the items given/);
    expect(await list.locator('li code').allInnerTexts()).not.toContain('a');
    await page.getByLabel('With items').fill('');
    expect(await seriousViolations(page), 'recommender with a list').toEqual([]);

    // Trained again from the page: the model line is read again.
    await page.getByRole('button', { name: 'Train now' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Train now' }).isEnabled()).toBe(true);
    expect(await page.locator('main').innerText()).toMatch(/trained .+: 9 people, 4 items/);
  });

  it('shows the API’s refusal, no person given, and a recommender that does not exist', async () => {
    const page = await open(ADMIN_KEY, '#/recommenders/shop');
    await page.getByRole('button', { name: 'Recommend' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toBe('Enter a person (an email, a userId…) or items.');
    await page.getByLabel('Person', { exact: true }).fill('alice');
    await page.getByLabel('How many').fill('500');
    await page.getByRole('button', { name: 'Recommend' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^No recommendations: .*k/);
    expect(await seriousViolations(page), 'recommendations refused').toEqual([]);
    await page.evaluate(`location.hash = '#/recommenders/nowhere'`);
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^The recommender could not be read: .*nowhere/);
  });

  it('lets a viewer ask but not train, at 390 px', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/recommenders/shop');
    expect(await recommendFor(page, 'alice')).toEqual(['b', 'x', 'y']);
    expect(await page.locator('main button').allInnerTexts()).toEqual(['Recommend']);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'recommender at 390 px, viewer').toEqual([]);
  });
});
