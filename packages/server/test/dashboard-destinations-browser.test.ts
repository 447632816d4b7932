import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { closedPort } from './support/browser.js';
import { dashboardBrowser, overflow, seriousViolations } from './support/dashboard.js';
import { ADMIN_KEY, startTestTailor, type TestTailor } from './support/test-tailor.js';
import { webhookConfig } from './support/webhook-config.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

// The dashboard's destinations pages end to end (issue 20): two webhooks, one answered by a real
// receiver on loopback and one whose port nothing listens on, events sent through collection and
// delivered by the dispatcher; the delivery status read back in Debian's Chromium with axe-core.

const VIEWER_KEY = 'destinations-viewer-key-0001';

let t: TestTailor;
let receiver: WebhookReceiver;

const ui = dashboardBrowser(async (atEnd) => {
  receiver = await startWebhookReceiver();
  atEnd(() => receiver.close());
  t = await startTestTailor(webhookConfig());
  await t.tailor.keys.create('destinations-viewer', 'viewer', new Date(), VIEWER_KEY);
  const hooks = [
    ['crm', `${receiver.base}/hook?token=not-shown`, ['Order Completed']],
    ['gone', `http://127.0.0.1:${String(await closedPort())}/nothing`, ['*']],
  ] as const;
  for (const [name, url, events] of hooks) {
    const res = await t.admin('PUT', `/v1/destinations/${name}`, {
      type: 'webhook',
      url,
      events,
      secret: 'webhook-secret-123',
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  await t.collect(
    [
      { type: 'track', userId: 'u1', event: 'Order Completed', properties: { revenue: 20 } },
      { type: 'track', userId: 'u2', event: 'Order Completed', properties: { revenue: 5 } },
      { type: 'track', userId: 'u1', event: 'Product Viewed' },
    ],
    { drain: true },
  );
  await t.tailor.dispatcher.drain();
  expect(receiver.received).toHaveLength(2);
  return t;
});

async function open(key: string, hash: string): Promise<Page> {
  const page = await ui.open(key, hash);
  page.setDefaultTimeout(15_000);
  return page;
}

describe('the destinations pages', () => {
  it('lists destinations with trouble first, and shows one’s deliveries by status', async () => {
    const page = await open(ADMIN_KEY, '#/destinations');
    const table = page.getByRole('table', { name: 'Destinations' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').allInnerTexts();
    // gone: 3 events, each attempted once, waiting for a retry; crm: 2 orders delivered.
    expect(rows[0]).toMatch(
      /^gone\s+webhook\s+http:\/\/127\.0\.0\.1:\d+\/nothing\s+\*\s+3 waiting, 0 delivered$/,
    );
    expect(rows[1]).toMatch(
      /^crm\s+webhook\s+http:\/\/127\.0\.0\.1:\d+\/hook\s+Order Completed\s+2 delivered$/,
    );
    // The URL's query (a token) is not shown.
    expect(await table.innerText()).not.toContain('not-shown');

    await page.getByRole('link', { name: 'gone' }).click();
    const deliveries = page.getByRole('table', { name: 'latest deliveries' });
    await deliveries.waitFor();
    const gone = await deliveries.locator('tbody tr').allInnerTexts();
    expect(gone).toHaveLength(3);
    for (const row of gone) {
      expect(row).toMatch(/\s+pending\s+1\s+connection refused or unreachable\s+next \d{4}-/);
    }
    expect(await seriousViolations(page), 'a failing destination').toEqual([]);

    await page.evaluate(`location.hash = '#/destinations/crm'`);
    await page.getByRole('heading', { name: 'Destination crm' }).waitFor();
    await deliveries.waitFor();
    expect(await deliveries.locator('tbody tr td:nth-child(3)').allInnerTexts()).toEqual([
      'delivered',
      'delivered',
    ]);
    await page.getByLabel('Show').selectOption('failed');
    await expect
      .poll(() => page.locator('main').innerText())
      .toContain('No deliveries of this status.');
  });

  it('says so when a destination does not exist, and shows the API’s refusal', async () => {
    const page = await open(ADMIN_KEY, '#/destinations/nowhere');
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .first()
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^The destination could not be read: .*nowhere/);
    // A name the API refuses (its pattern): its 400, as it words it.
    await page.evaluate(`location.hash = '#/destinations/' + encodeURIComponent('bad name')`);
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .first()
          .innerText()
          .catch(() => ''),
      )
      .toMatch(/^The destination could not be read: .*name/);
    expect(await seriousViolations(page), 'unknown destination').toEqual([]);
  });

  it('shows a viewer the status and no buttons, at 390 px', async () => {
    await ui.resize(390, 844);
    const page = await open(VIEWER_KEY, '#/destinations/gone');
    await page.getByRole('table', { name: 'latest deliveries' }).waitFor();
    expect(await page.locator('main button').count()).toBe(0);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), 'destination at 390 px, viewer').toEqual([]);
  });
});
