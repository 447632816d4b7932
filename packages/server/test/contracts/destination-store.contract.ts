import type { StoredMessage } from '@tailor/core';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  Delivery,
  Destination,
  DestinationStore,
  Outcome,
} from '../../src/destinations/destination-store.js';
import { newKeyring } from '../../src/privacy/keyring.js';
import { createAesSealer, plainSealer, type Sealer } from '../../src/privacy/sealer.js';

/** One backend's data, opened for a test: each test gets its own (a temp folder, a schema). */
export interface DestinationStoreBackend {
  /** Opens a store on this data: again after a close (a restart), or beside another (a second process). */
  open(): Promise<DestinationStore>;
  /** Every value at rest as text (bytes read as Latin-1), to check what is sealed. */
  atRest(): Promise<string>;
  /** Present when several nodes may share the data at once: the lease they claim deliveries for. */
  shared?: { leaseMs: number };
  /** Closes what `open` opened and removes the data. */
  dispose(): Promise<void>;
}

export type OpenDestinationStoreBackend = (sealer: Sealer) => Promise<DestinationStoreBackend>;

const SECRET = 'whsec-contract-7f3a9c';

function destination(name: string, url = `https://hooks.example.com/${name}`): Destination {
  return {
    name,
    type: 'webhook',
    url,
    events: ['Order Completed', '*'],
    secret: SECRET,
    batchSize: 10,
    purpose: 'analytics',
    pii: 'hash',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
  };
}

function message(
  i: number,
  person: { userId?: string; anonymousId?: string; profileId?: string } = {},
): StoredMessage {
  return {
    type: 'track',
    event: `Contract Event ${i}`,
    messageId: `m-${i}`,
    userId: person.userId ?? `user-${i}@example.com`,
    anonymousId: person.anonymousId ?? null,
    properties: { i, ...(person.profileId !== undefined && { profileId: person.profileId }) },
    context: {},
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:01.000Z',
    tailor: { source: 'test' },
  };
}

const events = (deliveries: readonly Delivery[]) => deliveries.map((d) => d.message.event);
const delivered = (d: Delivery, at: number): Outcome => ({ id: d.id, delivered: true, at });
const failed = (d: Delivery, error: string, nextAt: number, giveUp = false): Outcome => ({
  id: d.id,
  delivered: false,
  error,
  nextAt,
  giveUp,
});

/**
 * What every `DestinationStore` adapter must do, run against each backend (Kysely's one suite
 * over every dialect). Backends shared by several nodes also run the lease cases.
 */
export function describeDestinationStoreContract(
  backend: string,
  openBackend: OpenDestinationStoreBackend,
  options: { shared: boolean },
): void {
  describe(`DestinationStore on ${backend}`, () => {
    let opened: DestinationStoreBackend | undefined;
    afterEach(async () => {
      await opened?.dispose();
      opened = undefined;
    });
    const setUp = async (sealer: Sealer = plainSealer) => {
      opened = await openBackend(sealer);
      return { data: opened, store: await opened.open() };
    };

    it('keeps destinations with their secrets; a replaced one keeps its position', async () => {
      const { store } = await setUp();
      expect(await store.list()).toEqual([]);
      await store.put(destination('b-crm'), 3);
      await store.put(destination('a-warehouse'), 7);
      expect((await store.list()).map((d) => d.name)).toEqual(['a-warehouse', 'b-crm']);
      expect(await store.get('a-warehouse')).toEqual(destination('a-warehouse'));
      expect(await store.position('a-warehouse')).toBe(7);
      expect(await store.get('nowhere')).toBeUndefined();

      const replaced = {
        ...destination('a-warehouse', 'https://other.example.com/'),
        events: ['*'],
      };
      await store.put(replaced, 99);
      expect(await store.get('a-warehouse')).toEqual(replaced);
      expect(await store.position('a-warehouse')).toBe(7);

      expect(await store.delete('a-warehouse')).toBe(true);
      expect(await store.delete('a-warehouse')).toBe(false);
      expect((await store.list()).map((d) => d.name)).toEqual(['b-crm']);
      await store.put(destination('a-warehouse'), 12);
      expect(await store.position('a-warehouse')).toBe(12);
    });

    it('queues events only from the position the destination is at', async () => {
      const { store } = await setUp();
      await store.put(destination('crm'), 7);
      expect(await store.enqueue('crm', { from: 7, to: 10 }, [message(1), message(2)], 1000)).toBe(
        true,
      );
      expect(await store.position('crm')).toBe(10);
      expect(await store.enqueue('crm', { from: 7, to: 12 }, [message(3)], 1000)).toBe(false);
      expect(await store.enqueue('crm', { from: 10, to: 15 }, [], 1500)).toBe(true);
      expect(await store.position('crm')).toBe(15);

      const queued = await store.deliveries('crm', { limit: 10 });
      expect(queued).toEqual([
        expect.objectContaining({ message: message(2) }),
        expect.objectContaining({ message: message(1) }),
      ]);
      expect(queued[0]!.id).toBeGreaterThan(queued[1]!.id);
      expect(queued[1]).toEqual({
        id: queued[1]!.id,
        destination: 'crm',
        message: message(1),
        status: 'pending',
        attempts: 0,
        nextAt: 1000,
        lastError: null,
        createdAt: new Date(1000).toISOString(),
        deliveredAt: null,
      });
      expect(await store.counts('crm')).toEqual({ pending: 2, delivered: 0, failed: 0 });
    });

    it('gives due deliveries earliest first, of one destination when named, up to a limit', async () => {
      const { store } = await setUp();
      await store.put(destination('a'), 0);
      await store.put(destination('b'), 0);
      await store.enqueue('a', { from: 0, to: 2 }, [message(1), message(2)], 1000);
      await store.enqueue('b', { from: 0, to: 3 }, [message(3)], 2000);
      await store.enqueue('a', { from: 2, to: 4 }, [message(4)], 3000);

      expect(events(await store.due(999, 10))).toEqual([]);
      expect(events(await store.due(2500, 10))).toEqual([
        'Contract Event 1',
        'Contract Event 2',
        'Contract Event 3',
      ]);
      expect(events(await store.due(2500, 2))).toEqual(['Contract Event 1', 'Contract Event 2']);
      expect(events(await store.due(5000, 10, 'a'))).toEqual([
        'Contract Event 1',
        'Contract Event 2',
        'Contract Event 4',
      ]);
      expect(events(await store.due(5000, 10, 'b'))).toEqual(['Contract Event 3']);
    });

    it('records how attempts went: delivered, to retry later, or given up', async () => {
      const { store } = await setUp();
      await store.put(destination('a'), 0);
      await store.enqueue('a', { from: 0, to: 3 }, [message(1), message(2), message(3)], 1000);
      const [first, second, third] = await store.due(1000, 10);
      await store.settle([
        delivered(first!, 4000),
        failed(second!, 'HTTP 503', 6000),
        failed(third!, 'timed out', 8000, true),
      ]);

      const byEvent = new Map(
        (await store.deliveries('a', { limit: 10 })).map((d) => [d.message.event, d]),
      );
      expect(byEvent.get('Contract Event 1')).toMatchObject({
        status: 'delivered',
        attempts: 1,
        lastError: null,
        deliveredAt: new Date(4000).toISOString(),
      });
      expect(byEvent.get('Contract Event 2')).toMatchObject({
        status: 'pending',
        attempts: 1,
        nextAt: 6000,
        lastError: 'HTTP 503',
        deliveredAt: null,
      });
      expect(byEvent.get('Contract Event 3')).toMatchObject({
        status: 'failed',
        attempts: 1,
        lastError: 'timed out',
      });
      expect(await store.due(5999, 10)).toEqual([]);
      const [retry] = await store.due(6000, 10);
      expect(retry).toMatchObject({ id: second!.id, attempts: 1 });
      await store.settle([failed(retry!, 'HTTP 500', 8000)]);
      expect((await store.deliveries('a', { limit: 10 })).map((d) => d.attempts)).toEqual([
        1, 2, 1,
      ]);

      expect(await store.counts('a')).toEqual({ pending: 1, delivered: 1, failed: 1 });
      expect(events(await store.deliveries('a', { status: 'failed', limit: 10 }))).toEqual([
        'Contract Event 3',
      ]);
      expect(events(await store.deliveries('a', { status: 'pending', limit: 10 }))).toEqual([
        'Contract Event 2',
      ]);
      expect(events(await store.deliveries('a', { limit: 1 }))).toEqual(['Contract Event 3']);
      await store.settle([]);
    });

    it('prunes finished deliveries made before a time, never pending ones', async () => {
      const { store } = await setUp();
      await store.put(destination('a'), 0);
      await store.enqueue('a', { from: 0, to: 3 }, [message(1), message(2), message(3)], 1000);
      const [first, second] = await store.due(1000, 10);
      await store.settle([delivered(first!, 1100), failed(second!, 'HTTP 410', 2000, true)]);
      await store.enqueue('a', { from: 3, to: 4 }, [message(4)], 5000);
      const late = (await store.due(5000, 10)).find((d) => d.message.event === 'Contract Event 4');
      await store.settle([delivered(late!, 5100)]);

      expect(await store.prune(5000)).toBe(2);
      expect(events(await store.deliveries('a', { limit: 10 }))).toEqual([
        'Contract Event 4',
        'Contract Event 3',
      ]);
      expect(await store.prune(5000)).toBe(0);
    });

    it('erases every delivery about a person, sent or not, and a deleted destination’s', async () => {
      const { store } = await setUp();
      await store.put(destination('a'), 0);
      await store.put(destination('b'), 0);
      const messages = [
        message(1, { userId: 'ada@example.com' }),
        message(2, { anonymousId: 'anon-2' }),
        message(3, { profileId: 'profile-3' }),
        message(4, { userId: 'bob@example.com' }),
      ];
      await store.enqueue('a', { from: 0, to: 4 }, messages, 1000);
      await store.enqueue('b', { from: 0, to: 4 }, messages.slice(0, 1), 1000);
      const [sent] = await store.due(1000, 1);
      await store.settle([delivered(sent!, 1100)]);

      await store.erase({
        identifiers: [
          { type: 'userId', value: 'ada@example.com' },
          { type: 'anonymousId', value: 'anon-2' },
        ],
        profiles: ['profile-3'],
      });
      expect(events(await store.deliveries('a', { limit: 10 }))).toEqual(['Contract Event 4']);
      expect(await store.counts('b')).toEqual({ pending: 0, delivered: 0, failed: 0 });

      await store.delete('a');
      expect(await store.deliveries('a', { limit: 10 })).toEqual([]);
      expect(await store.due(9000, 10)).toEqual([]);
    });

    it('seals secrets and messages at rest, and reads them back after a restart', async () => {
      const person = 'grace.hopper@example.com';
      for (const sealer of [plainSealer, createAesSealer(newKeyring())]) {
        const { data, store } = await setUp(sealer);
        await store.put(destination('crm'), 0);
        await store.enqueue('crm', { from: 0, to: 1 }, [message(1, { userId: person })], 1000);
        const text = await data.atRest();
        // The plain sealer shows the check can see these; the AES one must hide them.
        for (const value of [SECRET, person, 'Contract Event 1'])
          expect(text.includes(value), `${value} at rest`).toBe(!sealer.encrypts);

        await store.close();
        const again = await data.open();
        expect(await again.get('crm')).toEqual(destination('crm'));
        expect((await again.due(1000, 10)).map((d) => d.message)).toEqual([
          message(1, { userId: person }),
        ]);
        await again.erase({ identifiers: [{ type: 'userId', value: person }], profiles: [] });
        expect(await again.counts('crm')).toEqual({ pending: 0, delivered: 0, failed: 0 });
        await opened?.dispose();
        opened = undefined;
      }
    });

    // Only backends several nodes share have these cases (one process at a time uses SQLite).
    if (options.shared)
      describe('shared by several nodes', () => {
        const setUpNodes = async () => {
          const { data, store } = await setUp();
          if (data.shared === undefined) throw new Error(`${backend} declares no lease`);
          return { one: store, two: await data.open(), leaseMs: data.shared.leaseMs };
        };

        it('nodes asking at once take disjoint deliveries', async () => {
          const nodes = await setUpNodes();
          const { one, two } = nodes;
          // Several rounds, each on its own destination, so that the calls really overlap in some.
          for (const round of [1, 2, 3, 4, 5]) {
            const name = `round-${round}`;
            await one.put(destination(name), 0);
            const messages = Array.from({ length: 20 }, (_, i) => message(i));
            await one.enqueue(name, { from: 0, to: 20 }, messages, 1000);
            const [mine, theirs] = await Promise.all([
              one.due(1000, 10, name),
              two.due(1000, 10, name),
            ]);
            expect(new Set([...mine, ...theirs].map((d) => d.id)).size).toBe(20);
            // A node's own due gives back what it holds (its dispatcher knows what is in flight).
            expect((await one.due(1000, 10, name)).map((d) => d.id)).toEqual(mine.map((d) => d.id));
            expect(await two.due(1000, 10, name)).toEqual(theirs);
          }
        });

        it('a delivery held by a node that died is taken over when its lease runs out', async () => {
          const nodes = await setUpNodes();
          const { one, two, leaseMs } = nodes;
          await one.put(destination('a'), 0);
          await one.enqueue('a', { from: 0, to: 1 }, [message(1)], 1000);
          const [held] = await one.due(1000, 10);
          expect(held).toBeDefined();
          expect(await two.due(1000 + leaseMs - 1, 10)).toEqual([]);

          const [taken] = await two.due(1000 + leaseMs, 10);
          expect(taken?.id).toBe(held!.id);
          expect(await one.due(1000 + leaseMs, 10)).toEqual([]);
          // The first node comes back and reports: it no longer holds the delivery, so nothing is recorded.
          await one.settle([delivered(held!, 1000 + leaseMs)]);
          expect(await one.counts('a')).toEqual({ pending: 1, delivered: 0, failed: 0 });
          await two.settle([failed(taken!, 'HTTP 502', 2000 + leaseMs)]);
          const [retry] = await one.due(2000 + leaseMs, 10);
          expect(retry).toMatchObject({ id: held!.id, attempts: 1, lastError: 'HTTP 502' });
          await one.settle([delivered(retry!, 2100 + leaseMs)]);
          expect(await two.counts('a')).toEqual({ pending: 0, delivered: 1, failed: 0 });
          expect(await two.due(9_000_000, 10)).toEqual([]);
        });

        it('two nodes reading the same events queue them once', async () => {
          const nodes = await setUpNodes();
          const { one, two } = nodes;
          await one.put(destination('a'), 0);
          const messages = [message(1), message(2)];
          const moved = await Promise.all([
            one.enqueue('a', { from: 0, to: 2 }, messages, 1000),
            two.enqueue('a', { from: 0, to: 2 }, messages, 1000),
          ]);
          expect(moved.sort()).toEqual([false, true]);
          expect(await two.counts('a')).toEqual({ pending: 2, delivered: 0, failed: 0 });
          expect(await one.position('a')).toBe(2);
        });
      });
  });
}
