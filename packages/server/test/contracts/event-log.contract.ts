import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '@tailor/core';
import type { EventLog, LoggedEvent } from '../../src/log/event-log.js';
import { storedMessage as message } from '../support/stored-message.js';

/** One backend's log, opened on storage of its own that outlives a close (a reopen finds it). */
export interface EventLogBackend {
  /** Opens the log; every call opens the same storage. */
  open(): Promise<EventLog>;
  /** How many partitions the log has, and the one of a person. */
  partitions: number;
  partitionOf(message: Pick<StoredMessage, 'userId' | 'anonymousId'>): number;
  /** Removes the storage, after the log was closed. */
  destroy(): Promise<void>;
}

/** A track of `message(i, userId)` received at `receivedAt` (ms), named `event`. */
function received(i: number, userId: string, event: string, receivedAt: number): StoredMessage {
  return { ...message(i, userId), event, receivedAt: new Date(receivedAt).toISOString() };
}

/**
 * What every EventLog adapter does, whatever stores it (Kysely's way: one suite, every dialect).
 * `setup` makes a fresh backend for each test.
 */
export function describeEventLogContract(
  backend: string,
  setup: () => Promise<EventLogBackend>,
): void {
  describe(`EventLog contract (${backend})`, () => {
    let storage: EventLogBackend;
    let log: EventLog;
    beforeEach(async () => {
      storage = await setup();
      log = await storage.open();
    });
    afterEach(async () => {
      await log.close();
      await storage.destroy();
    });

    it('appends in order, reports duplicates by messageId, and keeps the payload as given', async () => {
      expect(await log.append([message(1, 'a'), message(2, 'b')])).toEqual([true, true]);
      expect(await log.append([message(2, 'b'), message(3, 'a'), message(3, 'a')])).toEqual([
        false,
        true,
        false,
      ]);
      const all = await log.read(0, 100);
      expect(all.map((e) => e.message.messageId)).toEqual(['m-1', 'm-2', 'm-3']);
      expect(all[0]?.message).toEqual(message(1, 'a'));
      expect((await log.stats()).events).toBe(3);
    });

    it('shares one commit among concurrent appends and resolves each with its own flags', async () => {
      const appends = Array.from({ length: 50 }, (_, i) =>
        log.append([message(i, `u${i % 7}`), message(i, `u${i % 7}`)]),
      );
      const results = await Promise.all(appends);
      for (const r of results) expect(r).toEqual([true, false]);
      expect((await log.stats()).events).toBe(50);
    });

    it('gives true to one of concurrent appends of the same message, and stores it once', async () => {
      const results = await Promise.all([1, 2, 3].map(() => log.append([message(7, 'a')])));
      expect(results.flat().filter(Boolean)).toHaveLength(1);
      expect((await log.read(0, 10)).map((e) => e.message.messageId)).toEqual(['m-7']);
    });

    it('fails only the append that cannot be stored, not the others sharing its commit', async () => {
      const broken = { ...message(2, 'b'), messageId: { not: 'text' } } as unknown as StoredMessage;
      const [good, bad, alsoGood] = await Promise.allSettled([
        log.append([message(1, 'a')]),
        log.append([message(3, 'c'), broken]),
        log.append([message(4, 'd')]),
      ]);
      expect(good).toEqual({ status: 'fulfilled', value: [true] });
      expect(bad.status).toBe('rejected');
      expect(alsoGood).toEqual({ status: 'fulfilled', value: [true] });
      // The failed append stored none of its messages.
      expect((await log.read(0, 100)).map((e) => e.message.messageId)).toEqual(['m-1', 'm-4']);
    });

    it('replays from any position and by partition, each person in one partition', async () => {
      const people = ['ann', 'bob', 'cy', 'dee'];
      await log.append(Array.from({ length: 40 }, (_, i) => message(i, people[i % 4] ?? null)));
      const all = await log.read(0, 1000);
      const from = all[9]?.position ?? 0;
      expect((await log.read(from, 5)).map((e) => e.message.messageId)).toEqual([
        'm-10',
        'm-11',
        'm-12',
        'm-13',
        'm-14',
      ]);

      const annPartition = storage.partitionOf({ userId: 'ann', anonymousId: null });
      expect(annPartition).toBeGreaterThanOrEqual(0);
      expect(annPartition).toBeLessThan(storage.partitions);
      const inPartition = await log.read(0, 1000, [annPartition]);
      expect(inPartition.every((e) => e.partition === annPartition)).toBe(true);
      expect(inPartition.filter((e) => e.message.userId === 'ann')).toHaveLength(10);
      expect(all.find((e) => e.message.userId === 'ann')?.partition).toBe(annPartition);
    });

    it('reads several partitions in log order, a page at a time', async () => {
      const people = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'];
      await log.append(Array.from({ length: 60 }, (_, i) => message(i, people[i % 6] ?? null)));
      const partitions = [
        ...new Set(
          ['ann', 'cy'].map((userId) => storage.partitionOf({ userId, anonymousId: null })),
        ),
      ];
      const expected = (await log.read(0, 1000)).filter((e) => partitions.includes(e.partition));
      const pages: string[] = [];
      for (let at = 0; ;) {
        const page = await log.read(at, 7, partitions);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(7);
        pages.push(...page.map((e) => e.message.messageId));
        at = page[page.length - 1]?.position ?? at;
      }
      expect(pages).toEqual(expected.map((e) => e.message.messageId));
      expect(await log.read(0, 10, [])).toEqual([]);
    });

    it('pages one identifier with a cursor, and survives a reopen', async () => {
      await log.append([
        message(1, null, 'anon'),
        message(2, 'x'),
        message(3, 'u', 'anon'),
        message(4, null, 'anon'),
      ]);
      const first = await log.scanByIdentifier({
        kind: 'anonymousId',
        value: 'anon',
        after: 0,
        limit: 2,
      });
      expect(first.events.map((e) => e.message.messageId)).toEqual(['m-1', 'm-3']);
      expect(first.next).not.toBeNull();
      await log.close();
      log = await storage.open();
      const second = await log.scanByIdentifier({
        kind: 'anonymousId',
        value: 'anon',
        after: first.next ?? 0,
        limit: 2,
      });
      expect(second).toMatchObject({ events: [{ message: { messageId: 'm-4' } }], next: null });
      expect((await log.stats()).events).toBe(4);
      expect(await log.append([message(1, null, 'anon')])).toEqual([false]);
    });

    it('scans only what per-partition indexes do not hold yet, paged in log order', async () => {
      await log.append([
        message(1, 'u1', 'anon'),
        message(2, 'u2', 'anon'),
        message(3, 'u3', 'anon'),
        message(4, null, 'anon'),
        message(5, 'u1', 'anon'),
        message(6, 'u2', 'anon'),
      ]);
      const events = await log.read(0, 10);
      const at = (id: string) => events.find((e) => e.message.messageId === id) as LoggedEvent;
      // m-1's partition is indexed to m-1, m-2's to m-2 (also past m-1 if they share one).
      const indexedTo = new Array<number>(storage.partitions).fill(0);
      for (const id of ['m-1', 'm-2'])
        indexedTo[at(id).partition] = Math.max(indexedTo[at(id).partition] ?? 0, at(id).position);
      const expected = events
        .filter((e) => e.position > (indexedTo[e.partition] ?? 0))
        .map((e) => e.message.messageId);
      expect(expected).toContain('m-3');
      const found: string[] = [];
      for (let after = 0, pages = 0; pages < 10; pages++) {
        const page = await log.scanByIdentifier({
          kind: 'anonymousId',
          value: 'anon',
          after,
          limit: 2,
          indexedTo,
        });
        found.push(...page.events.map((e) => e.message.messageId));
        if (page.next === null) break;
        after = page.next;
      }
      expect(found).toEqual(expected);
      // Every partition indexed to its end: nothing to read.
      const all = await log.scanByIdentifier({
        kind: 'anonymousId',
        value: 'anon',
        after: 0,
        limit: 10,
        indexedTo: new Array<number>(storage.partitions).fill(events.at(-1)?.position ?? 0),
      });
      expect(all).toEqual({ events: [], next: null });
    });

    it("counts the events past each partition's position", async () => {
      expect(await log.behind(() => 0)).toEqual({ events: 0, partitions: [] });
      await log.append([message(1, 'u1'), message(2, 'u2'), message(3, 'u1'), message(4, 'u3')]);
      const events = await log.read(0, 10);
      const all = await log.behind(() => 0);
      expect(all.events).toBe(4);
      expect(all.partitions).toEqual(
        [...new Set(events.map((e) => e.partition))].sort((a, b) => a - b),
      );
      const first = events[0] as LoggedEvent;
      // u1's partition folded to its first event: the other three remain.
      const rest = await log.behind((p) => (p === first.partition ? first.position : 0));
      expect(rest.events).toBe(3);
      const last = events.at(-1)?.position ?? 0;
      expect(await log.behind(() => last)).toEqual({ events: 0, partitions: [] });
      // The same partitions, uncounted.
      expect(await log.partitionsPast(() => 0)).toEqual(all.partitions);
      expect(await log.partitionsPast((p) => (p === first.partition ? first.position : 0))).toEqual(
        rest.partitions,
      );
      expect(await log.partitionsPast(() => last)).toEqual([]);
    });

    it('reads given positions in log order, skipping those it does not hold', async () => {
      await log.append([message(1, 'a'), message(2, 'b'), message(3, 'c')]);
      const [p1, p2, p3] = (await log.read(0, 10)).map((e) => e.position);
      const got = await log.readPositions([p3 ?? 0, p1 ?? 0, (p3 ?? 0) + 100]);
      expect(got.map((e) => e.message.messageId)).toEqual(['m-1', 'm-3']);
      expect(p2).toBeGreaterThan(p1 ?? 0);
      expect(await log.readPositions([])).toEqual([]);
    });

    it('reads backwards from the end or before a position, newest first, past erased gaps', async () => {
      expect(await log.readBefore(undefined, 5)).toEqual([]);
      await log.append(Array.from({ length: 9 }, (_, i) => message(i + 1, `u${i % 3}`)));
      const all = await log.read(0, 100);
      const ids = (events: LoggedEvent[]) => events.map((e) => e.message.messageId);
      expect(ids(await log.readBefore(undefined, 3))).toEqual(['m-9', 'm-8', 'm-7']);
      const p7 = all[6]?.position ?? 0;
      expect(ids(await log.readBefore(p7, 2))).toEqual(['m-6', 'm-5']);
      // Erased events leave gaps the read steps over, and the start ends it with fewer.
      await log.erase([all[4]?.position ?? 0, all[3]?.position ?? 0, all[1]?.position ?? 0]);
      expect(ids(await log.readBefore(p7, 3))).toEqual(['m-6', 'm-3', 'm-1']);
      expect(ids(await log.readBefore(p7, 10))).toEqual(['m-6', 'm-3', 'm-1']);
      const back = await log.readBefore(undefined, 100);
      expect(back.map((e) => e.position)).toEqual(
        (await log.read(0, 100)).map((e) => e.position).reverse(),
      );
      expect(back[0]?.message).toEqual(message(9, 'u2'));
    });

    it('erases events for good: gone from reads, scans, positions and the count', async () => {
      await log.append([message(1, 'a'), message(2, 'b'), message(3, 'a')]);
      const positions = (await log.read(0, 10)).map((e) => e.position);
      const stored = (await log.stats()).lastPosition;
      await log.erase([positions[0] ?? 0, positions[2] ?? 0, stored + 50]);
      expect((await log.read(0, 10)).map((e) => e.message.messageId)).toEqual(['m-2']);
      expect(await log.readPositions(positions)).toHaveLength(1);
      const scan = await log.scanByIdentifier({ kind: 'userId', value: 'a', after: 0, limit: 5 });
      expect(scan.events).toEqual([]);
      // (lastPosition is the backend's: the last stored, or the last ever stored.)
      expect((await log.stats()).events).toBe(1);
    });

    it('prunes the track events named X received before T, one range at a time', async () => {
      const t = Date.parse('2026-01-01T00:00:00.000Z');
      await log.append([
        received(1, 'a', 'Viewed', t - 3000),
        received(2, 'a', 'Clicked', t - 2000),
        { ...received(3, 'a', 'Viewed', t - 1500), type: 'page' },
        received(4, 'b', 'Viewed', t - 1000),
        received(5, 'b', 'Viewed', t + 1000),
      ]);
      const positions = (await log.read(0, 10)).map((e) => e.position);
      const first = positions[0] ?? 0;
      const last = (await log.stats()).lastPosition;
      const step = await log.prune({
        event: 'Viewed',
        receivedBefore: t,
        after: first - 1,
        upTo: last,
        chunk: 2,
      });
      expect(step).toEqual({ deleted: 1, next: first + 1, newer: false });
      const rest = await log.prune({
        event: 'Viewed',
        receivedBefore: t,
        after: step.next,
        upTo: last,
        chunk: 100,
      });
      expect(rest).toEqual({ deleted: 1, next: last, newer: true });
      expect((await log.read(0, 10)).map((e) => e.message.messageId)).toEqual([
        'm-2',
        'm-3',
        'm-5',
      ]);
      expect((await log.stats()).events).toBe(3);
    });

    it('reads the track events named X or Y, one range at a time, passing over the others', async () => {
      const t = Date.parse('2026-01-01T00:00:00.000Z');
      await log.append([
        received(1, 'a', 'Viewed', t),
        received(2, 'a', 'Clicked', t),
        { ...received(3, 'a', 'Viewed', t), type: 'page' }, // a page is not a track named Viewed
        received(4, 'b', 'Ordered', t),
        received(5, 'b', 'Viewed', t),
      ]);
      const first = (await log.read(0, 1))[0]?.position ?? 0;
      const last = (await log.stats()).lastPosition;
      const read = (after: number, chunk: number, names = ['Viewed', 'Ordered']) =>
        log.readNamed({ names, after, upTo: last, chunk });
      const step = await read(first - 1, 2);
      expect(step.next).toBe(first + 1);
      expect(step.events.map((e) => [e.position, e.message])).toEqual([
        [first, received(1, 'a', 'Viewed', t)],
      ]);
      const rest = await read(step.next, 100);
      expect(rest.next).toBe(last);
      expect(rest.events.map((e) => e.message.messageId)).toEqual(['m-4', 'm-5']);
      expect((await read(last, 100)).events).toEqual([]);
      expect(await read(first - 1, 100, [])).toEqual({ events: [], next: last });
    });
  });
}
