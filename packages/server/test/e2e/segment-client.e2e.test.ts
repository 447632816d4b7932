import { randomUUID } from 'node:crypto';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupTailors,
  postCollect,
  readAllEvents,
  spawnTailor,
  WRITE_KEY,
  type SpawnedTailor,
} from './support/spawn-tailor.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An analytics-node client pointed at Tailor that records what it sends and what it gets back. */
function segmentClient(url: string, writeKey: string, flushAt: number) {
  const analytics = new Analytics({
    writeKey,
    host: url,
    flushAt,
    flushInterval: 200,
    maxRetries: 0,
    httpRequestTimeout: 5_000,
  });
  const requests: { url: string; messages: Record<string, unknown>[] }[] = [];
  const responses: number[] = [];
  const errors: unknown[] = [];
  analytics.on('http_request', (request) => {
    const body = JSON.parse(request.body) as { batch: Record<string, unknown>[] };
    requests.push({ url: request.url, messages: body.batch });
  });
  analytics.on('http_response', (response) => {
    responses.push(response.status);
  });
  analytics.on('error', (error) => {
    errors.push(error);
  });
  return { analytics, requests, responses, errors };
}

let server: SpawnedTailor;
beforeAll(async () => {
  server = await spawnTailor();
});
afterAll(async () => {
  try {
    // Undefined when beforeAll failed; cleanupTailors still runs.
    if ((server as SpawnedTailor | undefined)?.process.exitCode === null) {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  } finally {
    await cleanupTailors();
  }
});

describe('the official Segment Node client (@segment/analytics-node) against tailor serve', () => {
  it(
    'delivers every message type, and reading back shows them normalized, once each',
    { timeout: 60_000 },
    async () => {
      const run = randomUUID().slice(0, 8);
      const userId = `e2e-user-${run}`;
      const anonymousId = `e2e-anon-${run}`;
      const { analytics, requests, responses, errors } = segmentClient(server.url, WRITE_KEY, 4);

      analytics.identify({
        userId,
        anonymousId,
        traits: {
          email: '  Ada.Lovelace@Example.COM ',
          phone: '(415) 555-2671',
          country: 'Germany',
          address: { city: 'Berlin', country: 'deu' },
          name: 'Ada Lovelace',
          plan: 'pro',
          logins: 7,
        },
        // A local time with an offset: stored in UTC.
        timestamp: '2024-03-07T10:00:00.000+02:00',
      });
      analytics.track({
        userId,
        event: 'Order Completed',
        properties: {
          orderId: 'o-1001',
          revenue: 42.5,
          currency: 'EUR',
          products: [{ sku: 'SHOE-RUN-01', quantity: 2 }],
          gift: false,
        },
      });
      analytics.page({
        userId,
        category: 'Docs',
        name: 'Pricing',
        properties: { path: '/pricing', referrer: 'https://example.com/' },
      });
      analytics.screen({ userId, name: 'Home', properties: { variant: 'b' } });
      analytics.group({ userId, groupId: 'acme-inc', traits: { name: 'Acme Inc', employees: 42 } });
      analytics.alias({ userId, previousId: anonymousId });
      analytics.track({
        anonymousId,
        event: 'Signup Started',
        properties: { source: 'newsletter' },
      });
      analytics.page({ anonymousId, name: 'Landing', properties: { path: '/' } });
      await analytics.closeAndFlush({ timeout: 20_000 });

      expect(errors).toEqual([]);
      // flushAt 4 and 8 messages: the client batched them, and every batch went to /v1/batch and was taken.
      expect(requests.length).toBeGreaterThanOrEqual(2);
      for (const r of requests) expect(r.url).toBe(`${server.url}/v1/batch`);
      expect(responses).toEqual(requests.map(() => 200));
      const sent = requests.flatMap((r) => r.messages);
      expect(sent).toHaveLength(8);
      const sentIds = sent.map((m) => m.messageId as string);
      expect(new Set(sentIds).size).toBe(8);

      const byUser = await readAllEvents(server.url, { userId });
      const byAnonymous = await readAllEvents(server.url, { anonymousId });
      // The identify carries both ids; everything else one of them.
      expect(byUser.map((e) => e.type)).toEqual([
        'identify',
        'track',
        'page',
        'screen',
        'group',
        'alias',
      ]);
      expect(byAnonymous.map((e) => e.type)).toEqual(['identify', 'track', 'page']);
      const stored = new Map<string, Record<string, unknown>>();
      for (const e of [...byUser, ...byAnonymous]) stored.set(e.messageId as string, e);
      // Each messageId the client made is stored, and exactly once per reading.
      for (const list of [byUser, byAnonymous]) {
        const ids = list.map((e) => e.messageId as string);
        expect(new Set(ids).size).toBe(ids.length);
      }
      expect([...stored.keys()].sort()).toEqual([...sentIds].sort());

      const sentById = new Map(sent.map((m) => [m.messageId as string, m]));
      for (const [id, e] of stored) {
        const original = sentById.get(id)!;
        expect(e.type).toBe(original.type);
        expect(e.timestamp).toMatch(ISO_UTC);
        expect(e.receivedAt).toMatch(ISO_UTC);
        expect(Math.abs(Date.parse(e.receivedAt as string) - Date.now())).toBeLessThan(60_000);
        expect(e.context).toMatchObject({ library: { name: '@segment/analytics-node' } });
        expect(e.tailor).toMatchObject({ source: 'key:env-write' });
        expect(e).not.toHaveProperty('writeKey');
      }

      const [identify, track, page, screen, group, alias] = byUser;
      expect(identify).toMatchObject({
        userId,
        anonymousId,
        traits: {
          email: 'ada.lovelace@example.com',
          phone: '+14155552671',
          country: 'DE',
          address: { city: 'Berlin', country: 'DE' },
          name: 'Ada Lovelace',
          plan: 'pro',
          logins: 7,
        },
        tailor: {
          originals: {
            'traits.email': '  Ada.Lovelace@Example.COM ',
            'traits.phone': '(415) 555-2671',
            'traits.country': 'Germany',
            'traits.address.country': 'deu',
          },
        },
        originalTimestamp: '2024-03-07T10:00:00.000+02:00',
      });
      // 08:00 UTC, moved by the client's clock skew (receivedAt - sentAt), which is tiny here.
      expect(
        Math.abs(
          Date.parse(identify!.timestamp as string) - Date.parse('2024-03-07T08:00:00.000Z'),
        ),
      ).toBeLessThan(5_000);

      expect(track).toMatchObject({
        userId,
        anonymousId: null,
        event: 'Order Completed',
        properties: {
          orderId: 'o-1001',
          revenue: 42.5,
          currency: 'EUR',
          products: [{ sku: 'SHOE-RUN-01', quantity: 2 }],
          gift: false,
        },
      });
      // Nothing was rewritten, so nothing is kept as an original.
      expect(track!.tailor).not.toHaveProperty('originals');
      // The client stamps its own time; Tailor keeps it (plus skew) in UTC.
      expect(Math.abs(Date.parse(track!.timestamp as string) - Date.now())).toBeLessThan(60_000);
      expect(page).toMatchObject({
        userId,
        name: 'Pricing',
        category: 'Docs',
        properties: { path: '/pricing', referrer: 'https://example.com/' },
      });
      expect(screen).toMatchObject({ userId, name: 'Home', properties: { variant: 'b' } });
      expect(group).toMatchObject({
        userId,
        groupId: 'acme-inc',
        traits: { name: 'Acme Inc', employees: 42 },
      });
      expect(alias).toMatchObject({ userId, previousId: anonymousId });

      const [, anonymousTrack, anonymousPage] = byAnonymous;
      expect(anonymousTrack).toMatchObject({
        userId: null,
        anonymousId,
        event: 'Signup Started',
        properties: { source: 'newsletter' },
      });
      expect(anonymousPage).toMatchObject({
        userId: null,
        anonymousId,
        name: 'Landing',
        properties: { path: '/' },
      });

      // The client re-sending the same messages (a retry after a lost response) stores nothing twice.
      const again = await postCollect(server.url, '/v1/batch', { batch: sent });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ stored: 0, duplicates: 8, rejected: [] });
      expect(await readAllEvents(server.url, { userId })).toHaveLength(6);
    },
  );

  it(
    'refuses a client with a wrong write key with 401, and stores nothing from it',
    { timeout: 60_000 },
    async () => {
      const userId = `e2e-intruder-${randomUUID().slice(0, 8)}`;
      const { analytics, responses, errors } = segmentClient(server.url, 'not-a-real-write-key', 1);
      analytics.track({ userId, event: 'Should Not Land' });
      await analytics.closeAndFlush({ timeout: 20_000 });

      expect(responses).toEqual([401]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        code: 'delivery_failure',
        reason: expect.objectContaining({ message: expect.stringContaining('401') }),
      });

      // The same over plain HTTP: no key, a wrong key, and an admin route with the write key.
      const wrong = await postCollect(
        server.url,
        '/v1/track',
        { userId, event: 'x' },
        {
          auth: `Basic ${Buffer.from('nope-nope-nope:').toString('base64')}`,
        },
      );
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ code: 'unauthorized' });
      const none = await fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ batch: [{ type: 'track', userId, event: 'x' }] }),
      });
      expect(none.status).toBe(401);
      const asWriter = await fetch(`${server.url}/v1/events?userId=${userId}`, {
        headers: { authorization: `Bearer ${WRITE_KEY}` },
      });
      expect(asWriter.status).toBe(403);

      expect(await readAllEvents(server.url, { userId })).toEqual([]);
    },
  );
});
