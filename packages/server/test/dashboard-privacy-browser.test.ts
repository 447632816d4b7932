import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it, vi } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// The dashboard's privacy and keys pages end to end (issue 20), admin only: a person found by
// email, exported as a downloaded file and erased after a confirmation (the pipeline carrying it
// out), the audit log paged and filtered, keys made with a role and revoked; in Debian's
// Chromium, accessibility checked with axe-core.

const VIEWER_KEY = 'privacy-viewer-key-0001';
const MARKETER_KEY = 'privacy-marketer-key-0001';

let t: TestTailor;

const ui = dashboardBrowser(
  async () => {
    t = await startTestTailor();
    await t.tailor.keys.create('privacy-viewer', 'viewer', new Date(), VIEWER_KEY);
    await t.tailor.keys.create('privacy-marketer', 'marketer', new Date(), MARKETER_KEY);
    t.tailor.background.start();
    await t.collect([
      { type: 'identify', userId: 'u-ann', traits: { email: 'ann@example.com', name: 'Ann Lee' } },
      { type: 'track', userId: 'u-ann', event: 'Product Viewed', properties: { sku: 'A1' } },
      { type: 'track', userId: 'u-ann', event: 'Order Completed', properties: { revenue: 30 } },
      { type: 'identify', userId: 'u-bob', traits: { email: 'bob@example.com' } },
    ]);
    // 60 audited reads of a profile by the admin key: more than one page of the audit log.
    for (let i = 0; i < 60; i++) {
      expect((await t.admin('GET', '/v1/profiles?identifier=userId:u-bob')).statusCode).toBe(200);
    }
    return t;
  },
  { acceptDownloads: true },
);

async function open(key: string, hash: string): Promise<Page> {
  const page = await ui.open(key, hash);
  // A step that cannot happen fails with what it waited for, inside the test's time.
  page.setDefaultTimeout(10_000);
  return page;
}

async function findPerson(page: Page, text: string): Promise<void> {
  await page.getByLabel('Person', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Find', exact: true }).click();
}

describe('the privacy page', () => {
  it('exports a person as a file and erases them after a confirmation', async () => {
    const page = await open(ADMIN_KEY, '#/privacy');
    await findPerson(page, 'ann@example.com');
    const found = page.getByRole('group', { name: 'The person found' });
    await found.waitFor();
    const profileId = (await t.admin('GET', '/v1/profiles?identifier=email:ann@example.com')).json<{
      id: string;
    }>().id;
    expect(await found.innerText()).toContain(`Profile ${profileId}, holding`);
    expect(await found.innerText()).toContain('email:ann@example.com');

    await page.getByRole('button', { name: 'Export (JSON)' }).click();
    const exported = page.getByRole('status').filter({ hasText: 'Exported' });
    await expect
      .poll(() => exported.innerText().catch(() => ''))
      .toMatch(/^Exported 3 events, 0 decisions/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: `Download tailor-export-${profileId}.json` }).click(),
    ]);
    const file = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      profile: { id: string; traits: Record<string, unknown> };
      events: { event?: string }[];
    };
    expect(file.profile.id).toBe(profileId);
    expect(file.profile.traits.name).toBe('Ann Lee');
    expect(file.events.map((e) => e.event ?? 'identify')).toEqual([
      'identify',
      'Product Viewed',
      'Order Completed',
    ]);

    // Erase: asked first; Cancel erases nothing.
    await page.getByRole('button', { name: 'Erase…' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm erasure' });
    expect(await confirm.innerText()).toContain(
      `Erase email:ann@example.com (profile ${profileId})?`,
    );
    expect(await confirm.innerText()).toContain('This cannot be undone.');
    expect(await seriousViolations(page), 'erasure confirmation').toEqual([]);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await t.admin('GET', '/v1/profiles?identifier=email:ann@example.com')).statusCode).toBe(
      200,
    );
    await page.getByRole('button', { name: 'Erase…' }).click();
    await page.getByRole('button', { name: 'Erase email:ann@example.com' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: 'Erasure' })
          .innerText()
          .catch(() => ''),
      )
      .toContain(`Erasure of profile ${profileId} accepted`);
    // The request is listed, then shown carried out once the pipeline has erased them.
    const requests = page.getByRole('table', { name: 'Erasure requests' });
    const latest = requests.locator('tbody tr').first();
    await expect
      .poll(() => latest.innerText().catch(() => ''), { timeout: 20_000 })
      .toMatch(new RegExp(`^${profileId}\\s+\\S+ \\S+\\s+test-admin\\s`));
    await expect
      .poll(() => latest.innerText(), { timeout: 20_000 })
      .toMatch(/test-admin\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await vi.waitFor(async () => {
      expect(
        (await t.admin('GET', '/v1/profiles?identifier=email:ann@example.com')).statusCode,
      ).toBe(404);
    });
    expect(await seriousViolations(page), 'privacy page after an erasure').toEqual([]);
  });

  it('pages through the audit log, filters it, and shows the API’s refusal of a filter', async () => {
    const page = await open(ADMIN_KEY, '#/privacy');
    const table = page.getByRole('table', { name: 'Audit log' });
    await table.waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(50);
    const first = await rows.first().innerText();
    const older = page.getByRole('button', { name: 'Older' });
    const newer = page.getByRole('button', { name: 'Newer' });
    expect(await newer.isDisabled()).toBe(true);
    await older.click();
    await expect.poll(() => page.getByText('Page 2').count()).toBe(1);
    await table.waitFor();
    expect(await rows.count()).toBeGreaterThan(10);
    expect(await rows.first().innerText()).not.toBe(first);
    // Back to the newest page, read again: reading the log is itself audited (`audit.read`), so
    // the entries of the first visit have moved down by the reads since.
    await newer.click();
    await expect.poll(() => page.getByText('Page 1').count()).toBe(1);
    await expect.poll(() => rows.allInnerTexts()).toContain(first);
    expect(await rows.first().innerText()).toMatch(/audit\.read/);

    await page.getByLabel('Action').fill('profile.read');
    await page.getByLabel('Key name').fill('test-admin');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.getByText('Page 1').count()).toBe(1);
    await table.waitFor();
    const actions = await table.locator('tbody tr td:nth-child(3)').allInnerTexts();
    expect(actions.length).toBe(50);
    expect(new Set(actions)).toEqual(new Set(['profile.read']));
    expect(await seriousViolations(page), 'audit log').toEqual([]);

    // A filter the API refuses: its 400 message, as it gives it.
    await page.getByLabel('Action').fill('x'.repeat(101));
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^The audit log could not be read: .*action.*100/);
  });

  it('fits a 390 px wide phone screen', async () => {
    await ui.resize(390, 844);
    const page = await open(ADMIN_KEY, '#/privacy');
    await page.getByRole('table', { name: 'Audit log' }).waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'privacy at 390 px').toEqual([]);
  });
});

describe('the profile page', () => {
  it('offers an admin export and erasure of the person shown, and a viewer neither', async () => {
    const viewer = await open(VIEWER_KEY, '#/profile?q=u-bob');
    await viewer.getByRole('heading', { name: /^Profile / }).waitFor();
    await viewer.getByRole('table', { name: /Events/ }).waitFor();
    expect(await viewer.getByRole('heading', { name: 'Export or erase' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: /Export|Erase/ }).count()).toBe(0);

    const page = await open(ADMIN_KEY, '#/profile?q=bob@example.com');
    await page.getByRole('heading', { name: 'Export or erase' }).waitFor();
    await page.getByRole('button', { name: 'Export (JSON)' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: 'Exported' })
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^Exported 1 events/);
    await page.getByRole('button', { name: 'Erase…' }).click();
    await page.getByRole('button', { name: 'Erase email:bob@example.com' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: 'Erasure' })
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^Erasure of profile \S+ accepted/);
    expect(await page.getByRole('button', { name: 'Erase…' }).count()).toBe(0);
    expect(await seriousViolations(page), 'profile after an erasure').toEqual([]);
    await vi.waitFor(
      async () => {
        expect(
          (await t.admin('GET', '/v1/profiles?identifier=email:bob@example.com')).statusCode,
        ).toBe(404);
      },
      { timeout: 20_000, interval: 200 },
    );
  });
});

describe('the keys page', () => {
  it('makes a key with a role, shown once, asks before replacing one, and revokes one', async () => {
    const page = await open(ADMIN_KEY, '#/keys');
    const table = page.getByRole('table', { name: 'Keys' });
    await table.waitFor();
    expect(await table.innerText()).toMatch(/privacy-viewer\s+viewer/);
    await page.getByLabel('Name').fill('ci-reader');
    await page.getByLabel('Role').selectOption('marketer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const made = page.getByRole('status', { name: 'The new key' });
    await made.waitFor();
    const key = await made.locator('code').innerText();
    expect(key.length).toBeGreaterThan(20);
    expect(await made.innerText()).toContain('Key ci-reader (marketer)');
    await expect.poll(() => table.innerText()).toMatch(/ci-reader\s+marketer/);
    // The key shown works, with its role.
    const asKey = (k: string, method: 'GET' | 'PUT', url: string) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${k}` },
        ...(method === 'PUT' && { payload: { definition: 'traits.plan = "pro"' } }),
      });
    expect((await asKey(key, 'PUT', '/v1/segments/from-dashboard')).statusCode).toBe(200);
    expect((await asKey(key, 'GET', '/v1/keys')).statusCode).toBe(403);
    expect(await seriousViolations(page), 'keys page with a new key').toEqual([]);

    // The same name again: asked first, since the old key would stop working.
    await page.getByLabel('Name').fill('ci-reader');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toContain('A key named ci-reader exists');
    expect((await asKey(key, 'GET', '/v1/segments')).statusCode).toBe(200);

    // Revoke, after a confirmation.
    await page.getByRole('button', { name: 'Revoke ci-reader…' }).click();
    await page.getByRole('group', { name: 'Confirm revoking ci-reader' }).waitFor();
    await page.getByRole('button', { name: 'Revoke ci-reader', exact: true }).click();
    await expect
      .poll(() => table.innerText())
      .toMatch(/ci-reader\s+marketer\s+\S+ \S+\s+none\s+revoked/);
    expect((await asKey(key, 'GET', '/v1/segments')).statusCode).toBe(401);
  });

  it('shows the API’s refusal of a name', async () => {
    const page = await open(ADMIN_KEY, '#/keys');
    await page.getByRole('table', { name: 'Keys' }).waitFor();
    await page.getByLabel('Name').fill('has space');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/^Not made: .*name/);
  });
});

describe('for keys that are not admin', () => {
  it.each([
    ['viewer', VIEWER_KEY],
    ['marketer', MARKETER_KEY],
  ])(
    'a %s sees neither page in the navigation, and a message on opening one',
    async (_role, key) => {
      const page = await open(key, '#/privacy');
      await expect
        .poll(() => page.locator('main').innerText())
        .toContain('This page is for admin keys');
      const nav = await page.getByRole('navigation', { name: 'Main' }).innerText();
      expect(nav).not.toContain('Privacy');
      expect(nav).not.toContain('Keys');
      await page.evaluate(`location.hash = '#/keys'`);
      await page.getByRole('heading', { name: 'API keys' }).waitFor();
      expect(await page.locator('main button').count()).toBe(0);
      expect(await seriousViolations(page), 'admin-only page for a non-admin').toEqual([]);
    },
  );
});
