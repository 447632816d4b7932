import { afterEach, describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../../src/audit/audit.schema.js';
import type { AuditLog } from '../../src/store/audit-log.js';
import type { BanditMetric, BanditStore } from '../../src/store/bandit-store.js';

export interface Opened<T> {
  store: T;
  dispose(): Promise<void>;
}

const entry = (at: number, fields: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  at,
  key: 'admin',
  role: 'admin',
  action: 'profile.read',
  target: 'profile',
  method: 'GET',
  route: '/v1/profiles/:id',
  status: 200,
  ip: '127.0.0.1',
  ...fields,
});

/** What every AuditLog adapter guarantees. */
export function describeAuditLogContract(backend: string, open: () => Promise<Opened<AuditLog>>) {
  describe(`AuditLog contract (${backend})`, () => {
    let opened: Opened<AuditLog> | undefined;
    afterEach(async () => {
      await opened?.store.close();
      await opened?.dispose();
    });

    it('reads back what was recorded before, newest first, filtered and paged; prunes by time', async () => {
      opened = await open();
      const log = opened.store;
      for (let i = 1; i <= 5; i++) {
        log.record(entry(i * 1000, { profileId: i % 2 === 0 ? 'p-even' : 'p-odd' }));
      }
      log.record(entry(6000, { action: 'segment.put', key: 'marketer', target: 'segment:vip' }));
      const all = await log.list({ limit: 100 }); // sees what was queued in this same turn
      expect(all.entries.map((e) => e.at)).toEqual(
        [6, 5, 4, 3, 2, 1].map((s) => new Date(s * 1000).toISOString()),
      );
      expect(all.next).toBeNull();
      expect(all.entries[0]).toMatchObject({ action: 'segment.put', key: 'marketer', status: 200 });
      expect('profileId' in (all.entries[0] ?? {})).toBe(false);
      const first = await log.list({ limit: 2, action: 'profile.read' });
      expect(first.entries.map((e) => e.at)).toEqual(
        [5000, 4000].map((t) => new Date(t).toISOString()),
      );
      const second = await log.list({ limit: 2, action: 'profile.read', before: first.next ?? 0 });
      expect(second.entries.map((e) => e.profileId)).toEqual(['p-odd', 'p-even']);
      expect((await log.list({ limit: 10, profileIds: ['p-even'] })).entries).toHaveLength(2);
      expect((await log.list({ limit: 10, profileIds: [] })).entries).toHaveLength(0);
      expect((await log.list({ limit: 10, key: 'marketer' })).entries).toHaveLength(1);
      expect((await log.list({ limit: 10, since: 2000, until: 4000 })).entries).toHaveLength(2);
      expect(await log.prune(3000)).toBe(2);
      expect((await log.list({ limit: 10 })).entries).toHaveLength(4);
    });

    it('pages newest first through entries of several turns until next is null, each entry once', async () => {
      opened = await open();
      const log = opened.store;
      for (let turn = 0; turn < 3; turn++) {
        for (let i = 0; i < 3; i++) log.record(entry(1000 * (turn * 3 + i + 1)));
        await new Promise<void>((resolve) => setImmediate(resolve)); // the turn's entries commit
      }
      const seen: number[] = [];
      const ats: string[] = [];
      let before: number | undefined;
      for (let page = 0; page < 10; page++) {
        const { entries, next } = await log.list({
          limit: 4,
          ...(before !== undefined && { before }),
        });
        seen.push(...entries.map((e) => e.id));
        ats.push(...entries.map((e) => e.at));
        if (next === null) break;
        expect(next).toBe(entries[entries.length - 1]?.id);
        before = next;
      }
      expect(seen).toHaveLength(9);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen); // ids descending, none twice
      expect(new Set(seen).size).toBe(9);
      expect(ats).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1].map((s) => new Date(s * 1000).toISOString()));
      // An exact page: the last full page says there is nothing after it.
      expect((await log.list({ limit: 9 })).next).toBeNull();
      expect(await log.prune(0)).toBe(0);
    });
  });
}

const metric: BanditMetric = { placement: 'hero', event: 'Order Completed', withinMs: 10_000 };

/** What every BanditStore adapter guarantees. */
export function describeBanditStoreContract(
  backend: string,
  open: () => Promise<Opened<BanditStore>>,
) {
  describe(`BanditStore contract (${backend})`, () => {
    let opened: Opened<BanditStore> | undefined;
    afterEach(async () => {
      await opened?.store.close();
      await opened?.dispose();
    });

    it('counts a person once per item, conversions within the window, and refuses a stale range', async () => {
      opened = await open();
      const s = opened.store;
      expect(await s.position()).toBe(0);
      const expose = (person: string, itemId: string, at: number) =>
        ({ kind: 'exposure', metric, itemId, person, at }) as const;
      expect(
        await s.fold({ from: 0, to: 10 }, [
          expose('p1', 'a', 1000),
          expose('p1', 'a', 2000), // the same person again: once
          expose('p2', 'a', 1000),
          expose('p3', 'b', 1000),
        ]),
      ).toBe(true);
      expect(
        await s.fold({ from: 10, to: 20 }, [
          { kind: 'conversion', event: 'Order Completed', people: ['p1', 'x'], at: 5000 },
          { kind: 'conversion', event: 'Order Completed', people: ['p1'], at: 6000 }, // once
          { kind: 'conversion', event: 'Order Completed', people: ['p3'], at: 60_000 }, // too late
        ]),
      ).toBe(true);
      expect(await s.fold({ from: 10, to: 30 }, [expose('p9', 'a', 1)])).toBe(false);
      expect(await s.position()).toBe(20);
      const arms = (await s.arms()).map((a) => [a.itemId, a.exposures, a.conversions]);
      expect(arms).toEqual([
        ['a', 2, 1],
        ['b', 1, 0],
      ]);
      await s.erase(['p1']);
      await s.erase([]);
      expect((await s.arms()).map((a) => [a.itemId, a.exposures, a.conversions])).toEqual([
        ['a', 1, 0],
        ['b', 1, 0],
      ]);
    });

    it('tells which exposures the counts hold: by person, item and the whole metric', async () => {
      opened = await open();
      const s = opened.store;
      const counted = async (exposures: Parameters<BanditStore['armsHolding']>[0]) => {
        const read = await s.armsHolding(exposures);
        expect(read.arms).toEqual(await s.arms()); // the counts, read with them
        return read.counted;
      };
      expect(await counted([])).toEqual([]);
      await s.fold({ from: 0, to: 1 }, [
        { kind: 'exposure', metric, itemId: 'a', person: 'p1', at: 1000 },
        { kind: 'exposure', metric, itemId: 'b', person: 'p2', at: 1000 },
      ]);
      const other: BanditMetric = { ...metric, withinMs: metric.withinMs + 1 };
      expect(
        await counted([
          { metric, itemId: 'a', person: 'p1' },
          { metric, itemId: 'a', person: 'p2' }, // another item's person
          { metric, itemId: 'b', person: 'p2' },
          { metric: other, itemId: 'a', person: 'p1' }, // another window
          { metric: { ...metric, event: 'Other' }, itemId: 'a', person: 'p1' },
          { metric: { ...metric, placement: 'other' }, itemId: 'a', person: 'p1' },
          { metric, itemId: 'a', person: 'p1' }, // asked twice: both answered
        ]),
      ).toEqual([true, false, true, false, false, false, true]);
      await s.erase(['p1']);
      expect(await counted([{ metric, itemId: 'a', person: 'p1' }])).toEqual([false]);
    });

    it('counts a conversion only from the first exposure until the window ends (0: any time after)', async () => {
      opened = await open();
      const s = opened.store;
      const open0: BanditMetric = { placement: 'hero', event: 'Order Completed', withinMs: 0 };
      const convert = (person: string, at: number) =>
        ({ kind: 'conversion', event: 'Order Completed', people: [person], at }) as const;
      expect(
        await s.fold({ from: 0, to: 1 }, [
          convert('early', 999), // before the exposure below: not counted
          { kind: 'exposure', metric, itemId: 'a', person: 'early', at: 1000 },
          { kind: 'exposure', metric, itemId: 'a', person: 'edge', at: 1000 },
          { kind: 'exposure', metric, itemId: 'a', person: 'start', at: 1000 },
          { kind: 'exposure', metric: open0, itemId: 'a', person: 'late', at: 1000 },
          convert('edge', 11_000), // first_at + withinMs: outside the window
          convert('start', 1000), // at the exposure itself: inside
          convert('late', 10_000_000), // no window
          { kind: 'conversion', event: 'Other', people: ['start', 'late'], at: 2000 },
        ]),
      ).toBe(true);
      expect(
        (await s.arms()).map((a) => [a.withinMs, a.itemId, a.exposures, a.conversions]),
      ).toEqual([
        [0, 'a', 1, 1],
        [10_000, 'a', 3, 1],
      ]);
    });

    it('lets one of two folds of the same range count, and the other write nothing', async () => {
      opened = await open();
      const s = opened.store;
      const batch = [{ kind: 'exposure', metric, itemId: 'a', person: 'p1', at: 1 }] as const;
      const other = [{ kind: 'exposure', metric, itemId: 'b', person: 'p2', at: 1 }] as const;
      const results = await Promise.all([
        s.fold({ from: 0, to: 5 }, batch),
        s.fold({ from: 0, to: 7 }, other),
      ]);
      expect([...results].sort()).toEqual([false, true]);
      const arms = await s.arms();
      expect(arms).toHaveLength(1);
      expect(await s.position()).toBe(results[0] ? 5 : 7);
      // Only a stored position past `from` means the events were counted: a range from behind it
      // is refused, one from beyond it is taken (a consumer may skip batches with nothing to count).
      expect(await s.fold({ from: 4, to: 9 }, other)).toBe(false);
      expect(await s.fold({ from: 8, to: 9 }, [])).toBe(true);
      expect(await s.position()).toBe(9);
    });
  });
}
