import type { ClusterModel } from '@tailor/core';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// The dashboard's clusters pages end to end (issues 16 and 20): a clustering defined and trained
// through the API over traits sent through collection, its personas read, charted and renamed
// from the page; in Debian's Chromium with axe-core.

const VIEWER_KEY = 'clusters-viewer-key-0001';
const clock = Date.UTC(2026, 11, 5, 12);

let t: TestTailor;
let model: ClusterModel;

/** 30 big spenders on the pro plan and 30 occasional shoppers on the free one. */
const PEOPLE = Array.from({ length: 60 }, (_, i) => {
  const big = i % 2 === 0;
  return {
    type: 'identify',
    userId: `p${String(i)}`,
    traits: {
      spend: big ? 1000 + i * 7 : 10 + i,
      visits: big ? 20 + (i % 10) : 1 + (i % 3),
      plan: big ? 'pro' : 'free',
    },
    timestamp: new Date(clock).toISOString(),
  };
});

const ui = dashboardBrowser(async () => {
  t = await startTestTailor({}, () => clock);
  await t.tailor.keys.create('clusters-viewer', 'viewer', new Date(), VIEWER_KEY);
  await t.collect(PEOPLE);
  const put = await t.admin('PUT', '/v1/clusterings/shop', {
    features: ['traits.spend', 'traits.visits', 'traits.plan'],
    k: 2,
    scale: 'log-standard',
    unit: 'shoppers',
    description: 'Shoppers by spend, visits and plan.',
  });
  expect(put.statusCode, put.body).toBe(200);
  const trained = await t.admin('POST', '/v1/clusterings/shop/train');
  expect(trained.statusCode, trained.body).toBe(200);
  model = trained.json<ClusterModel>();
  expect(
    (await t.admin('PUT', '/v1/clusterings/later', { features: ['traits.spend'] })).statusCode,
  ).toBe(200);
  return t;
});

async function open(key: string, hash: string): Promise<Page> {
  const page = await ui.open(key, hash);
  page.setDefaultTimeout(15_000);
  return page;
}

const personaRows = (page: Page) =>
  page.getByRole('table', { name: 'Personas' }).locator('tbody tr').allInnerTexts();

describe('the clusters pages', () => {
  it('lists clusterings, shows personas with sizes and a chart of what sets them apart, renames one', async () => {
    const page = await open(ADMIN_KEY, '#/clusters');
    const table = page.getByRole('table', { name: 'Clusterings' });
    await table.waitFor();
    const listed = await table.innerText();
    expect(listed).toMatch(
      /shop\s+spend, visits, plan\s+kmeans, k 2\s+trained .+: k 2, 60 profiles, silhouette/,
    );
    expect(listed).toMatch(/later\s+spend\s+kmeans, k auto\s+not trained yet/);
    await page.getByRole('link', { name: 'shop' }).click();
    await page.getByRole('heading', { name: 'Clustering shop' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('Shoppers by spend, visits and plan.');

    // One row per persona, as the API has them: size, share and description.
    await page.getByRole('table', { name: 'Personas' }).waitFor();
    const rows = await personaRows(page);
    expect(rows).toHaveLength(2);
    for (const [i, cluster] of model.clusters.entries()) {
      expect(rows[i]).toContain('30');
      expect(rows[i]).toContain('50.0 %');
      expect(rows[i]).toContain(cluster.description);
    }
    // The chart: a bar group per feature some persona is set apart by, one series per persona.
    const chart = page.locator('figure.chart');
    await chart.locator('svg.recharts-surface').first().waitFor();
    const traits = new Set(model.clusters.flatMap((c) => c.traits.map((x) => x.feature)));
    const drawn = () =>
      chart
        .locator('svg', { hasText: 'Effect sizes by feature and persona' })
        .textContent()
        .catch(() => '');
    for (const feature of traits) await expect.poll(drawn).toContain(feature);
    for (const { name } of model.features)
      if (!traits.has(name)) expect(await drawn()).not.toContain(name);
    expect(await chart.locator('.recharts-legend-item-text').allTextContents()).toEqual(
      model.clusters.map((c) => c.name),
    );
    expect(await seriousViolations(page), 'clustering with personas').toEqual([]);

    // Renaming: the big spenders' persona; the name then shows in the table and the API.
    const big = model.clusters.find((c) => (c.centroid.spend ?? 0) > 500);
    if (big === undefined) throw new Error('a cluster of big spenders expected');
    const nameBox = page.getByLabel(`Name of persona ${String(big.id)}`);
    await nameBox.fill('big spenders');
    await page
      .getByRole('row')
      .filter({ has: nameBox })
      .getByRole('button', { name: 'Rename' })
      .click();
    await expect
      .poll(
        async () =>
          (await t.admin('GET', '/v1/clusterings/shop/clusters'))
            .json<ClusterModel>()
            .clusters.find((c) => c.id === big.id)?.name,
      )
      .toBe('big spenders');
    await expect
      .poll(() => page.getByLabel(`Name of persona ${String(big.id)}`).inputValue())
      .toBe('big spenders');
    // The other persona may not take the same name: the API's refusal is shown beside it.
    const other = model.clusters.find((c) => c.id !== big.id);
    const otherBox = page.getByLabel(`Name of persona ${String(other?.id)}`);
    await otherBox.fill('big spenders');
    await page
      .getByRole('row')
      .filter({ has: otherBox })
      .getByRole('button', { name: 'Rename' })
      .click();
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/big spenders/);
    expect(await seriousViolations(page), 'rename refused').toEqual([]);
  });

  it('says when a clustering is not trained yet, and when it does not exist', async () => {
    const page = await open(ADMIN_KEY, '#/clusters/later');
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .innerText()
          .catch(() => ''),
      )
      .toBe('No personas yet: the clustering has not been trained.');
    expect(await page.locator('main').innerText()).toContain('not trained yet');
    expect(await seriousViolations(page), 'clustering not trained').toEqual([]);
    await page.evaluate(`location.hash = '#/clusters/nowhere'`);
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^The clustering could not be read: .*nowhere/);
  });

  it('lets a viewer read the personas but neither rename nor train, at 390 px', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/clusters/shop');
    await page.getByRole('table', { name: 'Personas' }).waitFor();
    expect(await personaRows(page)).toHaveLength(2);
    expect(await page.locator('main input').count()).toBe(0);
    expect(await page.locator('main button').count()).toBe(0);
    await page.locator('figure.chart svg.recharts-surface').first().waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'clustering at 390 px, viewer').toEqual([]);
  });
});
