import type { MergeRecord, Profile } from '@tailor/core';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// The profile page's history (issue 20): each trait with its source and time, the segments with
// when they were entered (and those left), and the merges, each equal to what the API answers;
// a key revoked while signed in, a viewer who sees it masked and cannot export or erase, at
// 1280x800 and 390 px, in Debian's Chromium with axe-core.

const VIEWER_KEY = 'profile-viewer-key-0001';
const DOOMED_KEY = 'profile-doomed-key-0001';
const EMAIL = 'ann.lee@example.com';
const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

let t: TestTailor;
/** Ann's profile, provenance included, as the admin key reads it. */
let ann: Profile;

const ui = dashboardBrowser(async () => {
  t = await startTestTailor();
  await t.tailor.keys.create('profile-viewer', 'viewer', new Date(), VIEWER_KEY);
  await t.tailor.keys.create('profile-doomed', 'marketer', new Date(), DOOMED_KEY);
  for (const [name, definition] of [
    ['trial', 'traits.plan = "trial"'],
    ['pro', 'traits.plan = "pro"'],
  ] as const) {
    const res = await t.admin('PUT', `/v1/segments/${name}`, { definition });
    expect(res.statusCode, res.body).toBe(200);
  }
  // An anonymous visit and a sign-up make two profiles; the identify naming both merges them.
  await t.collect([
    { type: 'page', anonymousId: 'anon-ann', name: 'Home', timestamp: at(0) },
    {
      type: 'identify',
      userId: 'u-ann',
      traits: { email: EMAIL, name: 'Ann Lee', plan: 'trial' },
      timestamp: at(1),
    },
  ]);
  await t.collect([
    {
      type: 'identify',
      userId: 'u-ann',
      anonymousId: 'anon-ann',
      traits: { plan: 'pro', city: 'Lyon' },
      timestamp: at(2),
    },
  ]);
  const res = await t.admin('GET', `/v1/profiles?identifier=email:${EMAIL}&provenance=true`);
  expect(res.statusCode, res.body).toBe(200);
  ann = res.json<Profile>();
  return t;
});

function open(key: string): Promise<Page> {
  return ui.open(key, `#/profile?q=${encodeURIComponent(EMAIL)}`);
}

const bodyText = (page: Page) => page.locator('body').innerText();
const rowOf = (page: Page, table: string, name: string) =>
  page.getByRole('table', { name: table, exact: true }).locator('tbody tr', { hasText: name });

describe('the profile page', () => {
  it("shows an admin each trait's source, the segments' entry times and the merges, as the API has them", async () => {
    const page = await open(ADMIN_KEY);
    await page.getByRole('table', { name: 'Traits', exact: true }).waitFor();
    expect(ann.provenance).toBeDefined();
    for (const [name, from] of Object.entries(ann.provenance ?? {})) {
      const row = await rowOf(page, 'Traits', name).innerText();
      expect(row).toContain(from.source);
      expect(row).toContain(from.timestamp);
    }
    // The plan came from the second identify, the email from the first.
    expect(await rowOf(page, 'Traits', 'plan').innerText()).toContain(at(2).slice(0, 16));
    expect(await rowOf(page, 'Traits', 'email').innerText()).toContain(at(1).slice(0, 16));
    expect(await rowOf(page, 'Traits', 'plan').innerText()).toContain('key:test-write');

    const history = (await t.admin('GET', `/v1/profiles/${ann.id}/memberships`)).json<{
      memberships: { segment: string; entered: boolean; at: string; cause: string }[];
    }>().memberships;
    const entered = history.filter((m) => m.segment === 'pro' && m.entered).at(-1);
    const leftTrial = history.filter((m) => m.segment === 'trial' && !m.entered).at(-1);
    expect(entered).toBeDefined();
    expect(leftTrial).toBeDefined();
    await expect
      .poll(() => rowOf(page, 'Segments', 'pro').innerText())
      .toContain(entered?.at ?? '');
    expect(await rowOf(page, 'Segments', 'pro').innerText()).toContain(entered?.cause ?? '');
    expect(await rowOf(page, 'Segments left', 'trial').innerText()).toContain(leftTrial?.at ?? '');
    // A segment links to its page.
    expect(
      await rowOf(page, 'Segments', 'pro').getByRole('link', { name: 'pro' }).getAttribute('href'),
    ).toBe('#/segments/pro');

    const { merges } = (await t.admin('GET', `/v1/profiles/${ann.id}/merges`)).json<{
      merges: MergeRecord[];
    }>();
    expect(merges).toHaveLength(1);
    const merge = merges[0] as MergeRecord;
    const row = await rowOf(page, 'Merges', merge.from).innerText();
    for (const text of [merge.at, merge.into, merge.reason, merge.messageId]) {
      expect(row).toContain(text);
    }
    expect(await page.getByRole('button', { name: /Export/ }).count()).toBe(1);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'profile at 1280x800').toEqual([]);
  });

  it('shows a viewer the same history masked, with no export or erase', async () => {
    const page = await open(VIEWER_KEY);
    await page.getByRole('table', { name: 'Merges', exact: true }).waitFor();
    await rowOf(page, 'Segments', 'pro').waitFor();
    const text = await bodyText(page);
    expect(text).not.toMatch(/ann\.lee|Ann Lee/i);
    expect(text).toContain('Personal data is masked');
    // The merge as the API shows it to a viewer (an email or phone in its reason masked).
    const viewed = await t.app.inject({
      url: `/v1/profiles/${ann.id}/merges`,
      headers: { authorization: `Bearer ${VIEWER_KEY}` },
    });
    const merge = viewed.json<{ merges: MergeRecord[] }>().merges[0] as MergeRecord;
    expect(await rowOf(page, 'Merges', merge.from).innerText()).toContain(merge.reason);
    expect(await page.getByRole('button', { name: /Export|Erase/ }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Export or erase' }).count()).toBe(0);
    expect(await seriousViolations(page), 'viewer profile').toEqual([]);
  });

  it('fits a 390 px screen with its tables scrolling in their own boxes', async () => {
    await ui.resize(390, 844);
    const page = await open(ADMIN_KEY);
    await page.getByRole('table', { name: 'Merges', exact: true }).waitFor();
    await page.getByRole('table', { name: /Events/ }).waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'profile at 390 px').toEqual([]);
  });

  it('says so when the key is revoked while signed in', async () => {
    const page = await ui.open(DOOMED_KEY, '#/');
    await page.locator('input[type="search"]').waitFor();
    expect((await t.admin('DELETE', '/v1/keys/profile-doomed')).statusCode).toBe(204);
    await page.evaluate(`location.hash = ${JSON.stringify(`#/profile?q=${EMAIL}`)}`);
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toMatch(/The profile could not be read: .*revoked/);
    expect(await seriousViolations(page), 'profile error').toEqual([]);
  });
});
