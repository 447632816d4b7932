import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  cleanupClusters,
  profileOf,
  startCluster,
  until,
  type Answer,
  type Json,
} from './support/cluster.js';
import { WRITE_AUTH, type SpawnedTailor } from './support/spawn-tailor.js';
import { ERASURE_GRACE_MS } from '../../src/pipeline/erasure-job.js';

/**
 * The scenarios that matter (collection, identity, segments, decide, privacy) once on a three-node
 * installation, over plain HTTP, each request spread over the nodes: written on one, read on
 * another. They assert what the single-node tests (collect-routes, profiles, segments, decide,
 * consent, erasure, suppression) assert; only the waiting differs, since the nodes follow each
 * other eventually.
 */

let nodes: SpawnedTailor[] = [];
let a: SpawnedTailor;
let b: SpawnedTailor;
let c: SpawnedTailor;

beforeAll(async () => {
  nodes = await startCluster(3);
  [a, b, c] = nodes as [SpawnedTailor, SpawnedTailor, SpawnedTailor];
}, 150_000);
afterAll(async () => {
  await cleanupClusters();
});

type Event = Record<string, unknown> & { messageId: string; event?: string; type: string };
type Who = { userId: string } | { anonymousId: string };

const collect = (node: SpawnedTailor, route: string, body: unknown): Promise<Answer> =>
  call(node, 'POST', route, body, WRITE_AUTH);

async function collected(node: SpawnedTailor, route: string, body: unknown): Promise<void> {
  const answer = await collect(node, route, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.rejected).toEqual([]);
}

/** A person's events as one node reads them from the log. */
async function eventsOf(node: SpawnedTailor, who: Who): Promise<Event[]> {
  const answer = await call(node, 'GET', `/v1/events?${new URLSearchParams(who).toString()}`);
  expect(answer.status).toBe(200);
  return answer.body.events as Event[];
}

/** The profile holding TYPE:VALUE through one node, undefined while there is none. */
async function profileBy(node: SpawnedTailor, identifier: string): Promise<Json> {
  const answer = await call(node, 'GET', `/v1/profiles?identifier=${identifier}`);
  return answer.status === 200 ? answer.body : undefined;
}

/** A placement whose one item needs the pro plan: what consent, export and erasure decide with. */
async function defineOffers(node: SpawnedTailor): Promise<void> {
  const put = await call(node, 'PUT', '/v1/placements/offers', {
    items: [{ id: 'pro', when: 'traits.plan = "pro"', priority: 1, template: 'Pro' }],
    default: { id: 'generic', template: 'Hello' },
  });
  expect(put.status).toBe(200);
}

async function decide(
  node: SpawnedTailor,
  body: Record<string, unknown>,
  authorization?: string,
): Promise<Json[]> {
  const answer = await call(node, 'POST', '/v1/decide', body, authorization);
  expect(answer.status).toBe(200);
  return answer.body.decisions as Json[];
}

/** Polls each node in turn until `probe` holds on it, and gives what each one answered. */
async function onEveryNode<T>(
  probe: (node: SpawnedTailor) => Promise<T | undefined>,
  what: string,
  ms?: number,
): Promise<T[]> {
  const seen: T[] = [];
  try {
    for (const [i, node] of nodes.entries())
      seen.push(await until(() => probe(node), `${what} on node ${String(i)}`, ms));
  } catch (error) {
    // What the nodes said (warnings and errors) is the first thing to read when a wait runs out.
    const said = nodes.map((n, i) => `--- node ${String(i)} ---\n${n.output().slice(-4000)}`);
    throw new Error(`${(error as Error).message}\n${said.join('\n')}`, { cause: error });
  }
  return seen;
}

describe(
  'the e2e scenarios on three nodes of PostgreSQL and NATS JetStream',
  { timeout: 300_000 },
  () => {
    it('collects on any node, stores a resend to another node once, and refuses an invalid message alone', async () => {
      const track = {
        userId: 'col-1',
        event: 'Order Completed',
        properties: { revenue: 12.5 },
        messageId: 'col-track',
      };
      expect(await collect(a, '/v1/track', track)).toMatchObject({
        status: 200,
        body: { success: true, stored: 1, duplicates: 0, rejected: [] },
      });
      expect(
        await collect(b, '/v1/identify', {
          userId: 'col-1',
          traits: { email: '  Col@Example.COM ' },
          messageId: 'col-identify',
        }),
      ).toMatchObject({ status: 200, body: { stored: 1, duplicates: 0 } });
      expect(
        await collect(c, '/v1/batch', {
          batch: [{ type: 'page', userId: 'col-1', name: 'Home', messageId: 'col-page' }],
        }),
      ).toMatchObject({ status: 200, body: { stored: 1, duplicates: 0 } });

      // A client retrying on other nodes (as through a load balancer) stores nothing twice.
      expect(await collect(c, '/v1/track', track)).toMatchObject({
        status: 200,
        body: { stored: 0, duplicates: 1 },
      });
      expect(
        await collect(b, '/v1/batch', {
          batch: [
            { ...track, type: 'track' },
            { type: 'track', userId: 'col-1', event: 'Clicked', messageId: 'col-other' },
          ],
        }),
      ).toMatchObject({ status: 200, body: { stored: 1, duplicates: 1 } });

      // An invalid message is refused with its reason; in a batch it costs only itself.
      const invalid = await collect(a, '/v1/track', { userId: 'col-1' });
      expect(invalid.status).toBe(400);
      expect(invalid.body.message).toMatch(/event/);
      const mixed = await collect(b, '/v1/batch', {
        batch: [
          { type: 'track', userId: 'col-2', event: 'A', messageId: 'col-a' },
          { type: 'track', userId: 'col-2' },
          'not a message',
          { type: 'bogus', userId: 'col-2' },
          { type: 'identify', userId: 'col-2', traits: { plan: 'pro' }, messageId: 'col-b' },
        ],
      });
      expect(mixed.status).toBe(200);
      expect(mixed.body.stored).toBe(2);
      expect(mixed.body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3]);
      for (const r of mixed.body.rejected) expect(r.reason).toEqual(expect.any(String));

      // Every node reads each acknowledged message once, in log order.
      for (const node of nodes) {
        const events = await eventsOf(node, { userId: 'col-1' });
        expect(events.map((e) => e.messageId)).toEqual([
          'col-track',
          'col-identify',
          'col-page',
          'col-other',
        ]);
        expect(events[1]).toMatchObject({ type: 'identify', traits: { email: 'col@example.com' } });
        expect((await eventsOf(node, { userId: 'col-2' })).map((e) => e.messageId)).toEqual([
          'col-a',
          'col-b',
        ]);
      }
    });

    it('makes one profile of anonymous browsing and a login sent to different nodes', async () => {
      await collected(a, '/v1/batch', {
        batch: [
          { type: 'page', anonymousId: 'id-anon-1', name: 'Home', messageId: 'id-m1' },
          { type: 'track', anonymousId: 'id-anon-1', event: 'Product Viewed', messageId: 'id-m2' },
        ],
      });
      await collected(b, '/v1/identify', {
        anonymousId: 'id-anon-1',
        userId: 'id-user-1',
        traits: { email: ' Ida@Example.COM ', plan: 'pro' },
        messageId: 'id-m3',
      });
      const [ida] = await onEveryNode(async (node) => {
        const p = await profileOf(node, 'id-user-1');
        const events = p && (await call(node, 'GET', `/v1/profiles/${String(p.id)}/events`));
        return events?.body.events.length === 3 ? p : undefined;
      }, 'the login and the anonymous events in one profile');
      expect(ida).toMatchObject({
        identifiers: [
          { type: 'anonymousId', value: 'id-anon-1' },
          { type: 'email', value: 'ida@example.com' },
          { type: 'userId', value: 'id-user-1' },
        ],
        traits: { email: 'ida@example.com', plan: 'pro' },
      });
      for (const node of nodes) {
        expect((await profileBy(node, 'anonymousId:id-anon-1'))?.id).toBe(ida?.id);
        expect((await profileBy(node, 'email:ida@example.com'))?.id).toBe(ida?.id);
        const events = await call(node, 'GET', `/v1/profiles/${String(ida?.id)}/events`);
        expect(events.body.events.map((e: Event) => e.messageId)).toEqual([
          'id-m1',
          'id-m2',
          'id-m3',
        ]);
      }
    });

    it('merges two existing profiles into the older one when an identify or an alias links them', async () => {
      // Two devices, each a profile of its own; the laptop's is made first.
      await collected(a, '/v1/identify', {
        anonymousId: 'id-laptop',
        userId: 'id-user-2',
        messageId: 'id-a1',
      });
      const laptop = await until(() => profileOf(c, 'id-user-2'), 'the laptop profile');
      await collected(b, '/v1/track', {
        anonymousId: 'id-phone',
        event: 'App Opened',
        messageId: 'id-a2',
      });
      const phone = (await until(() => profileBy(a, 'anonymousId:id-phone'), 'the phone profile'))
        .id as string;
      expect(phone).not.toBe(laptop.id);

      await collected(c, '/v1/identify', {
        anonymousId: 'id-phone',
        userId: 'id-user-2',
        messageId: 'id-a3',
      });
      const [merged] = await onEveryNode(async (node) => {
        const p = (await call(node, 'GET', `/v1/profiles/${phone}`)).body;
        return p?.id !== phone ? p : undefined;
      }, 'the phone profile merged');
      expect(merged).toMatchObject({ id: laptop.id, mergedIds: [phone] });
      for (const node of nodes) {
        const history = await call(node, 'GET', `/v1/profiles/${String(laptop.id)}/merges`);
        expect(history.body.merges).toEqual([
          {
            into: laptop.id,
            from: phone,
            messageId: 'id-a3',
            at: expect.any(String),
            reason: 'identifier anonymousId:id-phone',
          },
        ]);
      }
      const events = await until(async () => {
        const page = await call(b, 'GET', `/v1/profiles/${String(laptop.id)}/events`);
        return page.body.events.length === 3 ? (page.body.events as Event[]) : undefined;
      }, "both devices' events under the merged profile");
      expect(events.map((e) => e.messageId)).toEqual(['id-a1', 'id-a2', 'id-a3']);

      // An alias links a userId's profile and an anonymous one, each folded on its own partition.
      await collected(a, '/v1/identify', {
        userId: 'id-user-3',
        traits: { plan: 'basic' },
        messageId: 'id-b1',
      });
      const known = await until(() => profileOf(b, 'id-user-3'), 'the userId profile');
      await collected(b, '/v1/track', {
        anonymousId: 'id-anon-3',
        event: 'Viewed',
        messageId: 'id-b2',
      });
      const anonymous = (
        await until(() => profileBy(c, 'anonymousId:id-anon-3'), 'the anonymous one')
      ).id as string;
      expect(anonymous).not.toBe(known.id);
      await collected(c, '/v1/alias', {
        userId: 'id-user-3',
        previousId: 'id-anon-3',
        messageId: 'id-b3',
      });
      await onEveryNode(async (node) => {
        const p = await profileBy(node, 'anonymousId:id-anon-3');
        return p?.id === known.id ? p : undefined;
      }, 'the anonymous id leading to the userId profile');
      const history = await call(a, 'GET', `/v1/profiles/${String(known.id)}/merges`);
      expect(history.body.merges).toEqual([
        {
          into: known.id,
          from: anonymous,
          messageId: 'id-b3',
          at: expect.any(String),
          reason: 'alias',
        },
      ]);
    });

    it('moves a person in and out of a segment defined on another node, visible everywhere', async () => {
      expect(
        (await call(a, 'PUT', '/v1/segments/gold', { definition: 'traits.plan = "gold"' })).status,
      ).toBe(200);
      await collected(b, '/v1/identify', { userId: 'seg-1', traits: { plan: 'free' } });
      const free = await until(async () => {
        const p = await profileOf(c, 'seg-1');
        return (p?.traits as { plan?: string } | undefined)?.plan === 'free' ? p : undefined;
      }, 'the free plan folded');
      expect(free.segments).toEqual([]);

      // Entry when the trait matches.
      await collected(c, '/v1/identify', { userId: 'seg-1', traits: { plan: 'gold' } });
      for (const p of await onEveryNode(async (node) => {
        const p = await profileOf(node, 'seg-1');
        return (p?.traits as { plan?: string } | undefined)?.plan === 'gold' &&
          (p?.segments as string[]).length > 0
          ? p
          : undefined;
      }, 'the gold plan folded'))
        expect(p.segments).toEqual(['gold']);
      const members = await until(async () => {
        const page = (await call(b, 'GET', '/v1/segments/gold/members')).body;
        return page.count === 1 ? page : undefined;
      }, 'a member of gold');
      expect(members).toEqual({ profiles: [free.id], count: 1, next: null });

      // Exit when it changes.
      await collected(a, '/v1/identify', { userId: 'seg-1', traits: { plan: 'free' } });
      for (const p of await onEveryNode(async (node) => {
        const p = await profileOf(node, 'seg-1');
        return (p?.traits as { plan?: string } | undefined)?.plan === 'free' ? p : undefined;
      }, 'the free plan folded again'))
        expect(p.segments).toEqual([]);
      expect((await call(c, 'GET', '/v1/segments/gold/members')).body).toEqual({
        profiles: [],
        count: 0,
        next: null,
      });

      // Entries and exits are events in the log, and the person's membership history.
      const announced = await until(async () => {
        const events = (await eventsOf(a, { userId: 'seg-1' })).filter((e) =>
          e.event?.startsWith('Segment '),
        );
        return events.length >= 2 ? events : undefined;
      }, 'the entry and exit in the log');
      expect(
        announced.map((e) => [
          e.event,
          (e.properties as Record<string, unknown>).segment,
          (e.properties as Record<string, unknown>).profileId,
        ]),
      ).toEqual([
        ['Segment Entered', 'gold', free.id],
        ['Segment Exited', 'gold', free.id],
      ]);
      const history = (await call(b, 'GET', `/v1/profiles/${String(free.id)}/memberships`)).body
        .memberships as { segment: string; entered: boolean }[];
      expect(history.map((h) => [h.segment, h.entered])).toEqual([
        ['gold', true],
        ['gold', false],
      ]);
    });

    it('backfills a segment defined after the people exist, whichever node folded them', async () => {
      const people = Array.from({ length: 12 }, (_, p) => ({
        userId: `bf-${String(p)}`,
        plan: p % 3 === 0 ? 'silver' : 'bronze',
      }));
      for (const [p, person] of people.entries())
        await collected(nodes[p % 3] as SpawnedTailor, '/v1/identify', {
          userId: person.userId,
          traits: { plan: person.plan },
        });
      const ids = new Map<string, string>();
      for (const [p, person] of people.entries()) {
        const profile = await until(
          () => profileOf(nodes[(p + 1) % 3] as SpawnedTailor, person.userId),
          `${person.userId}'s profile`,
        );
        ids.set(person.userId, profile.id as string);
      }

      const put = await call(b, 'PUT', '/v1/segments/silver', {
        definition: 'traits.plan = "silver"',
      });
      expect(put.status).toBe(200);
      // Started over everyone there is (the upkeep node may already be done: it runs beside the route).
      expect(put.body.backfill.total).toBeGreaterThanOrEqual(people.length);
      const [finished] = await onEveryNode(async (node) => {
        const backfill = (await call(node, 'GET', '/v1/segments/silver')).body.backfill;
        return backfill?.status === 'done' ? backfill : undefined;
      }, 'the backfill done');
      expect(finished.done).toBe(finished.total);
      expect(finished.total).toBeGreaterThanOrEqual(people.length);

      const silver = people.filter((p) => p.plan === 'silver').map((p) => ids.get(p.userId));
      for (const node of nodes) {
        const members = (await call(node, 'GET', '/v1/segments/silver/members?limit=1000')).body;
        expect(members.count).toBe(silver.length);
        expect([...members.profiles].sort()).toEqual([...silver].sort());
        expect((await profileOf(node, 'bf-3'))?.segments).toEqual(['silver']);
        expect((await profileOf(node, 'bf-4'))?.segments).toEqual([]);
      }
    });

    it('decides on one node with a placement defined on another and the profile collected on a third, and falls back for strangers', async () => {
      const put = await call(a, 'PUT', '/v1/placements/hero', {
        items: [
          {
            id: 'vip',
            when: 'traits.tier = "vip"',
            priority: 10,
            template: 'Hi {{ traits.name }}, VIP',
          },
          {
            id: 'shoes',
            when: 'context.page.path starts_with "/shoes"',
            priority: 5,
            template: 'Shoes for you',
          },
        ],
        default: { id: 'welcome', template: 'Welcome!' },
      });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ name: 'hero', items: [{ id: 'vip' }, { id: 'shoes' }] });
      await collected(c, '/v1/batch', {
        batch: [
          { type: 'identify', userId: 'dec-1', traits: { tier: 'vip', name: '<b>Dee</b>' } },
          { type: 'identify', userId: 'dec-2', traits: { tier: 'basic' } },
        ],
      });

      // Node b may first answer before the placement or the person reached it: it follows both.
      const dee = await until(async () => {
        const [decision] = await decide(b, { userId: 'dec-1', placements: ['hero'] });
        return decision?.itemId === 'vip' ? decision : undefined;
      }, 'the vip item for dec-1');
      expect(dee).toMatchObject({
        placement: 'hero',
        itemId: 'vip',
        fallback: false,
        content: 'Hi &lt;b&gt;Dee&lt;/b&gt;, VIP',
      });
      expect(dee.reasons[0]).toBe('vip: chosen (traits.tier = "vip")');
      expect(dee.reasons).toContain(
        'shoes: rule did not hold (context.page.path starts_with "/shoes")',
      );

      // The request's context counts; a known person with nothing eligible gets the default.
      const onShoes = await until(async () => {
        const [decision] = await decide(c, {
          userId: 'dec-2',
          placements: ['hero'],
          context: { page: { path: '/shoes/run' } },
        });
        return decision?.itemId === 'shoes' ? decision : undefined;
      }, 'the shoes item for dec-2');
      expect(onShoes).toMatchObject({ content: 'Shoes for you', fallback: false });
      expect((await decide(a, { userId: 'dec-2', placements: ['hero'] }))[0]).toMatchObject({
        itemId: 'welcome',
        fallback: true,
      });

      // The person changes on another node: node b, which has them cached, follows.
      await collected(a, '/v1/identify', { userId: 'dec-1', traits: { tier: 'basic' } });
      const changed = await until(async () => {
        const [decision] = await decide(b, { userId: 'dec-1', placements: ['hero'] });
        return decision?.itemId === 'welcome' ? decision : undefined;
      }, 'dec-1 no longer vip on node b');
      expect(changed).toMatchObject({ content: 'Welcome!', fallback: true });

      // Unknown people and placements get the default, flagged, never an error.
      const [stranger, missing] = await decide(c, {
        anonymousId: 'dec-nobody',
        placements: ['hero', 'nope'],
      });
      expect(stranger).toMatchObject({
        itemId: 'welcome',
        content: 'Welcome!',
        fallback: true,
        reasons: ['welcome: default, unknown person'],
      });
      expect(missing).toMatchObject({
        placement: 'nope',
        itemId: null,
        content: null,
        fallback: true,
      });
      expect(
        (await decide(a, { userId: 'dec-nobody-2', placements: ['hero'] }, WRITE_AUTH))[0],
      ).toMatchObject({ itemId: 'welcome', fallback: true });

      // Each decision is an event in the log, readable from any node.
      const made = await until(async () => {
        const events = (await eventsOf(a, { userId: 'dec-1' })).filter(
          (e) => e.event === 'Decision Made',
        );
        return events.some((e) => (e.properties as { itemId?: string }).itemId === 'vip')
          ? events
          : undefined;
      }, 'the vip decision in the log');
      expect(made.map((e) => e.properties)).toContainEqual({
        placement: 'hero',
        itemId: 'vip',
        fallback: false,
        reason: 'vip: chosen (traits.tier = "vip")',
      });
    });

    it('honours consent withdrawn through one node on the others', async () => {
      await defineOffers(b);
      await collected(a, '/v1/identify', { userId: 'con-1', traits: { plan: 'pro' } });
      await until(async () => {
        const [decision] = await decide(c, { userId: 'con-1', placements: ['offers'] }, WRITE_AUTH);
        return decision?.itemId === 'pro' ? true : undefined;
      }, 'the pro offer for con-1');

      // Personalization refused on node b: every node serves the default, and says why only to an admin.
      await collected(b, '/v1/track', {
        userId: 'con-1',
        event: 'Settings Saved',
        context: { consent: { categoryPreferences: { personalization: false } } },
      });
      for (const p of await onEveryNode(async (node) => {
        const p = await profileOf(node, 'con-1');
        return (p?.consent as Record<string, boolean> | undefined)?.personalization === false
          ? p
          : undefined;
      }, 'the refusal folded'))
        expect(p.consent).toEqual({ personalization: false });
      for (const node of nodes) {
        const [answer] = await until(async () => {
          const decisions = await decide(
            node,
            { userId: 'con-1', placements: ['offers'] },
            WRITE_AUTH,
          );
          return decisions[0]?.itemId === 'generic' ? decisions : undefined;
        }, 'the default for con-1');
        expect(answer).toMatchObject({
          itemId: 'generic',
          fallback: true,
          reasons: ['generic: default'],
        });
        expect((await decide(node, { userId: 'con-1', placements: ['offers'] }))[0]).toMatchObject({
          itemId: 'generic',
          reasons: ['generic: default, no personalization consent'],
        });
      }

      // A message refusing analytics is not stored; the refusal is, and every node's profile has it.
      const dropped = await collect(c, '/v1/batch', {
        batch: [
          { type: 'track', userId: 'con-2', event: 'Counted' },
          {
            type: 'track',
            userId: 'con-2',
            event: 'Refused',
            context: { consent: { categoryPreferences: { analytics: false } } },
          },
        ],
      });
      expect(dropped).toMatchObject({ status: 200, body: { withheld: 1 } });
      for (const node of nodes) {
        const events = await eventsOf(node, { userId: 'con-2' });
        expect(events.map((e) => e.event)).toEqual(['Counted', 'Consent Updated']);
        expect(events[1]?.context).toEqual({
          consent: { categoryPreferences: { analytics: false } },
        });
      }
      for (const p of await onEveryNode(async (node) => {
        const p = await profileOf(node, 'con-2');
        return (p?.consent as Record<string, boolean> | undefined)?.analytics === false
          ? p
          : undefined;
      }, 'the analytics refusal folded'))
        expect(p.consent).toEqual({ analytics: false });
    });

    it('exports everything held about a person from any node, merged profiles and consent included', async () => {
      await defineOffers(c);
      await collected(a, '/v1/page', { anonymousId: 'exp-anon', name: 'Home' });
      await collected(b, '/v1/identify', { userId: 'exp-1', traits: { email: 'exp@example.com' } });
      await collected(c, '/v1/alias', { userId: 'exp-1', previousId: 'exp-anon' });
      await collected(a, '/v1/track', {
        userId: 'exp-1',
        event: 'Saved',
        context: { consent: { categoryPreferences: { marketing: false } } },
      });
      await until(async () => {
        const p = await profileOf(b, 'exp-1');
        return (p?.consent as Record<string, boolean> | undefined)?.marketing === false
          ? p
          : undefined;
      }, 'the marketing refusal folded');
      await decide(b, { userId: 'exp-1', placements: ['offers'] }, WRITE_AUTH);

      const exports = await onEveryNode(async (node) => {
        const answer = await call(node, 'POST', '/v1/privacy/export', {
          identifier: 'email:EXP@example.com',
        });
        return answer.status === 200 && answer.body.events.length === 5 ? answer.body : undefined;
      }, 'the export with every event');
      for (const data of exports) {
        expect(data.profile).toMatchObject({
          traits: { email: 'exp@example.com' },
          consent: { marketing: false },
          // `tailor serve` names the key it was given in TAILOR_WRITE_KEY env-write.
          provenance: { email: { source: 'key:env-write' } },
        });
        expect(data.events.map((e: Event) => e.event ?? e.type)).toEqual([
          'page',
          'identify',
          'alias',
          'Saved',
          'Decision Made',
        ]);
        expect(data.decisions).toHaveLength(1);
        expect(data.consent.history).toMatchObject([{ purpose: 'marketing', granted: false }]);
      }
      expect(
        (await call(c, 'POST', '/v1/privacy/export', { identifier: 'email:nobody@example.com' }))
          .status,
      ).toBe(404);
    });

    it('erases a person through one node: profile and events gone and later messages suppressed, read from every node', async () => {
      const ERIN = 'erin-user-9c1d';
      const DEVICE = 'erin-device-7f3a';
      await defineOffers(a);
      expect(
        (
          await call(c, 'PUT', '/v1/segments/buyers', {
            definition: 'traits.plan = "buyer"',
          })
        ).status,
      ).toBe(200);
      await collected(a, '/v1/page', { anonymousId: DEVICE, name: 'Home' });
      await collected(b, '/v1/identify', {
        anonymousId: DEVICE,
        userId: ERIN,
        traits: { email: 'erin.zed@example.com', name: 'Erin Zedd', plan: 'buyer' },
      });
      await collected(c, '/v1/track', {
        userId: ERIN,
        event: 'Order Completed',
        properties: { note: 'gift for Erin Zedd' },
      });
      await collected(a, '/v1/identify', {
        userId: 'kept-user-1',
        traits: { email: 'kept@example.com', plan: 'buyer' },
      });
      const [erin] = await onEveryNode(async (node) => {
        const p = await profileOf(node, ERIN);
        const events = p && (await call(node, 'GET', `/v1/profiles/${String(p.id)}/events`));
        // Her three events and her entry into buyers.
        return events?.body.events.length === 4 ? p : undefined;
      }, "erin's profile with her events");
      expect(erin?.segments).toEqual(['buyers']);
      const kept = await until(async () => {
        const p = await profileOf(b, 'kept-user-1');
        return (p?.segments as string[] | undefined)?.includes('buyers') === true ? p : undefined;
      }, 'the kept person in buyers');
      expect(
        (await decide(b, { userId: ERIN, placements: ['offers'] }, WRITE_AUTH))[0],
      ).toMatchObject({ itemId: 'generic' });
      await until(async () => {
        const events = await eventsOf(c, { userId: ERIN });
        return events.some((e) => e.event === 'Decision Made') ? true : undefined;
      }, "erin's decision in the log");

      const erase = await call(b, 'POST', '/v1/privacy/erase', {
        identifier: 'email:erin.zed@example.com',
      });
      expect(erase.status).toBe(202);
      expect(erase.body).toMatchObject({ profileId: erin?.id, status: 'accepted' });

      await onEveryNode(async (node) => {
        for (const identifier of [
          `userId:${ERIN}`,
          `anonymousId:${DEVICE}`,
          'email:erin.zed@example.com',
        ])
          if ((await profileBy(node, identifier)) !== undefined) return undefined;
        return (await call(node, 'GET', `/v1/profiles/${String(erin?.id)}`)).status === 404
          ? true
          : undefined;
      }, 'the profile gone');
      // Her events are hidden from every read from the moment the erasure is asked (their removal
      // from the stream is checked at the end, with the suppression lifted).
      for (const node of nodes) {
        expect(await eventsOf(node, { userId: ERIN })).toEqual([]);
        expect(await eventsOf(node, { anonymousId: DEVICE })).toEqual([]);
      }
      await onEveryNode(async (node) => {
        const members = (await call(node, 'GET', '/v1/segments/buyers/members')).body;
        return members.count === 1 ? members : undefined;
      }, 'buyers without erin');
      for (const node of nodes) {
        expect((await call(node, 'GET', '/v1/segments/buyers/members')).body).toEqual({
          profiles: [kept.id],
          count: 1,
          next: null,
        });
        expect(await profileOf(node, 'kept-user-1')).toMatchObject({
          id: kept.id,
          traits: { email: 'kept@example.com' },
          segments: ['buyers'],
        });
      }

      // Later messages naming any of her identifiers are withheld by every node, consent or not.
      for (const node of nodes) {
        const later = await collect(node, '/v1/batch', {
          batch: [
            { type: 'track', userId: ERIN, event: 'Came Back' },
            { type: 'page', anonymousId: DEVICE, name: 'Home' },
            {
              type: 'identify',
              userId: ERIN,
              traits: { plan: 'buyer' },
              context: { consent: { categoryPreferences: { analytics: true } } },
            },
          ],
        });
        expect(later).toMatchObject({ status: 200, body: { stored: 0, withheld: 3 } });
      }
      // A decision for her is the one for a stranger, and records nothing about her.
      for (const node of nodes) {
        const asked = await decide(node, { userId: ERIN, placements: ['offers'] }, WRITE_AUTH);
        const unknown = await decide(
          node,
          { userId: 'never-seen', placements: ['offers'] },
          WRITE_AUTH,
        );
        expect(asked).toEqual(unknown);
        expect(asked[0]).toMatchObject({ itemId: 'generic', fallback: true });
      }
      // Once the stranger's decisions are in the log, nothing of hers is.
      await until(async () => {
        const events = await eventsOf(a, { userId: 'never-seen' });
        return events.length === 3 ? true : undefined;
      }, "the stranger's three decisions in the log");
      for (const node of nodes) {
        expect(await eventsOf(node, { userId: ERIN })).toEqual([]);
        expect(await eventsOf(node, { anonymousId: DEVICE })).toEqual([]);
        expect(await profileBy(node, `userId:${ERIN}`)).toBeUndefined();
      }

      // Hidden is not gone: with her suppression lifted on node a, the stream itself must hold
      // none of her events. An owner's part that failed (a JetStream request timing out on a
      // loaded machine; once seen in a full run, cause not confirmed) is finished by the erasure
      // job after its grace period: the wait allows for that retry (alone, this takes a second).
      for (const identifier of [
        `userId:${ERIN}`,
        `anonymousId:${DEVICE}`,
        'email:erin.zed@example.com',
      ])
        expect((await call(a, 'POST', '/v1/privacy/unsuppress', { identifier })).status).toBe(200);
      // Known again, she is read again: a new event of hers shows, alone.
      await collected(a, '/v1/track', { userId: ERIN, event: 'Returned' });
      let stillThere: string[] = [];
      await until(
        async () => {
          const left = [
            ...(await eventsOf(a, { userId: ERIN })),
            ...(await eventsOf(a, { anonymousId: DEVICE })),
          ];
          stillThere = left.map((e) => `${e.type} ${String(e.event)}`);
          return stillThere.join() === 'track Returned' ? true : undefined;
        },
        'her events gone from the log',
        ERASURE_GRACE_MS + 60_000,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\nstill read: ${stillThere.join(', ')}`);
      });
    });
    it("takes an erased person out of an optimizing placement's counts, whichever node counted them", async () => {
      const put = await call(a, 'PUT', '/v1/placements/bandit-hero', {
        items: [
          { id: 'x', priority: 0, template: 'X' },
          { id: 'y', priority: 0, template: 'Y' },
        ],
        default: { id: 'none', template: '-' },
        optimize: { method: 'thompson', metric: { event: 'Order Completed', within: '7d' } },
      });
      expect(put.status).toBe(200);
      const arms = async (node: SpawnedTailor) => {
        const answer = await call(node, 'GET', '/v1/placements/bandit-hero/arms');
        expect(answer.status).toBe(200);
        const items = answer.body.items as { id: string; exposures: number; conversions: number }[];
        return {
          exposures: items.reduce((n, i) => n + i.exposures, 0),
          conversions: items.reduce((n, i) => n + i.conversions, 0),
        };
      };
      for (const userId of ['band-1', 'band-2'])
        await collected(b, '/v1/identify', { userId, traits: { plan: 'free' } });
      // Shown to known people only (an unknown person gets the default, counted nowhere).
      for (const [i, userId] of ['band-1', 'band-2'].entries()) {
        const node = nodes[i] as SpawnedTailor;
        await until(() => profileBy(node, `userId:${userId}`), `${userId} known`);
        const [shown] = await decide(node, { userId, placements: ['bandit-hero'] });
        expect(['x', 'y']).toContain(shown?.itemId);
      }
      await collected(c, '/v1/track', { userId: 'band-1', event: 'Order Completed' });
      await onEveryNode(async (node) => {
        const counts = await arms(node);
        return counts.exposures === 2 && counts.conversions === 1 ? counts : undefined;
      }, 'two exposures and one conversion counted');

      const erase = await call(a, 'POST', '/v1/privacy/erase', { identifier: 'userId:band-1' });
      expect(erase.status).toBe(202);
      await onEveryNode(async (node) => {
        const counts = await arms(node);
        return counts.exposures === 1 && counts.conversions === 0 ? counts : undefined;
      }, 'the erased person out of the counts');
    });
  },
);
