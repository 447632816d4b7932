import type { ModelScore } from '@tailor/core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// The profile page's model scores (issue 15): each promoted model's score of the person, its
// version and its largest contributions, as GET /v1/profiles/ID?explain=true gives them; in
// Debian's Chromium with axe-core.

const DAY = 86_400_000;
const clock = Date.UTC(2026, 10, 29, 12);
let t: TestTailor;

const track = (userId: string, event: string, daysAgo: number) => ({
  type: 'track',
  event,
  userId,
  timestamp: new Date(clock - daysAgo * DAY).toISOString(),
});

const ui = dashboardBrowser(async () => {
  t = await startTestTailor({ models: { registryCheckSeconds: 0 } }, () => clock);
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < 60; i++) {
    const engaged = i % 2 === 0;
    for (let v = 0; v < (engaged ? 6 : 1); v++)
      events.push(track(`u${String(i)}`, 'Page Viewed', 32 + v * 3));
    if (engaged ? i % 10 < 8 : i % 10 < 2)
      events.push(track(`u${String(i)}`, 'Order Completed', 10));
  }
  events.push(track('late', 'Page Viewed', 1));
  await t.collect(events);
  await t.admin('PUT', '/v1/models/buy', {
    type: 'propensity',
    label: { event: 'Order Completed', days: 30 },
  });
  expect((await t.admin('POST', '/v1/models/buy/train?wait=true')).statusCode).toBe(200);
  await t.collect([]); // the upkeep scores everyone
  return t;
});

describe('the profile page', () => {
  it("shows each model's score of the person with its largest contributions", async () => {
    const page = await ui.open(ADMIN_KEY, '#/profile?q=userId%3Au0');
    const table = page.getByRole('table', { name: 'Model scores' });
    await table.waitFor({ timeout: 15_000 });
    const api = (await t.admin('GET', '/v1/profiles?identifier=userId:u0&explain=true')).json<{
      scores: Record<string, ModelScore>;
    }>().scores.buy as ModelScore;
    const row = await table.locator('tbody tr').innerText();
    expect(row).toMatch(new RegExp(`^buy\\s+${api.score.toFixed(3)}\\s+1\\s+`));
    const top = api.contributions?.[0];
    expect(row).toContain(`${top?.feature ?? ''} = `);
    expect(row).toContain(
      `${(top?.contribution ?? 0) >= 0 ? '+' : ''}${top?.contribution.toFixed(2) ?? ''}`,
    );
    expect(await seriousViolations(page), 'profile with scores').toEqual([]);
  });
});
