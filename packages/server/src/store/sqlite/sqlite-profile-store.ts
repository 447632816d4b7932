import type Database from 'better-sqlite3';
import {
  emptyConsent,
  emptyDerivedState,
  identityKey,
  type ConsentState,
  type DerivedState,
  type GraphChanges,
  type GraphSnapshot,
  type IdentifierRef,
  type MergeRecord,
  type ProfileState,
  type TraitPopulation,
  type TraitMap,
} from '@tailor/core';
import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import { checkBlindIndex } from '../../log/sqlite/check-blind-index.js';
import { plainSealer, type Sealer } from '../../privacy/sealer.js';
import { sealedValues, type SealedValues, type Stored } from '../../privacy/sealed-values.js';
import type {
  BatchKeys,
  FoldBatch,
  FoldOutcome,
  PendingErasure,
  ProfileStore,
  ProfileFeatures,
  StoredProfile,
} from '../profile-store.js';
import {
  EVENT_IDENTIFIERS_COMPONENT,
  EVENT_IDENTIFIERS_MIGRATIONS,
  IDENTIFIER_KINDS,
} from './event-identifier-index.js';
import { openSqliteSegmentSizes } from './sqlite-segment-sizes.js';
import {
  MEMBERSHIP_COMPONENT,
  MEMBERSHIP_MIGRATIONS,
  eraseSqliteMemberships,
  membershipWriter,
} from './sqlite-membership-tables.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';
import { pageRows } from '../../log/sqlite/page-rows.js';
import { ReservoirSample } from '../reservoir-sample.js';
import { openSqliteBackfillJobs } from './sqlite-backfill-jobs.js';
import { consumerPositions } from './sqlite-consumer-positions.js';
import { eraseSqliteReviews, openSqliteReviewQueue } from './sqlite-review-queue.js';

/** The tables as created before versioned migrations (idempotent on such a file). */
const BASELINE = `
CREATE TABLE IF NOT EXISTS profiles (
  id TEXT PRIMARY KEY,
  rank INTEGER NOT NULL,
  merged_into TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  counts TEXT NOT NULL,
  traits TEXT NOT NULL,
  groups TEXT NOT NULL,
  derived TEXT NOT NULL DEFAULT '{}',
  consent TEXT NOT NULL DEFAULT '{}',
  sealed BLOB
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS profiles_merged_into ON profiles (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX IF NOT EXISTS profiles_live ON profiles (rank) WHERE merged_into IS NULL;
CREATE TABLE IF NOT EXISTS identities (
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  profile_id TEXT NOT NULL,
  sealed BLOB,
  PRIMARY KEY (type, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identities_profile ON identities (profile_id);
CREATE TABLE IF NOT EXISTS profile_events (
  profile_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (profile_id, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS profile_merges (
  seq INTEGER PRIMARY KEY,
  into_id TEXT NOT NULL,
  from_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  at TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS profile_merges_into ON profile_merges (into_id);
CREATE TABLE IF NOT EXISTS identity_conflicts (
  seq INTEGER PRIMARY KEY,
  record TEXT NOT NULL,
  resolved_to TEXT NOT NULL,
  profile_id TEXT
);
CREATE INDEX IF NOT EXISTS identity_conflicts_resolved ON identity_conflicts (resolved_to);
CREATE TABLE IF NOT EXISTS groups (
  id TEXT PRIMARY KEY,
  traits TEXT NOT NULL
) WITHOUT ROWID;
`;

/** The profile store's component in `schema_migrations`. */
export const PROFILE_STORE_COMPONENT = 'profiles';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const PROFILE_STORE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'baseline',
    up: (db) => {
      db.exec(BASELINE);
      addMissingColumns(db);
    },
  },
  {
    version: 2,
    name: 'definitions generation',
    up: `CREATE TABLE IF NOT EXISTS definitions_generation (
           id INTEGER PRIMARY KEY CHECK (id = 1),
           generation INTEGER NOT NULL
         );
         INSERT OR IGNORE INTO definitions_generation (id, generation) VALUES (1, 0);`,
  },
  {
    version: 3,
    name: 'pending erasures',
    up: `CREATE TABLE IF NOT EXISTS pending_erasures (
           request_id TEXT PRIMARY KEY,
           at INTEGER NOT NULL,
           body BLOB NOT NULL
         );`,
  },
  {
    version: 4,
    name: 'sealed merge reasons',
    // A folder from before versioned migrations runs every migration again: add it only if missing.
    up: (db) => {
      const columns = db.prepare('PRAGMA table_info(profile_merges)').all() as { name: string }[];
      if (!columns.some((c) => c.name === 'sealed_reason'))
        db.exec('ALTER TABLE profile_merges ADD COLUMN sealed_reason BLOB');
    },
  },
];

export interface ProfileRow {
  id: string;
  rank: number;
  merged_into: string | null;
  created_at: string;
  updated_at: string;
  counts: string;
  traits: string;
  groups: string;
  derived: string;
  consent: string;
  /** With encryption on: traits, groups, derived and consent in one sealed value (the columns are empty). */
  sealed: Buffer | null;
}

/**
 * The embedded profile store: tables beside the keys and definitions in `state.sqlite`. What may
 * hold personal data (traits, groups, computed state, consent, identifier values, conflicts,
 * reviews, pending announcements) is sealed by the sealer; identifiers are looked up by their
 * blind index (`identities.value`), their values kept sealed beside it.
 */
export function openSqliteProfileStore(
  file: string,
  sqlite: SqliteOptions = {},
  sealer: Sealer = plainSealer,
): ProfileStore {
  const db: Database.Database = openSqlite(file, sqlite);
  migrateSqlite(db, PROFILE_STORE_COMPONENT, PROFILE_STORE_MIGRATIONS);
  migrateSqlite(db, MEMBERSHIP_COMPONENT, MEMBERSHIP_MIGRATIONS);
  migrateSqlite(db, EVENT_IDENTIFIERS_COMPONENT, EVENT_IDENTIFIERS_MIGRATIONS);
  const sealed = sealedValues(sealer);
  checkBlindIndex(db, sealed, 'identities', file);
  sealPlainMergeReasons(db, sealed);
  const q = statements(db);
  const positions = consumerPositions(db);
  const writeMemberships = membershipWriter(db, sealed);
  // The plain texts of sealed profile bodies read by this transaction: one that comes back
  // unchanged (most events change only counters) keeps its sealed value instead of a new one.
  const loaded = new Map<string, string>();
  // Profiles of this transaction whose body the fold never read: only their times and counts move.
  const unread = new WeakSet<ProfileState>();
  let onRead: ((profile: ProfileState) => void) | undefined;
  const toState = (row: ProfileRow): ProfileState => {
    const state = lazyProfileState(
      row,
      () => {
        unread.delete(state);
        if (row.sealed === null) return bodyOf(row, sealed);
        const text = sealed.profile.open(row.id, row.sealed);
        loaded.set(row.id, text);
        return JSON.parse(text) as ProfileBody;
      },
      (read) => onRead?.(read),
    );
    unread.add(state);
    return state;
  };
  const toStored = (row: ProfileRow | undefined) => row && storedProfile(row, bodyOf(row, sealed));
  const lookUp = ({ type, value }: IdentifierRef) =>
    q.identity.get(type, sealed.blind(type, value)) as { profile_id: string } | undefined;
  const identifiersOf = (profileId: string): IdentifierRef[] =>
    (q.identifiersOf.all(profileId) as IdentityRow[])
      .map((r) => ({
        type: r.type,
        value: sealed.identifier.open(r.type, r.value, r.sealed),
      }))
      .sort((a, b) =>
        a.type === b.type ? (a.value < b.value ? -1 : 1) : a.type < b.type ? -1 : 1,
      );

  /** A profile's row, or the row of the profile it was merged into. */
  const survivor = (id: string): ProfileRow | undefined => {
    const row = q.profile.get(id) as ProfileRow | undefined;
    if (row?.merged_into == null) return row;
    return q.profile.get(row.merged_into) as ProfileRow | undefined;
  };

  const loadSnapshot = (keys: BatchKeys): GraphSnapshot => {
    const snapshot: GraphSnapshot = {
      identities: new Map(),
      profiles: new Map(),
      groups: new Map(),
      merged: new Map(),
    };
    for (const identifier of keys.identifiers) {
      const key = identityKey(identifier);
      if (snapshot.identities.has(key)) continue;
      const row = lookUp(identifier);
      if (row === undefined) continue;
      snapshot.identities.set(key, row.profile_id);
      if (!snapshot.profiles.has(row.profile_id)) {
        const profile = q.profile.get(row.profile_id) as ProfileRow | undefined;
        if (profile) snapshot.profiles.set(profile.id, toState(profile));
      }
    }
    for (const id of keys.profiles) {
      const live = survivor(id);
      if (live === undefined) continue;
      if (live.id !== id) snapshot.merged.set(id, live.id);
      if (!snapshot.profiles.has(live.id)) snapshot.profiles.set(live.id, toState(live));
    }
    for (const id of keys.groups) {
      const row = q.group.get(id) as { traits: Stored } | undefined;
      if (row) snapshot.groups.set(id, sealed.group.open(id, row.traits));
    }
    return snapshot;
  };

  const write = (changes: GraphChanges): void => {
    for (const p of changes.created)
      q.insertProfile.run(p.id, p.rank, p.createdAt, p.updatedAt, '{}', '{}', '[]');
    for (const a of changes.attached) {
      const identifier = sealed.identifier.seal(a.type, a.value);
      q.insertIdentity.run(a.type, identifier.blind, a.profileId, identifier.sealed);
    }
    for (const m of changes.merges) {
      q.moveIdentities.run(m.into, m.from);
      q.redirectProfiles.run(m.into, m.from, m.from);
      q.insertMerge.run(m.into, m.from, m.messageId, m.at, ...sealed.mergeReason.columns(m.reason));
    }
    for (const p of changes.touched.values()) {
      const counts = JSON.stringify(Object.fromEntries(p.counts));
      if (unread.has(p)) {
        q.touchProfile.run(p.createdAt, p.updatedAt, counts, p.id);
        continue;
      }
      const body: ProfileBody = {
        traits: p.traits,
        groups: p.groups,
        derived: p.derived,
        consent: p.consent,
      };
      if (!sealed.encrypts) {
        q.updateProfile.run(
          p.createdAt,
          p.updatedAt,
          counts,
          ...profileColumns(p.id, body, sealed),
          p.id,
        );
        continue;
      }
      const text = JSON.stringify(body);
      if (loaded.get(p.id) === text) q.touchProfile.run(p.createdAt, p.updatedAt, counts, p.id);
      else
        q.updateProfile.run(
          p.createdAt,
          p.updatedAt,
          counts,
          '',
          '',
          '',
          '',
          sealed.profile.seal(p.id, text),
          p.id,
        );
    }
    loaded.clear();
    for (const a of changes.assignments) q.insertEvent.run(a.position, a.profileId);
    for (const c of changes.conflicts)
      q.insertConflict.run(sealed.conflict.seal(c), c.resolvedTo, c.profileId ?? null);
    for (const [id, traits] of changes.groups) q.upsertGroup.run(id, sealed.group.seal(id, traits));
    writeMemberships(changes);
  };

  const generation = db.prepare('SELECT generation FROM definitions_generation WHERE id = 1');
  const readGeneration = (): number => (generation.get() as { generation: number }).generation;
  const moveGeneration = db.transaction((): number => {
    db.prepare('UPDATE definitions_generation SET generation = generation + 1 WHERE id = 1').run();
    return readGeneration();
  });

  const foldBatch = db.transaction(
    ({ moves, keys, fold, read, identified = [], definitions }: FoldBatch): FoldOutcome => {
      if (moves.some((m) => positions.get(m.consumer) !== m.from)) return 'moved';
      if (definitions !== undefined && definitions !== readGeneration()) return 'stale';
      loaded.clear(); // nothing left by a transaction that failed before its write
      onRead = read;
      try {
        write(fold(loadSnapshot(keys)));
      } finally {
        onRead = undefined;
      }
      for (const e of identified) {
        if (e.userId !== null)
          q.indexEvent.run(IDENTIFIER_KINDS.userId, sealed.blind('userId', e.userId), e.position);
        if (e.anonymousId !== null)
          q.indexEvent.run(
            IDENTIFIER_KINDS.anonymousId,
            sealed.blind('anonymousId', e.anonymousId),
            e.position,
          );
      }
      for (const m of moves) positions.set(m.consumer, m.to);
      return 'folded';
    },
  );

  // One read transaction: the positions and how far the index reaches agree.
  const eventsByIdentifier = db.transaction(
    (
      consumers: readonly string[],
      {
        kind,
        value,
        after,
        limit,
      }: { kind: 'userId' | 'anonymousId'; value: string; after: number; limit: number },
    ) => {
      const indexedTo = consumers.map((c) => positions.get(c));
      const rows = q.eventsByIdentifier.all(
        IDENTIFIER_KINDS[kind],
        sealed.blind(kind, value),
        after,
        Math.max(0, ...indexedTo), // an entry is written with its consumer's position: none is beyond it
        limit,
      ) as { position: number }[];
      return { positions: rows.map((r) => r.position), indexedTo };
    },
  );

  const refreshBatch = db.transaction(
    (
      ids: readonly string[],
      refresh: (snapshot: GraphSnapshot) => GraphChanges,
      lastEvents: ReadonlyMap<string, number> | undefined,
    ): string[] => {
      loaded.clear();
      const snapshot: GraphSnapshot = {
        identities: new Map(),
        profiles: new Map(),
        groups: new Map(),
        merged: new Map(),
      };
      const moved = new Set<string>();
      for (const [id, last] of lastEvents ?? []) {
        const family = JSON.stringify(familyOf(id));
        const now = (q.lastEvent.get(family) as { last: number | null }).last ?? 0;
        if (now !== last) moved.add(id);
      }
      for (const id of ids) {
        const row = q.profile.get(id) as ProfileRow | undefined;
        if (row?.merged_into === null && !moved.has(id))
          snapshot.profiles.set(row.id, toState(row));
      }
      write(refresh(snapshot));
      return [...moved];
    },
  );

  const savePopulation = db.transaction(
    (key: string, population: TraitPopulation, rescore: readonly string[], at: number) => {
      q.savePopulation.run(key, JSON.stringify(population));
      for (const id of rescore) q.dueBy.run(id, at);
    },
  );

  /** Records an erasure's remaining part in the erasing transaction; returns it. */
  const recordErasure = (erasure: PendingErasure): PendingErasure => {
    const { requestId, at, ...rest } = erasure;
    q.recordErasure.run(requestId, at, sealed.erasure.seal(rest));
    return erasure;
  };
  const erase = db.transaction(
    (
      profileId: string,
      consumer: string,
      range: { from: number; to: number },
      request: { requestId: string; requestedBy: string; at: number },
    ): PendingErasure | undefined => {
      if (positions.get(consumer) !== range.from) return undefined;
      positions.set(consumer, range.to);
      const live = survivor(profileId);
      if (live === undefined)
        return recordErasure({
          ...request,
          profileId,
          positions: [],
          identifiers: [],
          profiles: [],
        });
      const family = familyOf(live.id);
      const ids = JSON.stringify(family);
      const identifiers = identifiersOf(live.id);
      const eventPositions = (
        db
          .prepare(
            'SELECT position FROM profile_events WHERE profile_id IN (SELECT value FROM json_each(?)) ORDER BY position',
          )
          .all(ids) as { position: number }[]
      ).map((r) => r.position);
      for (const { type, value } of identifiers) {
        if (type === 'userId' || type === 'anonymousId')
          q.unindexEvents.run(IDENTIFIER_KINDS[type], sealed.blind(type, value));
      }
      const inFamily = 'IN (SELECT value FROM json_each(?))';
      for (const sql of [
        `DELETE FROM profile_events WHERE profile_id ${inFamily}`,
        `DELETE FROM identities WHERE profile_id ${inFamily}`,
        `DELETE FROM profile_merges WHERE into_id ${inFamily} OR from_id ${inFamily}`,
        `DELETE FROM identity_conflicts WHERE resolved_to ${inFamily} OR profile_id ${inFamily}`,
        `DELETE FROM profiles WHERE id ${inFamily}`,
      ]) {
        const params = (sql.match(/json_each/g) ?? []).map(() => ids);
        db.prepare(sql).run(...params);
      }
      // The tables other stores own in this database, erased by their owners in this transaction.
      eraseSqliteReviews(db, family);
      eraseSqliteMemberships(db, sealed, family);
      return recordErasure({
        ...request,
        profileId,
        positions: eventPositions,
        identifiers,
        profiles: family,
      });
    },
  );

  const familyOf = (id: string): string[] => [
    id,
    ...(q.mergedIds.all(id) as { id: string }[]).map((r) => r.id),
  ];

  return {
    position: (consumer) => Promise.resolve(positions.get(consumer)),
    foldBatch: (batch) => Promise.resolve(foldBatch.immediate(batch)),
    definitions: {
      generation: () => Promise.resolve(readGeneration()),
      changed: () => Promise.resolve(moveGeneration.immediate()),
    },
    eventsByIdentifier: (consumers, query) => Promise.resolve(eventsByIdentifier(consumers, query)),
    byId: (id) => Promise.resolve(toStored(survivor(id))),
    byIdentifier: ({ type, value }) => {
      const row = lookUp({ type, value });
      return Promise.resolve(row ? toStored(survivor(row.profile_id)) : undefined);
    },
    identifiers: (profileId) => Promise.resolve(identifiersOf(profileId)),
    mergedIds: (profileId) => Promise.resolve(familyOf(profileId).slice(1)),
    eventPositions: (profileId, after, limit) => {
      const rows = q.eventsOf.all(JSON.stringify(familyOf(profileId)), after, limit + 1) as {
        position: number;
      }[];
      const { page, next } = pageRows(rows, limit, (r) => r.position);
      return Promise.resolve({ positions: page.map((r) => r.position), next });
    },
    merges: (profileId) => {
      const rows = q.mergesOf.all(JSON.stringify(familyOf(profileId))) as {
        into_id: string;
        from_id: string;
        message_id: string;
        at: string;
        reason: string;
        sealed_reason: Buffer | null;
      }[];
      return Promise.resolve(
        rows.map((r): MergeRecord => ({
          into: r.into_id,
          from: r.from_id,
          messageId: r.message_id,
          at: r.at,
          reason: sealed.mergeReason.open(r.reason, r.sealed_reason),
        })),
      );
    },
    conflicts: ({ profileId, limit }) => {
      const rows = (
        profileId === undefined
          ? q.conflicts.all(limit)
          : q.conflictsOf.all({ ids: JSON.stringify(familyOf(profileId)), limit })
      ) as { record: Stored }[];
      return Promise.resolve(rows.map((r) => sealed.conflict.open(r.record)));
    },
    stats: () =>
      Promise.resolve(q.stats.get() as { profiles: number; merged: number; identifiers: number }),
    live: (after, limit) => {
      const { page, next } = pageRows(
        q.live.all(after, limit + 1) as ProfileRow[],
        limit,
        (r) => r.rank,
      );
      return Promise.resolve({
        profiles: page.map((r) => ({ ...(toStored(r) as StoredProfile), rank: r.rank })),
        next,
      });
    },
    sampleLive: (size) => {
      const sample = new ReservoirSample<string>(size);
      for (const id of q.liveIds.iterate() as IterableIterator<string>) sample.add(id);
      const { values, total } = sample.result();
      return Promise.resolve({ ids: values, total });
    },
    scanFeatures: (after, limit) => {
      const { page, next } = pageRows(
        q.scanFeatures.all(after, limit + 1) as ProfileRow[],
        limit,
        (r) => r.id,
      );
      return Promise.resolve({
        profiles: page.map((r) => profileFeatures(r, bodyOf(r, sealed))),
        next,
      });
    },
    reviews: openSqliteReviewQueue(db, sealed),
    backfills: openSqliteBackfillJobs(db),
    segmentSizes: openSqliteSegmentSizes(db),
    due: (now, limit) =>
      Promise.resolve((q.due.all(now, limit) as { profile_id: string }[]).map((r) => r.profile_id)),
    refresh: (ids, refresh, lastEvents) =>
      Promise.resolve(refreshBatch.immediate(ids, refresh, lastEvents)),
    populations: () =>
      Promise.resolve(
        new Map(
          (q.populations.all() as { key: string; population: string }[]).map((r) => [
            r.key,
            JSON.parse(r.population) as TraitPopulation,
          ]),
        ),
      ),
    savePopulation: (key, population, rescore, at) => {
      savePopulation.immediate(key, population, rescore, at);
      return Promise.resolve();
    },
    outbox: (limit) =>
      Promise.resolve(
        (q.outbox.all(limit) as { seq: number; message: Stored }[]).map((r) => ({
          seq: r.seq,
          message: sealed.outbox.open(r.message),
        })),
      ),
    ackOutbox: (upTo) => {
      q.ackOutbox.run(upTo);
      return Promise.resolve();
    },
    members: (segment, after, limit) => {
      const rows = q.members.all(segment, after, limit + 1) as { profile_id: string }[];
      const { page, next } = pageRows(rows, limit, (r) => r.profile_id);
      return Promise.resolve({
        profiles: page.map((r) => r.profile_id),
        count: (q.memberCount.get(segment) as { n: number }).n,
        next,
      });
    },
    history: (profileId) =>
      Promise.resolve(
        (
          q.history.all(JSON.stringify(familyOf(profileId))) as {
            segment: string;
            profile_id: string;
            entered: number;
            at: string;
            cause: string;
          }[]
        ).map((r) => ({
          segment: r.segment,
          profileId: r.profile_id,
          entered: r.entered === 1,
          at: r.at,
          cause: r.cause,
        })),
      ),
    erase: (profileId, consumer, range, request) =>
      Promise.resolve(erase.immediate(profileId, consumer, range, request)),
    erasures: {
      pending: (before, limit) =>
        Promise.resolve(
          (
            q.pendingErasures.all(before, limit) as {
              request_id: string;
              at: number;
              body: Stored;
            }[]
          ).map((r) => ({
            requestId: r.request_id,
            at: r.at,
            ...sealed.erasure.open(r.body),
          })),
        ),
      done: (requestId) => {
        q.erasureDone.run(requestId);
        // Copied into the database and emptied: no erased data (nor the record) stays in the WAL.
        db.pragma('wal_checkpoint(TRUNCATE)');
        return Promise.resolve();
      },
    },
    suppressions: {
      list: () =>
        Promise.resolve(
          (db.prepare('SELECT hash FROM suppressions').all() as { hash: string }[]).map(
            (r) => r.hash,
          ),
        ),
      add: (hashes, at) => {
        const insert = db.prepare(
          'INSERT OR IGNORE INTO suppressions (hash, created_at) VALUES (?, ?)',
        );
        db.transaction(() => {
          for (const h of hashes) insert.run(h, at);
        })();
        return Promise.resolve();
      },
      remove: (hashes) => {
        db.prepare('DELETE FROM suppressions WHERE hash IN (SELECT value FROM json_each(?))').run(
          JSON.stringify(hashes),
        );
        return Promise.resolve();
      },
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

function statements(db: Database.Database) {
  return {
    identity: db.prepare('SELECT profile_id FROM identities WHERE type = ? AND value = ?'),
    profile: db.prepare('SELECT * FROM profiles WHERE id = ?'),
    group: db.prepare('SELECT traits FROM groups WHERE id = ?'),
    insertProfile: db.prepare(
      'INSERT INTO profiles (id, rank, created_at, updated_at, counts, traits, groups) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    insertIdentity: db.prepare(
      'INSERT INTO identities (type, value, profile_id, sealed) VALUES (?, ?, ?, ?)',
    ),
    moveIdentities: db.prepare('UPDATE identities SET profile_id = ? WHERE profile_id = ?'),
    redirectProfiles: db.prepare(
      'UPDATE profiles SET merged_into = ? WHERE id = ? OR merged_into = ?',
    ),
    insertMerge: db.prepare(
      'INSERT INTO profile_merges (into_id, from_id, message_id, at, reason, sealed_reason) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    updateProfile: db.prepare(
      'UPDATE profiles SET created_at = ?, updated_at = ?, counts = ?, traits = ?, groups = ?, derived = ?, consent = ?, sealed = ? WHERE id = ?',
    ),
    touchProfile: db.prepare(
      'UPDATE profiles SET created_at = ?, updated_at = ?, counts = ? WHERE id = ?',
    ),
    insertEvent: db.prepare('INSERT INTO profile_events (position, profile_id) VALUES (?, ?)'),
    // OR IGNORE: a rebuild from the log (a new index key) may have indexed events not folded yet.
    indexEvent: db.prepare(
      'INSERT OR IGNORE INTO event_identifiers (kind, blind, position) VALUES (?, ?, ?)',
    ),
    eventsByIdentifier: db.prepare(
      'SELECT position FROM event_identifiers WHERE kind = ? AND blind = ? AND position > ? AND position <= ? ORDER BY position LIMIT ?',
    ),
    unindexEvents: db.prepare('DELETE FROM event_identifiers WHERE kind = ? AND blind = ?'),
    insertConflict: db.prepare(
      'INSERT INTO identity_conflicts (record, resolved_to, profile_id) VALUES (?, ?, ?)',
    ),
    upsertGroup: db.prepare(
      'INSERT INTO groups (id, traits) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET traits = excluded.traits',
    ),
    mergedIds: db.prepare('SELECT id FROM profiles WHERE merged_into = ? ORDER BY rank'),
    recordErasure: db.prepare(
      `INSERT INTO pending_erasures (request_id, at, body) VALUES (?, ?, ?)
       ON CONFLICT (request_id) DO UPDATE SET at = excluded.at, body = excluded.body`,
    ),
    pendingErasures: db.prepare(
      'SELECT request_id, at, body FROM pending_erasures WHERE at < ? ORDER BY at LIMIT ?',
    ),
    erasureDone: db.prepare('DELETE FROM pending_erasures WHERE request_id = ?'),
    lastEvent: db.prepare(
      'SELECT max(position) AS last FROM profile_events WHERE profile_id IN (SELECT value FROM json_each(?))',
    ),
    identifiersOf: db.prepare('SELECT type, value, sealed FROM identities WHERE profile_id = ?'),
    eventsOf: db.prepare(
      `SELECT position FROM profile_events
       WHERE profile_id IN (SELECT value FROM json_each(?)) AND position > ? ORDER BY position LIMIT ?`,
    ),
    mergesOf: db.prepare(
      'SELECT * FROM profile_merges WHERE into_id IN (SELECT value FROM json_each(?)) ORDER BY seq',
    ),
    conflicts: db.prepare('SELECT record FROM identity_conflicts ORDER BY seq DESC LIMIT ?'),
    conflictsOf: db.prepare(
      `SELECT record FROM identity_conflicts
       WHERE resolved_to IN (SELECT value FROM json_each(@ids)) OR profile_id IN (SELECT value FROM json_each(@ids))
       ORDER BY seq DESC LIMIT @limit`,
    ),
    live: db.prepare(
      'SELECT * FROM profiles WHERE merged_into IS NULL AND rank > ? ORDER BY rank LIMIT ?',
    ),
    // Ids only, from the live profiles' index (whose entries hold the primary key): no row is read.
    liveIds: db
      .prepare('SELECT id FROM profiles INDEXED BY profiles_live WHERE merged_into IS NULL')
      .pluck(),
    // The primary key's order: rows are read where they lie, none through another index.
    scanFeatures: db.prepare(
      `SELECT id, traits, groups, derived, consent, sealed FROM profiles
       WHERE merged_into IS NULL AND id > ? ORDER BY id LIMIT ?`,
    ),
    due: db.prepare(
      'SELECT profile_id FROM profile_timers WHERE due_at <= ? ORDER BY due_at LIMIT ?',
    ),
    outbox: db.prepare('SELECT seq, message FROM log_outbox ORDER BY seq LIMIT ?'),
    populations: db.prepare('SELECT key, population FROM rfm_populations'),
    savePopulation: db.prepare(
      'INSERT OR REPLACE INTO rfm_populations (key, population) VALUES (?, ?)',
    ),
    // Due no later than `at`: an earlier timer stays.
    dueBy: db.prepare(
      'INSERT INTO profile_timers (profile_id, due_at) VALUES (?, ?) ON CONFLICT (profile_id) DO UPDATE SET due_at = min(due_at, excluded.due_at)',
    ),
    ackOutbox: db.prepare('DELETE FROM log_outbox WHERE seq <= ?'),
    members: db.prepare(
      'SELECT profile_id FROM segment_members WHERE segment = ? AND profile_id > ? ORDER BY profile_id LIMIT ?',
    ),
    memberCount: db.prepare('SELECT count(*) AS n FROM segment_members WHERE segment = ?'),
    history: db.prepare(
      'SELECT * FROM segment_history WHERE profile_id IN (SELECT value FROM json_each(?)) ORDER BY seq',
    ),
    stats: db.prepare(
      // All rows less the merged: counting the live ones through their partial index looked each
      // row up in the table (8 s for 100,000 profiles, against 0.5 s for the table's own scan).
      `SELECT (SELECT count(*) FROM profiles)
                - (SELECT count(*) FROM profiles WHERE merged_into IS NOT NULL) AS profiles,
              (SELECT count(*) FROM profiles WHERE merged_into IS NOT NULL) AS merged,
              (SELECT count(*) FROM identities) AS identifiers`,
    ),
  };
}

interface IdentityRow {
  type: string;
  value: string;
  sealed: Buffer | null;
}

/**
 * Merge reasons written in clear before they were sealed (they name an identifier) are sealed when
 * the store is next opened with encryption on, in one transaction.
 */
function sealPlainMergeReasons(db: Database.Database, sealed: SealedValues): void {
  if (!sealed.encrypts) return;
  const rows = db
    .prepare("SELECT seq, reason FROM profile_merges WHERE sealed_reason IS NULL AND reason <> ''")
    .all() as { seq: number; reason: string }[];
  if (rows.length === 0) return;
  const update = db.prepare(
    'UPDATE profile_merges SET reason = ?, sealed_reason = ? WHERE seq = ?',
  );
  db.transaction(() => {
    for (const row of rows) update.run(...sealed.mergeReason.columns(row.reason), row.seq);
  })();
}

function addMissingColumns(db: Database.Database): void {
  const columnsOf = (table: string) =>
    (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
  const profiles = columnsOf('profiles');
  if (!profiles.includes('derived'))
    db.exec("ALTER TABLE profiles ADD COLUMN derived TEXT NOT NULL DEFAULT '{}'");
  if (!profiles.includes('consent'))
    db.exec("ALTER TABLE profiles ADD COLUMN consent TEXT NOT NULL DEFAULT '{}'");
  if (!profiles.includes('sealed')) db.exec('ALTER TABLE profiles ADD COLUMN sealed BLOB');
  if (!columnsOf('identities').includes('sealed'))
    db.exec('ALTER TABLE identities ADD COLUMN sealed BLOB');
}

/** What a profile row holds of the person (sealed together when encryption is on: one cipher per row, not four). */
export interface ProfileBody {
  traits: TraitMap;
  groups: string[];
  derived: Partial<DerivedState>;
  consent: Partial<ConsentState>;
}

export function bodyOf(
  row: Pick<ProfileRow, 'id' | 'traits' | 'groups' | 'derived' | 'consent' | 'sealed'>,
  sealed: SealedValues,
): ProfileBody {
  if (row.sealed !== null)
    return JSON.parse(sealed.profile.open(row.id, row.sealed)) as ProfileBody;
  return {
    traits: JSON.parse(row.traits) as TraitMap,
    groups: JSON.parse(row.groups) as string[],
    derived: JSON.parse(row.derived) as Partial<DerivedState>,
    consent: JSON.parse(row.consent) as Partial<ConsentState>,
  };
}

/** The traits, groups, derived, consent and sealed columns for a body. */
export function profileColumns(
  id: string,
  body: ProfileBody,
  sealed: SealedValues,
): [string, string, string, string, Stored | null] {
  if (sealed.encrypts) return ['', '', '', '', sealed.profile.seal(id, JSON.stringify(body))];
  return [
    JSON.stringify(body.traits),
    JSON.stringify(body.groups),
    JSON.stringify(body.derived),
    JSON.stringify(body.consent),
    null,
  ];
}

/**
 * A unit of work's profiles as the fold sees them, for adapters that keep a profile's traits,
 * groups, derived state and consent sealed together in one `body` (PostgreSQL, in memory): the
 * body is opened when first read (then `onRead`). `unread` holds those never read (only their
 * times and counts can move), `loaded` the plain text of those read, so one that comes back
 * unchanged keeps its sealed value.
 */
export function sealedBodyReader<R extends { id: string; body: Stored }>(
  sealed: SealedValues,
  asRow: (row: R) => ProfileRow,
  onRead?: (profile: ProfileState) => void,
): {
  toState: (row: R) => ProfileState;
  unread: WeakSet<ProfileState>;
  loaded: Map<string, string>;
} {
  const unread = new WeakSet<ProfileState>();
  const loaded = new Map<string, string>();
  const toState = (row: R): ProfileState => {
    const state = lazyProfileState(
      asRow(row),
      () => {
        unread.delete(state);
        const text = sealed.profile.open(row.id, row.body);
        loaded.set(row.id, text);
        return JSON.parse(text) as ProfileBody;
      },
      (read) => onRead?.(read),
    );
    unread.add(state);
    return state;
  };
  return { toState, unread, loaded };
}

/**
 * A profile row as the fold sees it: id, rank, times and counts at once; traits, groups, derived
 * state and consent decoded (opened and parsed) when first read or written, then `onRead`.
 */
export function lazyProfileState(
  row: ProfileRow,
  decode: () => ProfileBody,
  onRead: (state: ProfileState) => void,
): ProfileState {
  let body: Pick<ProfileState, 'traits' | 'groups' | 'derived' | 'consent'> | undefined;
  const read = (): NonNullable<typeof body> => {
    if (body !== undefined) return body;
    const decoded = decode();
    body = {
      traits: decoded.traits,
      groups: decoded.groups,
      derived: { ...emptyDerivedState(), ...decoded.derived },
      consent: { ...emptyConsent(), ...decoded.consent },
    };
    onRead(state);
    return body;
  };
  const state: ProfileState = {
    id: row.id,
    rank: row.rank,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    counts: new Map(Object.entries(JSON.parse(row.counts) as Record<string, number>)),
    get traits() {
      return read().traits;
    },
    set traits(traits) {
      read().traits = traits;
    },
    get groups() {
      return read().groups;
    },
    set groups(groups) {
      read().groups = groups;
    },
    get derived() {
      return read().derived;
    },
    set derived(derived) {
      read().derived = derived;
    },
    get consent() {
      return read().consent;
    },
    set consent(consent) {
      read().consent = consent;
    },
  };
  return state;
}

/** What a population scan keeps of a profile (`ProfileReader.scanFeatures`). */
export function profileFeatures(
  row: Pick<ProfileRow, 'id'>,
  { traits, derived, consent }: ProfileBody,
): ProfileFeatures {
  return {
    id: row.id,
    traits,
    computed: derived.computed ?? {},
    scores: derived.scores ?? {},
    consent: { ...emptyConsent(), ...consent },
  };
}

export function storedProfile(
  row: ProfileRow,
  { traits, groups, derived, consent }: ProfileBody,
): StoredProfile {
  return {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    traits,
    groups,
    computed: derived.computed ?? {},
    segments: derived.segments ?? [],
    aggregates: derived.aggregates ?? {},
    scores: derived.scores ?? {},
    consent: { ...emptyConsent(), ...consent },
  };
}
