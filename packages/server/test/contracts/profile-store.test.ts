import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compileDefinitions,
  DEFAULT_IDENTITY_RULES,
  emptyConsent,
  emptyDerivedState,
  ProfileGraph,
  readCondition,
  type CompiledDefinitions,
  type GraphChanges,
  type GraphSnapshot,
  type ProfileState,
  type StoredMessage,
  type TraitMap,
} from '@tailor/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partitionOf, PARTITIONS } from '../../src/log/event-log.js';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-event-log.js';
import { partitionConsumer, ProfilePipeline } from '../../src/pipeline/profile-pipeline.js';
import { newKeyring } from '../../src/privacy/keyring.js';
import { createAesSealer, plainSealer, type Sealer } from '../../src/privacy/sealer.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import {
  memoryProfileData,
  openMemoryProfileStore,
} from '../../src/store/memory/memory-profile-store.js';
import type { ProfileFeatures, ProfileStore } from '../../src/store/profile-store.js';
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

const BACKENDS = ['memory', 'sqlite', 'postgres'] as const;
type Backend = (typeof BACKENDS)[number];

/**
 * One database of a backend, opened as often as a case asks (as another process or a restart
 * would), and everything it holds as a dump of its storage would show it.
 */
interface Backing {
  open(sealer: Sealer): Promise<ProfileStore>;
  atRest(): Promise<string>;
}

async function backing(backend: Backend): Promise<Backing> {
  switch (backend) {
    case 'memory': {
      const data = memoryProfileData();
      return {
        open: (sealer) => Promise.resolve().then(() => openMemoryProfileStore(data, sealer)),
        atRest: () => Promise.resolve(memoryText(data)),
      };
    }
    case 'sqlite': {
      const file = join(dir, 'state.sqlite');
      const read = (path: string) =>
        existsSync(path) ? readFileSync(path).toString('latin1') : '';
      return {
        open: (sealer) =>
          Promise.resolve().then(() => {
            const store = openSqliteProfileStore(file, {}, sealer);
            cleanups.push(() => store.close());
            return store;
          }),
        atRest: () => Promise.resolve(read(file) + read(`${file}-wal`)),
      };
    }
    case 'postgres': {
      const db = await openTestDatabase();
      cleanups.push(() => db.close());
      return {
        open: (sealer) => openPgProfileStore(db, sealer),
        atRest: async () => {
          const tables = await db.query<{ table_name: string }>(
            'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
            [db.schema],
          );
          const text: string[] = [];
          for (const { table_name: table } of tables.rows) {
            const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM "${table}"`);
            for (const row of rows)
              for (const value of Object.values(row))
                text.push(
                  Buffer.isBuffer(value) ? value.toString('latin1') : JSON.stringify(value),
                );
          }
          return text.join('\n');
        },
      };
    }
  }
}

/** Every string and byte the in-memory store keeps, as a dump of the process's memory would show them. */
function memoryText(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'string') return value;
  if (value instanceof Map || value instanceof Set || Array.isArray(value))
    return [...(value as Iterable<unknown>)].map(memoryText).join('\n');
  if (typeof value === 'object' && value !== null)
    return Object.values(value).map(memoryText).join('\n');
  return String(value);
}

async function openStore(backend: Backend, sealer: Sealer): Promise<ProfileStore> {
  return (await backing(backend)).open(sealer);
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
  it('every backend folds a stream of merges and conflicts into exactly what SQLite holds', async () => {
    const sealer = makeSealer();
    const messages = randomStream(500, 5);
    const log = await logOf(messages, sealer);
    const dumps = new Map<Backend, Awaited<ReturnType<typeof dump>>>();
    for (const backend of BACKENDS) {
      const store = await openStore(backend, sealer);
      await pipeline(log, store).catchUp();
      dumps.set(backend, await dump(store, messages));
    }
    const sqlite = dumps.get('sqlite');
    expect(sqlite?.stats.merged).toBeGreaterThan(0);
    expect(sqlite?.conflicts.length).toBeGreaterThan(0);
    expect(dumps.get('memory')).toEqual(sqlite);
    expect(dumps.get('postgres')).toEqual(sqlite);
  });

  it.each(BACKENDS)(
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
      // The population scan: the same profiles in id order, each with what features come from.
      const scanned: ProfileFeatures[] = [];
      for (let after = ''; ;) {
        const page = await store.scanFeatures(after, 7);
        scanned.push(...page.profiles);
        if (page.next === null) break;
        after = page.next;
      }
      expect(scanned.map((x) => x.id)).toEqual([...seen].sort());
      for (const x of scanned) {
        const full = await store.byId(x.id);
        expect(x).toEqual({
          id: full?.id,
          traits: full?.traits,
          computed: full?.computed,
          scores: full?.scores,
          consent: full?.consent,
        });
      }
      // A sample of live profiles: distinct live ids, as many as asked (or all), with the count.
      const few = await store.sampleLive(5);
      expect(few.total).toBe(total);
      expect(few.ids).toHaveLength(Math.min(5, total));
      expect(new Set(few.ids).size).toBe(few.ids.length);
      for (const id of few.ids) expect(seen).toContain(id);
      const all = await store.sampleLive(total + 10);
      expect([...all.ids].sort()).toEqual([...seen].sort());
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
  it.each(BACKENDS)(
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
        announced: [],
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

describe.each(BACKENDS)('ProfileStore contract, at rest: %s', (backend) => {
  it('with encryption on, keeps no identifier, trait, merge reason, conflict, comparison, announcement or erasure record in clear', async () => {
    const sealer = createAesSealer(newKeyring());
    const identify = (userId: string, anonymousId: string, traits: Record<string, unknown>) =>
      message({ type: 'identify', userId, anonymousId, traits });
    const messages = [
      identify('secret-ann', 'secret-device-1', { email: 'ann@secret.io' }),
      identify('secret-bob', 'secret-device-2', { phone: '+14155550123' }),
      message({ type: 'track', anonymousId: 'secret-device-2', event: 'Viewed' }),
      identify('secret-cy', 'secret-device-1', { email: 'cy@secret.io' }), // a second userId: a conflict
      message({ type: 'track', anonymousId: 'secret-device-4', event: 'Viewed' }),
      identify('secret-dan', 'secret-device-5', {}),
      identify('secret-dan', 'secret-device-4', {}), // links two profiles: a merge naming an identifier
    ];
    const log = await logOf(messages, sealer);
    const database = await backing(backend);
    const store = await database.open(sealer);
    await pipeline(log, store).catchUp();
    const end = (await log.stats()).lastPosition;
    const [ann = '', bob = ''] = (await store.live(0, 2)).profiles.map((p) => p.id);
    const at = '2026-12-01T00:00:00.000Z';
    await store.refresh([ann, bob], () =>
      changesOf({
        memberships: [ann, bob].map((profileId) => ({
          segment: 'vip',
          profileId,
          entered: true,
          at,
          cause: 'm-1',
        })),
      }),
    );
    const comparison = { email: 'secret-agree' };
    await store.reviews.add(
      [{ leftId: ann, rightId: bob, weight: 1, probability: 0.5, comparison }],
      at,
    );
    const erased = await store.erase(
      bob,
      'profiles',
      { from: end, to: end + 1 },
      {
        requestId: 'req-3',
        requestedBy: 'key:admin',
        at: 5000,
      },
    );
    expect(erased?.identifiers).toContainEqual({ type: 'userId', value: 'secret-bob' });
    expect((await store.stats()).merged).toBe(1);
    const dan = await store.byIdentifier({ type: 'userId', value: 'secret-dan' });
    const merges = await store.merges(dan?.id ?? '');
    expect(merges.map((m) => m.reason)).toEqual([expect.stringContaining('secret-')]);
    expect((await store.conflicts({ limit: 10 })).length).toBeGreaterThan(0);
    expect((await store.outbox(10)).map((o) => o.message.userId)).toEqual(['secret-ann']);
    const text = await database.atRest();
    expect(text).toContain(ann); // profile ids are kept in clear: the dump does show the store
    expect(text).not.toContain('secret');
  });
});

describe.each(BACKENDS)('ProfileStore contract: %s', (backend) => {
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

  it('a fold or rebuild whose writes fail leaves nothing behind', async () => {
    const store = await openStore(backend, plainSealer);
    const log = await logOf(
      [message({ type: 'identify', userId: 'ann', traits: { plan: 'pro' } })],
      plainSealer,
    );
    await pipeline(log, store).catchUp();
    const ann = (await store.byIdentifier({ type: 'userId', value: 'ann' }))?.id ?? '';
    const stats = await store.stats();
    const at = '2026-12-01T00:00:00.000Z';
    const bob: ProfileState = {
      id: 'p_bob',
      rank: 2,
      createdAt: at,
      updatedAt: at,
      counts: new Map([['userId', 1]]),
      traits: { plan: { value: 'free', source: 'key:test', timestamp: at, messageId: 'm-2' } },
      groups: [],
      derived: emptyDerivedState(),
      consent: emptyConsent(),
    };
    const conflict = {
      identifier: { type: 'userId', value: 'bob' },
      limitType: 'userId',
      limit: 1,
      resolvedTo: bob.id,
      messageId: 'm-2',
      at,
    };
    // No JSON holds a bigint: every backend fails at the group, after writing the profile, its
    // identifier, its event and the conflict.
    const unwritable = { n: 1n } as unknown as TraitMap;
    // A unit that fails rejects (or, on SQLite, throws at once): `attempt` takes either.
    const failing = attempt(() =>
      store.foldBatch({
        moves: [{ consumer: 'profiles', from: 1, to: 2 }],
        keys: { identifiers: [{ type: 'userId', value: 'bob' }], groups: [], profiles: [] },
        identified: [{ position: 2, userId: 'bob', anonymousId: null }],
        fold: () =>
          changesOf({
            created: [bob],
            attached: [{ type: 'userId', value: 'bob', profileId: bob.id }],
            touched: new Map([[bob.id, bob]]),
            assignments: [{ position: 2, profileId: bob.id }],
            conflicts: [conflict],
            groups: new Map([
              ['g-ok', {}],
              ['g-bad', unwritable],
            ]),
          }),
      }),
    );
    await expect(failing).rejects.toThrow();
    expect(await store.position('profiles')).toBe(1);
    expect(await store.byId(bob.id)).toBeUndefined();
    expect(await store.byIdentifier({ type: 'userId', value: 'bob' })).toBeUndefined();
    expect(await store.stats()).toEqual(stats);
    expect(await store.conflicts({ limit: 10 })).toEqual([]);
    expect(await store.eventPositions(bob.id, 0, 10)).toEqual({ positions: [], next: null });
    // The same range again, folding nothing: no group was kept, nor bob's event in the index.
    let groups: string[] = ['not read'];
    const nothing = await store.foldBatch({
      moves: [{ consumer: 'profiles', from: 1, to: 2 }],
      keys: { identifiers: [], groups: ['g-ok'], profiles: [] },
      fold: (snapshot) => {
        groups = [...snapshot.groups.keys()];
        return changesOf({});
      },
    });
    expect(nothing).toBe('folded');
    expect(groups).toEqual([]);
    const indexed = await store.eventsByIdentifier(['profiles'], {
      kind: 'userId',
      value: 'bob',
      after: 0,
      limit: 10,
    });
    expect(indexed).toEqual({ positions: [], indexedTo: [2] });

    // A rebuild that fails at its conflict leaves the profile it changed as it was.
    const traits = (await store.byId(ann))?.traits;
    expect(traits).toMatchObject({ plan: { value: 'pro' } });
    const rebuilding = attempt(() =>
      store.refresh([ann], (snapshot) => {
        const profile = snapshot.profiles.get(ann);
        if (profile === undefined) throw new Error('ann is live');
        profile.traits = {};
        return changesOf({
          touched: new Map([[ann, profile]]),
          conflicts: [{ ...conflict, resolvedTo: ann, limit: unwritable as never }],
        });
      }),
    );
    await expect(rebuilding).rejects.toThrow();
    expect((await store.byId(ann))?.traits).toEqual(traits);
    expect(await store.conflicts({ limit: 10 })).toEqual([]);
  });

  it("announces segment entries and exits through the outbox (not a merge's), and pages a segment's members", async () => {
    const store = await openStore(backend, plainSealer);
    const users = ['ann', 'bob', 'cy'];
    const log = await logOf(
      users.map((u) => message({ type: 'identify', userId: u, anonymousId: `a-${u}` })),
      plainSealer,
    );
    await pipeline(log, store).catchUp();
    const ids: string[] = [];
    for (const u of users)
      ids.push((await store.byIdentifier({ type: 'userId', value: u }))?.id ?? '');
    const [ann = '', bob = '', cy = ''] = ids;
    const at = '2026-12-01T00:00:00.000Z';
    const change = (profileId: string, entered: boolean, cause: string) => ({
      segment: 'vip',
      profileId,
      entered,
      at,
      cause,
    });
    await store.refresh(ids, () =>
      changesOf({ memberships: ids.map((id) => change(id, true, 'm-1')) }),
    );
    await store.refresh([ann, cy], () =>
      changesOf({ memberships: [change(ann, false, 'm-2'), change(cy, false, 'merge')] }),
    );
    const outbox = await store.outbox(10);
    expect(outbox.map((o) => o.message)).toMatchObject([
      ...users.map((u, i) => ({
        type: 'track',
        event: 'Segment Entered',
        userId: u,
        anonymousId: `a-${u}`,
        properties: { segment: 'vip', profileId: ids[i], cause: 'm-1' },
        timestamp: at,
      })),
      { event: 'Segment Exited', userId: 'ann', properties: { profileId: ann, cause: 'm-2' } },
    ]);
    expect(new Set(outbox.map((o) => o.message.messageId)).size).toBe(4);
    expect((await store.history(cy)).map((h) => [h.entered, h.cause])).toEqual([
      [true, 'm-1'],
      [false, 'merge'],
    ]);
    expect(await store.members('vip', '', 1)).toEqual({ profiles: [bob], count: 1, next: null });
    await store.refresh([ann, cy], () =>
      changesOf({ memberships: [change(ann, true, 'm-3'), change(cy, true, 'm-3')] }),
    );
    const members = [ann, bob, cy].sort();
    expect(await store.members('vip', '', 2)).toEqual({
      profiles: members.slice(0, 2),
      count: 3,
      next: members[1],
    });
    expect(await store.members('vip', members[1] ?? '', 2)).toEqual({
      profiles: members.slice(2),
      count: 3,
      next: null,
    });
    await store.ackOutbox(outbox[1]?.seq ?? 0);
    expect((await store.outbox(10)).map((o) => o.message.properties?.cause)).toEqual([
      'm-1',
      'm-2',
      'm-3',
      'm-3',
    ]);
  });

  it("counts segments' sizes over time: once an hour per version, thinned past 31 days, as numbers only", async () => {
    const store = await openStore(backend, plainSealer);
    const users = ['ann', 'bob', 'cy'];
    const log = await logOf(
      users.map((u) => message({ type: 'identify', userId: u })),
      plainSealer,
    );
    await pipeline(log, store).catchUp();
    const ids: string[] = [];
    for (const u of users)
      ids.push((await store.byIdentifier({ type: 'userId', value: u }))?.id ?? '');
    const member = (profileId: string, entered: boolean) => ({
      segment: 'vip',
      profileId,
      entered,
      at: '2026-12-01T10:00:00.000Z',
      cause: 'm',
    });
    await store.refresh(ids, () => changesOf({ memberships: ids.map((id) => member(id, true)) }));
    const sizes = store.segmentSizes;
    const t0 = Date.parse('2026-12-01T10:05:00Z');
    expect(
      await sizes.record(
        [
          { name: 'vip', version: 1 },
          { name: 'nobody', version: 1 },
        ],
        t0,
      ),
    ).toEqual([
      { segment: 'vip', at: '2026-12-01T10:05:00.000Z', size: 3, version: 1 },
      { segment: 'nobody', at: '2026-12-01T10:05:00.000Z', size: 0, version: 1 },
    ]);
    // Counted this hour under this version already (another node): nothing twice.
    expect(await sizes.record([{ name: 'vip', version: 1 }], t0 + 60_000)).toEqual([]);
    await store.refresh([ids[0] ?? ''], () =>
      changesOf({ memberships: [member(ids[0] ?? '', false)] }),
    );
    // A new version is counted in the same hour; the next hour counts again.
    expect(await sizes.record([{ name: 'vip', version: 2 }], t0 + 600_000)).toMatchObject([
      { size: 2, version: 2 },
    ]);
    const t1 = Date.parse('2026-12-01T11:00:30Z');
    expect(await sizes.record([{ name: 'vip', version: 2 }], t1)).toMatchObject([{ size: 2 }]);
    expect(await sizes.between('vip', t0, t1, 10)).toEqual([
      { segment: 'vip', at: '2026-12-01T10:05:00.000Z', size: 3, version: 1 },
      { segment: 'vip', at: '2026-12-01T10:15:00.000Z', size: 2, version: 2 },
      { segment: 'vip', at: '2026-12-01T11:00:30.000Z', size: 2, version: 2 },
    ]);
    expect((await sizes.between('vip', t0, t1, 2)).map((s) => s.at)).toEqual([
      '2026-12-01T10:15:00.000Z',
      '2026-12-01T11:00:30.000Z',
    ]);
    expect(await sizes.between('vip', t0 + 1, t1 - 1, 10)).toHaveLength(1);
    expect((await sizes.latest()).map((s) => [s.segment, s.at])).toEqual([
      ['nobody', '2026-12-01T10:05:00.000Z'],
      ['vip', '2026-12-01T11:00:30.000Z'],
    ]);
    // 40 days on: the day past 31 days keeps its first count of each version.
    const later = t0 + 40 * 86_400_000;
    await sizes.record([{ name: 'vip', version: 2 }], later);
    expect((await sizes.between('vip', t0, later, 10)).map((s) => [s.at, s.version])).toEqual([
      ['2026-12-01T10:05:00.000Z', 1],
      ['2026-12-01T10:15:00.000Z', 2],
      ['2027-01-10T10:05:00.000Z', 2],
    ]);
    await sizes.forget('vip');
    expect(await sizes.between('vip', t0, later, 10)).toEqual([]);
    expect((await sizes.latest()).map((s) => s.segment)).toEqual(['nobody']);
  });

  it('two stores on one database counting the same hour at once record one count', async () => {
    const shared = await backing(backend);
    const [one, two] = [await shared.open(plainSealer), await shared.open(plainSealer)];
    const t0 = Date.parse('2026-12-01T10:05:00Z');
    const vip = [{ name: 'vip', version: 1 }];
    const [first, second] = await Promise.all([
      one.segmentSizes.record(vip, t0),
      two.segmentSizes.record(vip, t0 + 1000),
    ]);
    expect(first.length + second.length).toBe(1);
    expect(await one.segmentSizes.between('vip', t0, t0 + 1000, 10)).toHaveLength(1);
  });

  it('announces journey stage changes through the outbox, under the person, once each', async () => {
    const store = await openStore(backend, plainSealer);
    const log = await logOf(
      [message({ type: 'identify', userId: 'ann', anonymousId: 'a-ann' })],
      plainSealer,
    );
    await pipeline(log, store).catchUp();
    const ann = (await store.byIdentifier({ type: 'userId', value: 'ann' }))?.id ?? '';
    const at = '2026-12-01T00:00:00.000Z';
    const stage = (from: string | null, to: string, cause: string) => ({
      profileId: ann,
      event: 'Journey Stage Changed',
      trait: 'journey_stage',
      from,
      to,
      at,
      cause,
    });
    await store.refresh([ann], () =>
      changesOf({
        announced: [stage(null, 'consideration', 'm-1'), stage('consideration', 'purchase', 'm-2')],
      }),
    );
    const outbox = await store.outbox(10);
    expect(outbox.map((o) => o.message)).toMatchObject([
      {
        type: 'track',
        event: 'Journey Stage Changed',
        userId: 'ann',
        anonymousId: 'a-ann',
        properties: {
          trait: 'journey_stage',
          stage: 'consideration',
          previousStage: null,
          profileId: ann,
          cause: 'm-1',
        },
        timestamp: at,
        tailor: { source: 'segments' },
      },
      { properties: { stage: 'purchase', previousStage: 'consideration', cause: 'm-2' } },
    ]);
    expect(new Set(outbox.map((o) => o.message.messageId)).size).toBe(2);
  });

  it('opened again, holds what it folded; opened under another blind-index key, is refused', async () => {
    const sealer = createAesSealer(newKeyring());
    const database = await backing(backend);
    const log = await logOf([message({ type: 'identify', userId: 'ann' })], sealer);
    await pipeline(log, await database.open(sealer)).catchUp();
    const again = await database.open(sealer);
    expect(await again.position('profiles')).toBe(1);
    expect(await again.identifiers((await again.live(0, 1)).profiles[0]?.id ?? '')).toEqual([
      { type: 'userId', value: 'ann' },
    ]);
    await expect(database.open(createAesSealer(newKeyring()))).rejects.toThrow(
      /indexed under another/,
    );
  });
});

describe.each(BACKENDS)('definitions generation: %s', (backend) => {
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
    // A consumer already moved: a stale fold leaves it where it was (on PostgreSQL the move goes
    // with the fold's BEGIN, and the refusal rolls it back).
    const empty = {
      keys: { identifiers: [], groups: [], profiles: [] },
      fold: (snapshot: GraphSnapshot) => new ProfileGraph(snapshot).changes,
    };
    const moved = [{ consumer: 'elsewhere', from: 0, to: 5 }];
    expect(await store.foldBatch({ ...empty, moves: moved, definitions: before + 1 })).toBe(
      'folded',
    );
    const again = [{ consumer: 'elsewhere', from: 5, to: 9 }];
    expect(await store.foldBatch({ ...empty, moves: again, definitions: before })).toBe('stale');
    expect(await store.position('elsewhere')).toBe(5);

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

  // PostgreSQL only: its folds run concurrently and hold the generation by a lock. SQLite's and
  // the in-memory store's run to their end before anything else (one IMMEDIATE transaction, one
  // synchronous unit of work), so a change never meets a fold in flight.
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

describe.each(BACKENDS)('pipelines folding the partitions they hold: %s', (backend) => {
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
});

// PostgreSQL only: several nodes on their own pools, folding at once, is what it is for; the
// other backends serve one process (the partition case above runs pipelines sharing a store).
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

/** A store call's promise, or its error as a rejection when it throws before answering. */
function attempt<T>(call: () => Promise<T>): Promise<T> {
  return Promise.resolve().then(call);
}

/** A fold's changes: those given, nothing else. */
function changesOf(changes: Partial<GraphChanges>): GraphChanges {
  return {
    created: [],
    attached: [],
    merges: [],
    touched: new Map(),
    assignments: [],
    conflicts: [],
    groups: new Map(),
    memberships: [],
    announced: [],
    timers: new Map(),
    ...changes,
  };
}
