import type { ModelSchedule, ModelVersionInfo } from '@tailor/core';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// The dashboard's models pages end to end (issue 20): a propensity model defined through the
// API, trained and promoted from the page over events sent through collection; the figures shown
// are the API's; in Debian's Chromium with axe-core.

const VIEWER_KEY = 'models-viewer-key-0001';
const DAY = 86_400_000;
const clock = Date.UTC(2026, 10, 29, 12);

let t: TestTailor;

const at = (daysAgo: number) => new Date(clock - daysAgo * DAY).toISOString();
const track = (userId: string, event: string, daysAgo: number) => ({
  type: 'track',
  event,
  userId,
  timestamp: at(daysAgo),
});

/**
 * 80 people: half engaged (6 page views before the cutoff, 31 days ago), half not (1); 8 in 10
 * engaged people order after the cutoff, 2 in 10 of the others.
 */
function shop(): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < 80; i++) {
    const user = `u${String(i)}`;
    const engaged = i % 2 === 0;
    for (let v = 0; v < (engaged ? 6 : 1); v++) events.push(track(user, 'Page Viewed', 32 + v * 3));
    events.push({
      type: 'identify',
      userId: user,
      traits: { plan: i % 3 === 0 ? 'pro' : 'free' },
      timestamp: at(59),
    });
    const k = Math.floor(i / 2) % 10;
    if (engaged ? k < 8 : k < 2) events.push(track(user, 'Order Completed', 10));
  }
  events.push(track('late', 'Page Viewed', 1));
  return events;
}

const ui = dashboardBrowser(async () => {
  t = await startTestTailor({}, () => clock);
  await t.tailor.keys.create('models-viewer', 'viewer', new Date(), VIEWER_KEY);
  await t.collect(shop());
  for (const [name, event] of [
    ['buy', 'Order Completed'],
    ['never', 'Refund Issued'],
  ] as const) {
    const res = await t.admin('PUT', `/v1/models/${name}`, {
      type: 'propensity',
      label: { event, days: 30 },
      fairness: { attribute: 'plan' },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  return t;
});

async function open(key: string, hash: string): Promise<Page> {
  const page = await ui.open(key, hash);
  page.setDefaultTimeout(15_000);
  return page;
}

const KIND = { logistic: 'Logistic regression', trees: 'Gradient-boosted trees' } as const;

const versionsOf = async (name: string) =>
  (await t.admin('GET', `/v1/models/${name}/versions`)).json<{ items: ModelVersionInfo[] }>().items;

describe('the models pages', () => {
  it('trains a model, shows its metrics and calibration, and promotes another version', async () => {
    const page = await open(ADMIN_KEY, '#/models');
    const list = page.getByRole('table', { name: 'Models' });
    await list.waitFor();
    expect(await list.innerText()).toMatch(/buy\s+“Order Completed” within 30 days\s+not trained/);
    await page.getByRole('link', { name: 'buy' }).click();
    await expect.poll(() => page.locator('main').innerText()).toContain('Not trained yet');

    await page.getByRole('button', { name: 'Train a new version' }).click();
    const versions = page.getByRole('table', { name: 'Trained versions' });
    await versions.waitFor();
    const [first] = await versionsOf('buy');
    expect(first?.rows).toBe(80);
    expect(first?.metrics.auc).toBeGreaterThan(0.6);
    expect(await versions.locator('tbody tr').first().innerText()).toMatch(
      new RegExp(
        `^1\\s+\\S+ \\S+\\s+${KIND[first?.metrics.model ?? 'logistic']}\\s+80\\s+${String(first?.positives)}\\s+${first?.metrics.auc.toFixed(3) ?? ''}\\s+${first?.metrics.brier.toFixed(3) ?? ''}\\s+yes$`,
      ),
    );
    const calibration = page.getByRole('table', { name: 'Calibration' });
    expect(await calibration.locator('tbody tr').count()).toBe(first?.metrics.reliability.length);
    await expect.poll(() => page.locator('.recharts-line-curve').count()).toBe(1);
    expect(await seriousViolations(page), 'a trained model').toEqual([]);

    // A second version is not promoted by itself; promoting it from the page makes it score.
    await page.getByRole('button', { name: 'Train a new version' }).click();
    await page.getByRole('button', { name: 'Promote 2' }).waitFor();
    await page.getByRole('button', { name: 'Promote 2' }).click();
    await page.getByRole('button', { name: 'Promote 1' }).waitFor();
    expect((await t.admin('GET', '/v1/models/buy')).json()).toMatchObject({ promoted: 2 });
    expect(await page.getByRole('heading', { level: 2 }).allInnerTexts()).toContain(
      'Version 2: calibration',
    );

    // Fairness by plan, as the version recorded it.
    const second = (await versionsOf('buy'))[1];
    const fairness = page.getByRole('table', { name: 'Fairness' });
    const groups = await fairness.locator('tbody th').allInnerTexts();
    expect(groups.sort()).toEqual(second?.metrics.fairness?.groups.map((g) => g.group).sort());
    expect(await page.locator('main').innerText()).toContain(
      `the four-fifths rule ${second?.metrics.fairness?.fourFifthsRule === true ? 'holds' : 'fails'}`,
    );

    // Drift, on demand: the score's PSI as the API measures it.
    await page.getByRole('button', { name: 'Check drift now' }).click();
    const drift = page.getByRole('table', { name: 'Drift' });
    await drift.waitFor();
    const measured = (await t.admin('GET', '/v1/models/buy/drift')).json<{
      score: { feature: string; psi: number };
    }>();
    expect(await drift.locator('tbody tr').first().innerText()).toMatch(
      new RegExp(`^${measured.score.feature}\\s+${measured.score.psi.toFixed(3)}`),
    );
    expect(await seriousViolations(page), 'fairness and drift').toEqual([]);

    // The kinds compared on the same folds, and the schedule (none, then one).
    const compared = Object.entries(second?.metrics.candidates ?? {})
      .map(([kind, c]) => `${KIND[kind as 'logistic' | 'trees']} AUC ${c.auc.toFixed(3)}`)
      .join(', ');
    expect(await page.locator('main').innerText()).toContain(
      `Compared on the same folds: ${compared}`,
    );
    await expect.poll(() => page.locator('main').innerText()).toContain('No schedule');
    await t.admin('PUT', '/v1/models/buy', {
      type: 'propensity',
      label: { event: 'Order Completed', days: 30 },
      fairness: { attribute: 'plan' },
      schedule: { retrainDays: 7, driftHours: 24, promote: 'never' },
    });
    await page.reload();
    const due = (await t.admin('GET', '/v1/models/buy/schedule')).json<ModelSchedule>();
    await expect
      .poll(() => page.locator('main').innerText())
      .toContain(
        `every 7 days, next due ${due.retrain?.next.slice(0, 16).replace('T', ' ') ?? ''}; a scheduled version is not promoted by itself`,
      );
    expect(await page.locator('main').innerText()).toContain('measured every 24 hours');
    expect(await seriousViolations(page), 'the schedule').toEqual([]);
  });

  it('shows the API’s refusal of a training, and a model that does not exist', async () => {
    const page = await open(ADMIN_KEY, '#/models/never');
    await page.getByRole('button', { name: 'Train a new version' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^Training refused: .+/);
    expect(await seriousViolations(page), 'training refused').toEqual([]);
    await page.evaluate(`location.hash = '#/models/nowhere'`);
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^The model could not be read: .*nowhere/);
  });

  it('shows a viewer the metrics and no editing buttons, at 390 px', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/models/buy');
    await page.getByRole('table', { name: 'Trained versions' }).waitFor();
    // Drift is a read: a viewer may check it; training and promoting are not offered.
    expect(await page.locator('main button').allInnerTexts()).toEqual(['Check drift now']);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'model at 390 px, viewer').toEqual([]);
  });
});
