import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compileDefinitions,
  DEFAULT_IDENTITY_RULES,
  ProfileGraph,
  readCondition,
  type CompiledDefinitions,
  type StoredMessage,
} from '@tailor/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partitionOf, PARTITIONS } from '../../src/log/event-log.js';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-event-log.js';
import { partitionConsumer, ProfilePipeline } from '../../src/pipeline/profile-pipeline.js';
import { newKeyring } from '../../src/privacy/keyring.js';
import { createAesSealer, plainSealer, type Sealer } from '../../src/privacy/sealer.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import type { ProfileStore } from '../../src/store/profile-store.js';
import { openPgProfileStore } from '../../src/store/postgres/pg-profile-store.js';
import { openSqliteProfileStore } from '../../src/store/sqlite/sqlite-profile-store.js';
import { dump, message, randomStream } from '../support/profile-streams.js';
import { openTestDatabase, testPostgresUrl } from '../support/postgres.js';

let dir: string;
const cleanups: (() => Promise<void>)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-profile-contract-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

type Backend = 'sqlite' | 'postgres';

async function openStore(backend: Backend, sealer: Sealer): Promise<ProfileStore> {
  if (backend === 'sqlite') {
    const store = openSqliteProfileStore(join(dir, 'state.sqlite'), {}, sealer);
    cleanups.push(() => store.close());
    return store;
  }
  const db = await openTestDatabase();
  cleanups.push(() => db.close());
  return openPgProfileStore(db, sealer);
}

async function logOf(messages: StoredMessage[], sealer: Sealer): Promise<SqliteEventLog> {
  const log = new SqliteEventLog(join(dir, 'log.sqlite'), sealer);
  cleanups.push(() => log.close());
  await log.append(messages);
  return log;
}

function pipeline(log: SqliteEventLog, store: ProfileStore, batchSize = 50) {
  return new ProfilePipeline({
    log,
    store,
    rules: DEFAULT_IDENTITY_RULES,
    policy: { sourcePriority: [] },
    batchSize,
  });
}

const sealers: [string, () => Sealer][] = [
  ['plain', () => plainSealer],
  ['sealed', () => createAesSealer(newKeyring())],
];

describe.each(sealers)('ProfileStore contract, %s', (_name, makeSealer) => {
  it('PostgreSQL folds a stream of merges and conflicts into exactly what SQLite holds', async () => {
    const sealer = makeSealer();
    const messages = randomStream(500, 5);
    const log = await logOf(messages, sealer);
    const dumps = [];
    for (const backend of ['sqlite', 'postgres'] as const) {
      const store = await openStore(backend, sealer);
      await pipeline(log, store).catchUp();
      dumps.push(await dump(store, messages));
    }
    expect(dumps[0]?.stats.merged).toBeGreaterThan(0);
    expect(dumps[0]?.conflicts.length).toBeGreaterThan(0);
    expect(dumps[1]).toEqual(dumps[0]);
  });

  it.each(['sqlite', 'postgres'] as const)(
    '%s: refuses a stale range, indexes events by identifier, pages live profiles, erases a person',
    async (backend) => {
      const sealer = makeSealer();
      const messages = randomStream(200, 9);
      const log = await logOf(messages, sealer);
      const store = await openStore(backend, sealer);
      const p = pipeline(log, store, 30);
      await p.catchUp();
      const end = (await log.stats()).lastPosition;
      expect(await store.position('profiles')).toBe(end);
      const stale = await store.foldBatch({
        moves: [{ consumer: 'profiles', from: 0, to: end + 1 }],
        keys: { identifiers: [], groups: [], profiles: [] },
        fold: () => {
          throw new Error('not called');
        },
      });
      expect(stale).toBe('moved');
      const anyUser = messages.find((m) => m.userId !== null)?.userId ?? '';
      const indexed = await store.eventsByIdentifier(['profiles'], {
        kind: 'userId',
        value: anyUser,
        after: 0,
        limit: 1000,
      });
      expect(indexed.indexedTo).toEqual([end]);
      const expected = (await log.read(0, 1000))
        .filter((e) => e.message.userId === anyUser)
        .map((e) => e.position);
      expect(indexed.positions).toEqual(expected);
      // Live profiles, paged by rank.
      const { profiles: total } = await store.stats();
      const seen: string[] = [];
      for (let after = 0; ;) {
        const page = await store.live(after, 7);
        seen.push(...page.profiles.map((x) => x.id));
        if (page.next === null) break;
        after = page.next;
      }
      expect(seen).toHaveLength(total);
      // Erase the person with that userId: nothing of them stays.
      const person = await store.byIdentifier({ type: 'userId', value: anyUser });
      expect(person).toBeDefined();
      const family = [person?.id ?? '', ...(await store.mergedIds(person?.id ?? ''))];
      const request = { requestId: 'req-1', requestedBy: 'key:admin', at: 5000 };
      const erased = await store.erase(
        person?.id ?? '',
        'profiles',
        { from: end, to: end + 1 },
        request,
      );
      expect(erased?.profiles.sort()).toEqual(family.sort());
      expect(erased?.positions).toEqual(expect.arrayContaining(expected));
      expect(erased?.identifiers).toContainEqual({ type: 'userId', value: anyUser });
      // What the other owners must still erase is kept (sealed) until done.
      expect(await store.erasures.pending(5000, 10)).toEqual([]);
      expect(await store.erasures.pending(5001, 10)).toEqual([erased]);
      expect(erased).toMatchObject({ ...request, profileId: person?.id });
      await store.erasures.done('req-1');
      expect(await store.erasures.pending(10_000, 10)).toEqual([]);
      expect(await store.byIdentifier({ type: 'userId', value: anyUser })).toBeUndefined();
      for (const id of family) expect(await store.byId(id)).toBeUndefined();
      expect(await store.position('profiles')).toBe(end + 1);
      expect(
        (
          await store.eventsByIdentifier(['profiles'], {
            kind: 'userId',
            value: anyUser,
            after: 0,
            limit: 10,
          })
        ).positions,
      ).toEqual([]);
    },
  );
});

describe.each(sealers)('ProfileStore contract, erasure across owners, %s', (_name, makeSealer) => {
  it.each(['sqlite', 'postgres'] as const)(
    '%s: erasing a person also erases their review pairs, memberships, history, timer and announcements, and only theirs',
    async (backend) => {
      const sealer = makeSealer();
      const messages = randomStream(120, 4);
      const log = await logOf(messages, sealer);
      const store = await openStore(backend, sealer);
      await pipeline(log, store).catchUp();
      const end = (await log.stats()).lastPosition;
      const { profiles: live } = await store.live(0, 3);
      const [gone, kept, third] = live.map((p) => p.id);
      if (gone === undefined || kept === undefined || third === undefined)
        throw new Error('the stream made fewer than three people');
      const at = '2026-12-01T00:00:00.000Z';
      const enter = (profileId: string) =>
        ({ segment: 'vip', profileId, entered: true, at, cause: 'm-1' }) as const;
      await store.refresh([gone, kept], () => ({
        created: [],
        attached: [],
        merges: [],
        touched: new Map(),
        assignments: [],
        conflicts: [],
        groups: new Map(),
        memberships: [enter(gone), enter(kept)],
        timers: new Map([
          [gone, 1000],
          [kept, 1000],
        ]),
      }));
      const review = { weight: 3, probability: 0.6, comparison: { email: 'agree' } };
      await store.reviews.add(
        [
          { leftId: gone, rightId: kept, ...review },
          { leftId: kept, rightId: third, ...review },
        ],
        at,
      );
      expect((await store.outbox(10)).map((o) => o.message.properties?.profileId).sort()).toEqual(
        [gone, kept].sort(),
      );

      const erased = await store.erase(
        gone,
        'profiles',
        { from: end, to: end + 1 },
        { requestId: 'req-2', requestedBy: 'key:admin', at: 5000 },
      );
      expect(erased?.profiles).toContain(gone);
      expect((await store.members('vip', '', 10)).profiles).toEqual([kept]);
      expect(await store.history(gone)).toEqual([]);
      expect((await store.history(kept)).map((h) => h.segment)).toEqual(['vip']);
      expect(await store.due(2000, 10)).toEqual([kept]);
      expect((await store.outbox(10)).map((o) => o.message.properties?.profileId)).toEqual([kept]);
      const { reviews } = await store.reviews.list({ after: 0, limit: 10 });
      expect(reviews.map((r) => [r.leftId, r.rightId].sort())).toEqual([[kept, third].sort()]);
    },
  );
});

describe.each(['sqlite', 'postgres'] as const)('ProfileStore contract: %s', (backend) => {
  it('keeps suppressions, review pairs, backfills, RFM populations and timers', async () => {
    const store = await openStore(backend, plainSealer);
    await store.suppressions.add(['h1', 'h2', 'h1'], '2026-12-01T00:00:00Z');
    await store.suppressions.remove(['h2']);
    expect(await store.suppressions.list()).toEqual(['h1']);

    const review = { weight: 3.5, probability: 0.7, comparison: { email: 'agree' } };
    expect(await store.reviews.add([{ leftId: 'b', rightId: 'a', ...review }], 't1')).toBe(1);
    expect(await store.reviews.add([{ leftId: 'a', rightId: 'b', ...review }], 't2')).toBe(0);
    expect(await store.reviews.known('b', 'a')).toBe(true);
    const { reviews } = await store.reviews.list({ after: 0, limit: 10 });
    expect(reviews).toMatchObject([
      { leftId: 'a', rightId: 'b', status: 'pending', comparison: { email: 'agree' } },
    ]);
    const id = reviews[0]?.id ?? 0;
    expect(await store.reviews.decide(id, 'match', 'admin', 't3')).toMatchObject({
      status: 'match',
      decidedBy: 'admin',
    });
    expect(await store.reviews.decide(id, 'distinct', 'admin', 't4')).toBeUndefined();
    expect((await store.reviews.list({ status: 'pending', after: 0, limit: 10 })).reviews).toEqual(
      [],
    );

    await store.backfills.start(['segment:a'], 10, 't1');
    const second = await store.backfills.start(['segment:b'], 10, 't2');
    expect(second.names.sort()).toEqual(['segment:a', 'segment:b']);
    expect((await store.backfills.next())?.id).toBe(second.id);
    await store.backfills.advance(second.id, { cursor: 5, processed: 12, finishedAt: 't3' });
    expect(await store.backfills.latest('segment:a')).toMatchObject({
      status: 'done',
      done: 10,
      cursor: 5,
      finishedAt: 't3',
    });
    expect(await store.backfills.next()).toBeUndefined();
    expect((await store.backfills.start(['x'], 0, 't5')).status).toBe('done');

    const population = { cuts: { recency: [1, 2, 3, 4] }, computedAt: 't' } as never;
    await store.savePopulation('rfm:x', population, ['p1', 'p2'], 5000);
    await store.savePopulation('rfm:x', population, ['p1'], 9000); // an earlier due time stays
    expect(await store.populations()).toEqual(new Map([['rfm:x', population]]));
    expect((await store.due(6000, 10)).sort()).toEqual(['p1', 'p2']);
    expect(await store.due(4000, 10)).toEqual([]);
  });
});

describe.each(['sqlite', 'postgres'] as const)('definitions generation: %s', (backend) => {
  it('a fold under older definitions is refused and writes nothing; the pipeline reads them again and folds under the new ones', async () => {
    const store = await openStore(backend, plainSealer);
    const log = await logOf(
      [message({ type: 'identify', userId: 'bob', traits: { plan: 'pro' } })],
      plainSealer,
    );
    const before = await store.definitions.generation();
    expect(await store.definitions.changed()).toBe(before + 1);
    const batch = {
      moves: [{ consumer: 'profiles', from: 0, to: 1 }],
      keys: { identifiers: [], groups: [], profiles: [] },
      fold: () => {
        throw new Error('a stale batch is not folded');
      },
    };
    expect(await store.foldBatch({ ...batch, definitions: before })).toBe('stale');
    expect(await store.position('profiles')).toBe(0);

    // The pipeline's definitions as another node left them: a segment defined there, the news
    // not arrived here, only the store's generation moved.
    const pros = readCondition('traits.plan = "pro"');
    if (!pros.ok) throw new Error(pros.error.message);
    const segment = compileDefinitions([], [{ name: 'pros', tree: pros.value.tree }]);
    let saved: CompiledDefinitions | undefined = undefined; // what the store holds
    let current: CompiledDefinitions | undefined;
    const p = new ProfilePipeline({
      log,
      store,
      rules: DEFAULT_IDENTITY_RULES,
      policy: { sourcePriority: [] },
      definitions: () => current,
      reloadDefinitions: () => {
        current = saved;
        return Promise.resolve();
      },
    });
    await p.catchUp(); // reads the definitions at the generation of now (none), then folds nothing
    saved = segment;
    await store.definitions.changed();
    await log.append([message({ type: 'identify', userId: 'ann', traits: { plan: 'pro' } })]);
    await p.catchUp();
    const ann = await store.byIdentifier({ type: 'userId', value: 'ann' });
    expect(ann?.segments).toEqual(['pros']);
  });

  it('a rebuild leaves out a profile whose events moved on since they were read', async () => {
    const store = await openStore(backend, plainSealer);
    const log = await logOf(
      [
        message({ type: 'identify', userId: 'ann', traits: { plan: 'pro' } }),
        message({ type: 'identify', userId: 'bob', traits: { plan: 'pro' } }),
      ],
      plainSealer,
    );
    const p = pipeline(log, store);
    await p.catchUp();
    const ann = (await store.byIdentifier({ type: 'userId', value: 'ann' }))?.id ?? '';
    const bob = (await store.byIdentifier({ type: 'userId', value: 'bob' }))?.id ?? '';
    const lastEvents = new Map<string, number>();
    for (const id of [ann, bob])
      lastEvents.set(id, (await store.eventPositions(id, 0, 100)).positions.at(-1) ?? 0);
    await log.append([message({ type: 'track', userId: 'bob', event: 'Viewed' })]);
    await p.catchUp(); // bob's events moved on after they were read
    const seen: string[] = [];
    const left = await store.refresh(
      [ann, bob],
      (snapshot) => {
        seen.push(...snapshot.profiles.keys());
        return new ProfileGraph(snapshot).changes;
      },
      lastEvents,
    );
    expect(left).toEqual([bob]);
    expect(seen).toEqual([ann]);
  });

  if (backend === 'postgres')
    it('a change of definitions waits for the folds holding the generation it moves', async () => {
      const db = await openTestDatabase();
      cleanups.push(() => db.close());
      const store = await openPgProfileStore(db, plainSealer);
      // A fold in flight holds the generation as the store's folds do.
      const folding = await db.pool.connect();
      await folding.query('BEGIN');
      await folding.query('SELECT pg_advisory_xact_lock_shared(hashtext($1))', [
        `tailor definitions ${db.schema}`,
      ]);
      let moved = false;
      const change = store.definitions.changed().then((g) => {
        moved = true;
        return g;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(moved).toBe(false);
      await folding.query('COMMIT');
      folding.release();
      expect(await change).toBe(1);
    });
});

/** People on three devices each, browsing, then logging in on each device (merging them). */
function devicesThenLogins(count: number): StoredMessage[] {
  const messages: StoredMessage[] = [];
  for (let round = 0; round < 2; round++) {
    for (let p = 0; p < count; p++) {
      for (const d of [0, 1, 2]) {
        const anonymousId = `anon-${String(p)}-${String(d)}`;
        messages.push(
          message({ type: 'track', anonymousId, event: 'Viewed', properties: { round } }),
        );
        if (round === 1)
          messages.push(
            message({
              type: 'identify',
              userId: `user-${String(p)}`,
              anonymousId,
              traits: { [`d${String(d)}`]: true },
            }),
          );
      }
    }
  }
  return messages;
}

/** One profile per person, with every trait, identifier and event once. */
async function expectOnePerPerson(store: ProfileStore, count: number): Promise<void> {
  expect((await store.stats()).profiles).toBe(count);
  for (let p = 0; p < count; p++) {
    const profile = await store.byIdentifier({ type: 'userId', value: `user-${String(p)}` });
    expect(Object.keys(profile?.traits ?? {}).sort()).toEqual(['d0', 'd1', 'd2']);
    expect(await store.identifiers(profile?.id ?? '')).toHaveLength(4);
    const { positions } = await store.eventPositions(profile?.id ?? '', 0, 100);
    expect(positions).toHaveLength(9); // 6 views and 3 identifies, each once
  }
}

describe.each(['sqlite', 'postgres'] as const)(
  'pipelines folding the partitions they hold: %s',
  (backend) => {
    it('fold them together, each once, as partitions move between them', async () => {
      const count = 25;
      const messages = devicesThenLogins(count);
      const log = await logOf(messages, plainSealer);
      const store = await openStore(backend, plainSealer);
      // Two "nodes" on one store, holding sets of partitions that change between their batches.
      const holdings: number[][] = [[], []];
      const nodes = holdings.map(
        (held) =>
          new ProfilePipeline({
            log,
            store,
            rules: DEFAULT_IDENTITY_RULES,
            policy: { sourcePriority: [] },
            held: () => held,
            work: { fold: true, upkeep: false },
            batchSize: 3,
          }),
      );
      const used = [...new Set(messages.map((m) => partitionOf(m)))].sort((a, b) => a - b);
      expect(used.length).toBeGreaterThan(8);
      for (const [round, split] of [0.5, 0.25, 0.75, 0.5].entries()) {
        const cut = Math.floor(used.length * split);
        holdings[round % 2]?.splice(0, Infinity, ...used.slice(0, cut));
        holdings[(round + 1) % 2]?.splice(0, Infinity, ...used.slice(cut));
        // A batch each, at once, then the partitions move.
        await Promise.all(nodes.map((n) => (n as unknown as { step(): Promise<number> }).step()));
      }
      await Promise.all(nodes.map((n) => n.catchUp()));
      await expectOnePerPerson(store, count);
      for (const partition of used) {
        const events = await log.read(0, 10_000, [partition]);
        expect(await store.position(partitionConsumer(partition))).toBe(
          events[events.length - 1]?.position,
        );
      }
    });
  },
);

describe('ProfileStore on PostgreSQL, several nodes', () => {
  it('pipelines of different partitions folding at once, on their own pools, merge the same people into one profile each', async () => {
    const count = 25;
    const messages = devicesThenLogins(count);
    const log = await logOf(messages, plainSealer);
    const first = await openTestDatabase();
    cleanups.push(() => first.close());
    const stores = [await openPgProfileStore(first, plainSealer)];
    for (let i = 1; i < 3; i++) {
      const db = await PgDatabase.open({
        url: testPostgresUrl(),
        schema: first.schema,
        maxConnections: 3,
      });
      cleanups.push(() => db.close());
      stores.push(await openPgProfileStore(db, plainSealer));
    }
    const used = [...new Set(messages.map((m) => partitionOf(m)))];
    expect(used.length).toBeGreaterThan(8);
    const pipelines = used.map(
      (partition, i) =>
        new ProfilePipeline({
          log,
          store: stores[i % 3] as ProfileStore,
          rules: DEFAULT_IDENTITY_RULES,
          policy: { sourcePriority: [] },
          consumer: partitionConsumer(partition),
          partitions: [partition],
          work: { fold: true, upkeep: false },
          batchSize: 4,
        }),
    );
    expect(PARTITIONS).toBe(64);
    await Promise.all(pipelines.map((p) => p.catchUp()));
    await expectOnePerPerson(stores[0] as ProfileStore, count);
  });
});
