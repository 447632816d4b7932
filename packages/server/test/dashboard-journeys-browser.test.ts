import type { Page } from 'playwright-core';
import { describe, expect, it, vi } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';
import { stepCounts } from './support/journey-harness.js';

// The dashboard's journeys page end to end (issue 20): journeys saved through the API, people
// entering them through collection, each step's counts read back by the page in Debian's Chromium;
// accessibility checked with axe-core injected into the page.

const VIEWER_KEY = 'journeys-viewer-key-0001';

let t: TestTailor;

async function putJourney(name: string, body: unknown): Promise<void> {
  const res = await t.app.inject({
    method: 'PUT',
    url: `/v1/journeys/${name}`,
    headers: { authorization: t.adminAuth },
    payload: body as Record<string, unknown>,
  });
  expect(res.statusCode, res.body).toBe(200);
}

const ui = dashboardBrowser(async () => {
  t = await startTestTailor();
  await t.tailor.keys.create('journeys-viewer', 'viewer', new Date(), VIEWER_KEY);
  await putJourney('welcome', {
    entry: { event: 'Signed Up' },
    steps: [
      { wait: '3d' },
      {
        if: 'traits.plan = "pro"',
        then: [{ email: { subject: 'Welcome to Pro', html: '<p>Hello</p>' } }],
        else: [{ wait: '1d' }],
      },
    ],
  });
  await putJourney('winback', {
    entry: { event: 'Subscription Cancelled' },
    goal: { event: 'Subscription Restarted' },
    steps: [{ wait: '7d' }],
  });
  t.tailor.background.start();
  await t.collect([
    ...['ann', 'bob', 'cy'].map((userId) => ({ type: 'track', userId, event: 'Signed Up' })),
    // Dee cancels and comes back while waiting: the goal, reached at the first step.
    { type: 'track', userId: 'dee', event: 'Subscription Cancelled' },
    { type: 'track', userId: 'dee', event: 'Subscription Restarted' },
  ]);
  // Three people wait at the first step.
  await vi.waitFor(
    async () => {
      expect((await t.tailor.journeys.store.stats('welcome'))['0']).toEqual(
        stepCounts({ entered: 3, waiting: 3 }),
      );
      expect((await t.tailor.journeys.store.stats('winback'))['0']).toEqual(
        stepCounts({ entered: 1, done: 1, goal: 1 }),
      );
    },
    { timeout: 20_000, interval: 100 },
  );
  return t;
});

const open = ui.open;

const bodyText = (page: Page) => page.locator('body').innerText();

describe('the journeys page', () => {
  it('shows each journey’s steps with how many entered, wait, went past, left and reached the goal', async () => {
    const page = await open(ADMIN_KEY, '#/journeys');
    const welcome = page.getByRole('table', { name: 'Steps of welcome' });
    await welcome.waitFor();
    const rows = welcome.locator('tbody tr');
    expect(await rows.count()).toBe(4);
    // Entered, waiting, done, left; no goal column for a journey without a goal.
    expect((await rows.nth(0).innerText()).split(/\s+/)).toEqual([
      'Wait',
      '3d',
      '3',
      '3',
      '0',
      '0',
    ]);
    expect(await rows.nth(1).innerText()).toMatch(/If traits\.plan = "pro"\s+0\s+0\s+0/);
    expect(await rows.nth(2).innerText()).toMatch(/then: Email “Welcome to Pro”/);
    expect(await rows.nth(3).innerText()).toMatch(/else: Wait 1d/);
    const winback = page.getByRole('table', { name: 'Steps of winback' });
    expect(await winback.locator('thead').innerText()).toMatch(/Left\s+Goal/);
    expect((await winback.locator('tbody tr').innerText()).split(/\s+/)).toEqual([
      'Wait',
      '7d',
      '1',
      '0',
      '1',
      '0',
      '1',
    ]);
    expect(await bodyText(page)).toContain('Entered on Subscription Cancelled');
    expect(await seriousViolations(page), 'journeys').toEqual([]);
  });

  it('says so when a journey’s counts cannot be read, and shows the others', async () => {
    // The server's answer is replaced, as a store that cannot be read would answer.
    const opened = await open(ADMIN_KEY, '#/journeys');
    await opened.route('**/v1/journeys/winback/stats', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'unavailable', message: 'the journey store is not open' }),
      }),
    );
    await opened.evaluate(`location.hash = '#/'`);
    await opened.evaluate(`location.hash = '#/journeys'`);
    await expect
      .poll(() => opened.getByRole('alert').innerText())
      .toBe('The counts could not be read: the journey store is not open');
    await opened.getByRole('table', { name: 'Steps of welcome' }).waitFor();
    expect(await seriousViolations(opened), 'journeys with an error').toEqual([]);
  });

  it('shows a viewer the journeys and no editing buttons, on a 390 px screen', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/journeys');
    await page.getByRole('table', { name: 'Steps of welcome' }).waitFor();
    expect(await page.locator('main button').count()).toBe(0);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'journeys at 390 px').toEqual([]);
  });
});
