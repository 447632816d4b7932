import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';

// The dashboard's placements pages end to end (issue 20): a placement saved through the API, the
// page's form and its JSON editor (refusals shown where they point), and previews as people
// whose traits came through collection, with the decider's reasons; in Debian's Chromium,
// accessibility checked with axe-core.

const VIEWER_KEY = 'placements-viewer-key-0001';
const MARKETER_KEY = 'placements-marketer-key-0001';

let t: TestTailor;

const ui = dashboardBrowser(async () => {
  t = await startTestTailor();
  await t.tailor.keys.create('placements-viewer', 'viewer', new Date(), VIEWER_KEY);
  await t.tailor.keys.create('placements-marketer', 'marketer', new Date(), MARKETER_KEY);
  const res = await t.app.inject({
    method: 'PUT',
    url: '/v1/placements/home-hero',
    headers: { authorization: t.adminAuth },
    payload: {
      description: 'The banner at the top of the home page.',
      items: [
        {
          id: 'pro-offer',
          when: 'traits.plan = "pro"',
          priority: 2,
          template: '<p>Thanks for being Pro, {{ traits.name }}</p>',
        },
        { id: 'spring-sale', when: 'context.page.path = "/sale"', priority: 1, template: 'Sale' },
      ],
      default: { id: 'welcome', template: '<p>Welcome</p>' },
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  await t.collect([
    {
      type: 'identify',
      userId: 'u-ann',
      traits: { email: 'ann@example.com', name: 'Ann Lee', plan: 'pro' },
    },
    { type: 'identify', userId: 'u-bob', traits: { name: 'Bob Roy', plan: 'free' } },
  ]);
  return t;
});

const open = ui.open;

/**
 * Previews as `person` and answers the result once it shows `expected` (by default the person's
 * name: give more when the previous preview was of the same person, whose result already names them).
 */
async function preview(
  page: Page,
  person: string,
  context = '',
  expected = person || 'Someone',
): Promise<string> {
  await page.getByLabel('Person', { exact: true }).fill(person);
  await page.getByLabel('Context (JSON, optional)').fill(context);
  await page.getByRole('button', { name: 'Preview' }).click();
  const result = page.getByRole('status', { name: 'Preview result' });
  await expect.poll(() => result.innerText().catch(() => '')).toContain(expected);
  return result.innerText();
}

describe('the placements pages', () => {
  it('lists placements, shows one’s items and previews it as chosen people with the reasons', async () => {
    const page = await open(ADMIN_KEY, '#/placements');
    const table = page.getByRole('table', { name: 'Placements' });
    await table.waitFor();
    expect(await table.innerText()).toMatch(
      /home-hero\s+The banner at the top of the home page\.\s+2\s+welcome/,
    );
    await page.getByRole('link', { name: 'home-hero' }).click();
    const items = page.getByRole('table', { name: 'Items of home-hero' });
    await items.waitFor();
    const rows = items.locator('tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).innerText()).toMatch(/pro-offer\s+traits\.plan = "pro"\s+2/);
    expect(await rows.nth(2).innerText()).toMatch(/welcome\s+when nothing else can be served/);

    const ann = await preview(page, 'ann@example.com');
    expect(ann).toContain('ann@example.com would see pro-offer.');
    expect(ann).toContain('pro-offer: chosen');
    expect(ann).toContain('<p>Thanks for being Pro, Ann Lee</p>');

    const bob = await preview(page, 'u-bob');
    expect(bob).toContain('u-bob would see welcome (the default: nothing else could be served).');
    expect(bob).toMatch(/pro-offer: rule did not hold/);

    const onSale = await preview(
      page,
      'u-bob',
      '{"page": {"path": "/sale"}}',
      'u-bob would see spring-sale.',
    );
    expect(onSale).toContain('u-bob would see spring-sale.');

    // One item rendered whatever its rule, for someone unknown: the template sees no traits.
    await page.getByLabel('What to render').selectOption('pro-offer');
    const unknown = await preview(page, '');
    expect(unknown).toContain('Someone unknown would see pro-offer.');
    expect(unknown).toContain('pro-offer: previewed');
    expect(await seriousViolations(page), 'placement with a preview').toEqual([]);
    // Previews record nothing: no decision in the person's data, as a decide call would leave.
    const exported = await t.app.inject({
      method: 'POST',
      url: '/v1/privacy/export',
      headers: { authorization: t.adminAuth },
      payload: { identifier: 'email:ann@example.com' },
    });
    expect(exported.json<{ decisions: unknown[] }>().decisions).toEqual([]);
  });

  it('shows a refused placement where the problem is, then saves and deletes one', async () => {
    const page = await open(MARKETER_KEY, '#/placements');
    await page.getByRole('button', { name: 'New placement' }).click();
    await page.getByLabel('Name').fill('cart-banner');
    await page.getByRole('button', { name: 'Edit as JSON' }).click();
    const definition = page.getByLabel('Definition (JSON)');
    // Not JSON: caught in the page, marked at its place.
    await definition.fill('{\n  "items": []\n  "default": {"id": "d", "template": "x"}\n}');
    await page.getByRole('button', { name: 'Save placement' }).click();
    const alert = page.getByRole('alert');
    expect(await alert.innerText()).toMatch(/^Not saved: not JSON: .+ \(line 3, column 3\)/);
    expect(await page.locator('pre.error-at mark').innerText()).toBe('"');
    // A rule the segment language refuses: the server's message, the rule marked at its position.
    await definition.fill(
      JSON.stringify({
        items: [{ id: 'big', when: 'traits.plan = ', template: 'x' }],
        default: { id: 'd', template: 'x' },
      }),
    );
    await page.getByRole('button', { name: 'Save placement' }).click();
    await expect
      .poll(() => alert.innerText())
      .toMatch(/^Not saved: items\[0\]\.when: .+\(line 1, column \d+\)/);
    expect(await page.locator('pre.error-at').innerText()).toContain('traits.plan =');
    expect(await seriousViolations(page), 'editor with a refusal').toEqual([]);
    // Another refusal with no position: the message as the server gives it.
    await definition.fill(
      JSON.stringify({
        items: [
          { id: 'big', template: 'x' },
          { id: 'big', template: 'y' },
        ],
        default: { id: 'd', template: 'x' },
      }),
    );
    await page.getByRole('button', { name: 'Save placement' }).click();
    await expect.poll(() => alert.innerText()).toBe('Not saved: items[1].id: big is used twice');

    await definition.fill(
      JSON.stringify({
        items: [{ id: 'big', when: 'traits.plan = "pro"', template: 'x' }],
        default: { id: 'd', template: 'x' },
      }),
    );
    await page.getByRole('button', { name: 'Save placement' }).click();
    await page.getByRole('heading', { name: 'Placement cart-banner' }).waitFor();
    expect(page.url()).toContain('#/placements/cart-banner');
    const stored = await t.app.inject({
      url: '/v1/placements/cart-banner',
      headers: { authorization: t.adminAuth },
    });
    expect(stored.json()).toMatchObject({ items: [{ id: 'big', when: 'traits.plan = "pro"' }] });

    // Edit: the JSON as stored, saved again as version 2.
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('button', { name: 'Edit as JSON' }).click();
    expect(JSON.parse(await page.getByLabel('Definition (JSON)').inputValue())).toEqual({
      // The priority as the API stores it (0 when left out).
      items: [{ id: 'big', when: 'traits.plan = "pro"', priority: 0, template: 'x' }],
      default: { id: 'd', template: 'x' },
    });
    await page.getByRole('button', { name: 'Save placement' }).click();
    await expect.poll(() => page.locator('main').innerText()).toContain('Version 2');

    // Delete, after a confirmation.
    await page.getByRole('button', { name: 'Delete placement…' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(
      (
        await t.app.inject({
          url: '/v1/placements/cart-banner',
          headers: { authorization: t.adminAuth },
        })
      ).statusCode,
    ).toBe(200);
    await page.getByRole('button', { name: 'Delete placement…' }).click();
    expect(await page.getByRole('group', { name: 'Confirm deletion' }).innerText()).toContain(
      'This cannot be undone.',
    );
    await page.getByRole('button', { name: 'Delete cart-banner' }).click();
    await page.getByRole('table', { name: 'Placements' }).waitFor();
    expect(
      (
        await t.app.inject({
          url: '/v1/placements/cart-banner',
          headers: { authorization: t.adminAuth },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('edits a placement as a form, showing each refusal at its field', async () => {
    const page = await open(MARKETER_KEY, '#/placements');
    await page.getByRole('button', { name: 'New placement' }).click();
    await page.getByLabel('Name').fill('form-banner');
    const first = page.getByRole('group', { name: 'Item 1', exact: true });
    // The form starts from the example item.
    expect(await first.getByLabel('Id', { exact: true }).inputValue()).toBe('pro-offer');
    const rule = first.getByLabel(/^Rule/);
    await rule.fill('traits.plan = ');
    await page.getByRole('button', { name: 'Save placement' }).click();
    const ruleError = first.getByRole('alert');
    await expect
      .poll(() => ruleError.innerText().catch(() => ''))
      .toMatch(/^Not saved: items\[0\]\.when: .+\(line 1, column \d+\)/);
    expect(await first.locator('pre.error-at').innerText()).toContain('traits.plan =');
    expect(await rule.getAttribute('aria-invalid')).toBe('true');
    expect(await seriousViolations(page), 'placement form with a refusal').toEqual([]);

    await rule.fill('traits.plan = "pro"');
    await page.getByRole('button', { name: 'Add item' }).click();
    const second = page.getByRole('group', { name: 'Item 2', exact: true });
    await second.getByLabel('Id', { exact: true }).fill('pro-offer');
    await second.getByLabel('Template (Liquid)').fill('<p>Sale</p>');
    await page.getByRole('button', { name: 'Save placement' }).click();
    await expect
      .poll(() =>
        second
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toBe('Not saved: items[1].id: pro-offer is used twice');
    expect(await first.getByRole('alert').count()).toBe(0);
    expect(await second.getByLabel('Id', { exact: true }).getAttribute('aria-invalid')).toBe(
      'true',
    );

    // A priority that is no number: the API's schema refuses it, shown at the priority.
    await second.getByLabel('Id', { exact: true }).fill('sale');
    await second.getByLabel('Priority').fill('high');
    await page.getByRole('button', { name: 'Save placement' }).click();
    await expect
      .poll(() =>
        second
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^Not saved: body\.items\.1\.priority: /);
    expect(await second.getByLabel('Priority').getAttribute('aria-invalid')).toBe('true');

    await second.getByLabel('Priority').fill('5');
    await second.getByRole('checkbox', { name: /Override/ }).check();
    await second.getByRole('button', { name: 'Move up' }).click();
    expect(await first.getByLabel('Id', { exact: true }).inputValue()).toBe('sale');
    await page
      .getByRole('group', { name: /^Default/ })
      .getByLabel('Id', { exact: true })
      .fill('hello');
    await page.getByRole('button', { name: 'Save placement' }).click();
    await page.getByRole('heading', { name: 'Placement form-banner' }).waitFor();
    const stored = await t.app.inject({
      url: '/v1/placements/form-banner',
      headers: { authorization: t.adminAuth },
    });
    expect(stored.json()).toMatchObject({
      items: [
        { id: 'sale', priority: 5, override: true, template: '<p>Sale</p>' },
        { id: 'pro-offer', when: 'traits.plan = "pro"', priority: 1 },
      ],
      default: { id: 'hello', template: '<p>Welcome</p>' },
    });

    // Editing opens the form on what is stored, the cap in its fields.
    await t.app.inject({
      method: 'PUT',
      url: '/v1/placements/form-banner',
      headers: { authorization: t.adminAuth },
      payload: {
        items: [{ id: 'capped', template: 'x', cap: { max: 2, per: '7d' } }],
        default: { id: 'hello', template: 'y' },
      },
    });
    await page.reload();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    expect(await first.getByLabel('Id', { exact: true }).inputValue()).toBe('capped');
    expect(await first.getByLabel('At most (times a person)').inputValue()).toBe('2');
    expect(await first.getByLabel('In any window of').inputValue()).toBe('7');
    expect(await first.getByLabel('Window unit').inputValue()).toBe('d');
    expect(await first.innerText()).not.toContain('Also set');
    await first.getByLabel('Template (Liquid)').fill('z');
    await page.getByRole('button', { name: 'Save placement' }).click();
    await expect.poll(() => page.locator('main').innerText()).toContain('Version 3');
    const edited = await t.app.inject({
      url: '/v1/placements/form-banner',
      headers: { authorization: t.adminAuth },
    });
    expect(edited.json()).toMatchObject({
      items: [{ id: 'capped', template: 'z', cap: { max: 2, per: '7d' } }],
    });
  });

  it('sets a schedule, a frequency cap and an experiment with its variants’ templates in the form', async () => {
    const experiment = await t.app.inject({
      method: 'PUT',
      url: '/v1/experiments/hero-copy',
      headers: { authorization: t.adminAuth },
      payload: {
        variants: [{ id: 'control' }, { id: 'bold' }],
        metrics: [{ name: 'click', type: 'conversion', event: 'Hero Clicked' }],
      },
    });
    expect(experiment.statusCode, experiment.body).toBe(200);
    const page = await open(MARKETER_KEY, '#/placements');
    await page.getByRole('button', { name: 'New placement' }).click();
    await page.getByLabel('Name').fill('timed-banner');
    const first = page.getByRole('group', { name: 'Item 1', exact: true });
    await first.getByLabel('Id', { exact: true }).fill('xmas');
    await first.getByLabel(/^Rule/).fill('');
    // The browser's time zone is the test's (TZ); the page sends the instant it means.
    await first.getByLabel('Shown from').fill('2026-12-20T08:00:00');
    await first.getByLabel('Until (not included)').fill('2026-12-27T00:00:00');
    await first.getByLabel('At most (times a person)').fill('3');
    await first.getByLabel('In any window of').fill('1');
    await first.getByLabel('Window unit').selectOption('w');
    await first.getByLabel('Runs the experiment').fill('hero-copy');
    await first.getByRole('button', { name: 'Add a variant’s template' }).click();
    await first.getByLabel('Variant 1 id').fill('bold');
    await first.getByLabel('Variant 1 template (Liquid)').fill('<p><b>Merry</b></p>');
    expect(await seriousViolations(page), 'placement form with schedule, cap, experiment').toEqual(
      [],
    );

    // A window the API refuses (no length) is shown at the cap.
    await first.getByLabel('In any window of').fill('');
    await page.getByRole('button', { name: 'Save placement' }).click();
    await expect
      .poll(() =>
        first
          .getByRole('alert')
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^Not saved: body\.items\.0\.cap\.per: /);
    expect(await first.getByLabel('At most (times a person)').getAttribute('aria-invalid')).toBe(
      'true',
    );
    await first.getByLabel('In any window of').fill('1');
    await page.getByRole('button', { name: 'Save placement' }).click();
    await page.getByRole('heading', { name: 'Placement timed-banner' }).waitFor();
    const stored = (
      await t.app.inject({
        url: '/v1/placements/timed-banner',
        headers: { authorization: t.adminAuth },
      })
    ).json();
    const local = (text: string) => new Date(text).toISOString();
    expect(stored.items[0]).toMatchObject({
      id: 'xmas',
      schedule: { start: local('2026-12-20T08:00:00'), end: local('2026-12-27T00:00:00') },
      cap: { max: 3, per: '1w' },
      experiment: 'hero-copy',
      variants: { bold: '<p><b>Merry</b></p>' },
    });
    expect(stored.items[0].when).toBeUndefined();

    // The form reads them back; removing the experiment leaves it out.
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    expect(await first.getByLabel('Shown from').inputValue()).toMatch(/^2026-12-20T08:00(:00)?$/);
    expect(await first.getByLabel('Variant 1 id').inputValue()).toBe('bold');
    await first.getByLabel('Runs the experiment').fill('');
    await first.getByRole('button', { name: 'Remove variant 1' }).click();
    await page.getByRole('button', { name: 'Save placement' }).click();
    await expect.poll(() => page.locator('main').innerText()).toContain('Version 2');
    const edited = (
      await t.app.inject({
        url: '/v1/placements/timed-banner',
        headers: { authorization: t.adminAuth },
      })
    ).json();
    expect(edited.items[0].experiment).toBeUndefined();
    expect(edited.items[0].variants).toBeUndefined();
    expect(edited.items[0].cap).toEqual({ max: 3, per: '1w' });
  });

  it('fits the placement form on a 390 px screen', async () => {
    await ui.resize(390, 844);
    const page = await open(MARKETER_KEY, '#/placements/home-hero');
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('group', { name: 'Item 2', exact: true }).waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'placement form at 390 px').toEqual([]);
  });

  it('says so when a placement does not exist, or the person to preview as is not found', async () => {
    const page = await open(ADMIN_KEY, '#/placements/nowhere');
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toMatch(/^The placement could not be read: .*nowhere/);
    expect(await seriousViolations(page), 'unknown placement').toEqual([]);
    await page.evaluate(`location.hash = '#/placements/home-hero'`);
    await page.getByLabel('Person', { exact: true }).fill('nobody@example.com');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toBe('No one found for nobody@example.com.');
    await page.getByLabel('Context (JSON, optional)').fill('[1]');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toMatch(/^The context is not a JSON object/);
  });

  it('shows a viewer no editing buttons and previews with personal traits masked, at 390 px', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/placements');
    await page.getByRole('table', { name: 'Placements' }).waitFor();
    expect(await page.getByRole('button', { name: 'New placement' }).count()).toBe(0);
    await page.getByRole('link', { name: 'home-hero' }).click();
    await page.getByRole('table', { name: 'Items of home-hero' }).waitFor();
    expect(await page.locator('main button').allInnerTexts()).toEqual(['Preview']);
    const ann = await preview(page, 'u-ann');
    expect(ann).toContain('u-ann would see pro-offer.');
    expect(ann).not.toContain('Ann Lee');
    expect(ann).toContain('[masked]');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'placement at 390 px, viewer').toEqual([]);
  });
});
