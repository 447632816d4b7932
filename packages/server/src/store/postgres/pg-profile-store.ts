import {
  identityKey,
  type GraphChanges,
  type GraphSnapshot,
  type IdentifierRef,
  type MergeRecord,
  type ProfileState,
  type TraitPopulation,
} from '@tailor/core';
import type pg from 'pg';
import type { Sealer } from '../../privacy/sealer.js';
import { sealedValues, type SealedValues } from '../../privacy/sealed-values.js';
import { migratePostgres } from '../../storage/postgres/migrate-postgres.js';
import {
  named,
  sqlState,
  type PgDatabase,
  type PgQueryable,
} from '../../storage/postgres/pg-database.js';
import type {
  BatchKeys,
  FoldOutcome,
  PendingErasure,
  ProfileStore,
  StoredProfile,
} from '../profile-store.js';
import {
  sealedBodyReader,
  profileFeatures,
  storedProfile,
  type ProfileBody,
  type ProfileRow,
} from '../sqlite/sqlite-profile-store.js';
import { IDENTIFIER_KINDS } from '../sqlite/event-identifier-index.js';
import { bytes } from './pg-bytes.js';
import {
  movePosition,
  movePositionsStatement,
  positionsMoved,
  POSITION_MIGRATIONS,
  readPosition,
  readPositions,
} from './pg-consumer-positions.js';
import { pageRows } from '../../log/sqlite/page-rows.js';
import { PROFILE_MIGRATIONS } from './pg-profile-tables.js';
import { erasePgMemberships, pgMembershipWriter } from './pg-memberships.js';
import { erasePgReviews, pgBackfillJobs, pgReviewQueue } from './pg-review-queue.js';
import { pgSegmentSizes } from './pg-segment-sizes.js';

/** The columns of `Row`, listed for the named statements (see `named`). */
const PROFILE_COLUMNS = 'id, rank, merged_into, created_at, updated_at, counts, body';

interface Row {
  id: string;
  rank: number;
  merged_into: string | null;
  created_at: string;
  updated_at: string;
  counts: string;
  body: Buffer;
}

/** Attempts at a fold that lost a race to create the same identifier or profile (23505). */
const FOLD_ATTEMPTS = 5;

/**
 * The profile store on PostgreSQL, for nodes folding different partitions at once. A fold locks
 * what it loads (the identifiers' rows, then the profiles', in key order) for the length of its
 * transaction, so two folds over the same people take turns and the second sees the first's
 * merges; two folds creating the same identifier collide on its key, and the loser runs again
 * from a fresh snapshot (the fold is pure). Each consumer's position moves in the transaction,
 * so an event is folded once.
 */
export async function openPgProfileStore(db: PgDatabase, sealer: Sealer): Promise<ProfileStore> {
  await migratePostgres(db, 'positions', POSITION_MIGRATIONS);
  await migratePostgres(db, 'profiles', PROFILE_MIGRATIONS);
  const sealed = sealedValues(sealer);
  await checkIndexKey(db, sealed);
  await sealPlainMergeReasons(db, sealed);
  const bodyOf = (row: Pick<Row, 'id' | 'body'>): ProfileBody =>
    JSON.parse(sealed.profile.open(row.id, row.body)) as ProfileBody;
  const asSqliteRow = (row: Row): ProfileRow => ({
    ...row,
    traits: '',
    groups: '',
    derived: '',
    consent: '',
    sealed: null,
  });
  const toStored = (row: Row | undefined): StoredProfile | undefined =>
    row && storedProfile(asSqliteRow(row), bodyOf(row));
  const blindOf = ({ type, value }: IdentifierRef) => sealed.blind(type, value);

  const profileRow = async (client: PgQueryable, id: string): Promise<Row | undefined> =>
    (await client.query<Row>('SELECT * FROM profiles WHERE id = $1', [id])).rows[0];
  const survivor = async (client: PgQueryable, id: string): Promise<Row | undefined> => {
    const row = await profileRow(client, id);
    if (row?.merged_into == null) return row;
    return profileRow(client, row.merged_into);
  };
  const familyOf = async (client: PgQueryable, id: string): Promise<string[]> => [
    id,
    ...(
      await client.query<{ id: string }>(
        'SELECT id FROM profiles WHERE merged_into = $1 ORDER BY rank',
        [id],
      )
    ).rows.map((r) => r.id),
  ];
  const identifiersOf = async (client: PgQueryable, profileId: string) =>
    (
      await client.query<{ type: string; value: string; sealed: Buffer | null }>(
        'SELECT type, value, sealed FROM identities WHERE profile_id = $1',
        [profileId],
      )
    ).rows
      .map((r) => ({ type: r.type, value: sealed.identifier.open(r.type, r.value, r.sealed) }))
      .sort((a, b) =>
        a.type === b.type ? (a.value < b.value ? -1 : 1) : a.type < b.type ? -1 : 1,
      );

  /** Locks and checks a consumer's position: exactly `from` (the pipeline's rule), or the caller writes nothing. */
  /** The profiles whose last event (merged profiles' included) is no longer the one given. */
  const movedOn = async (
    client: PgQueryable,
    lastEvents: ReadonlyMap<string, number>,
  ): Promise<Set<string>> => {
    const ids = [...lastEvents.keys()];
    const { rows } = await client.query<{ id: string; last: number }>(
      `WITH family AS (
         SELECT id AS owner, id FROM unnest($1::text[]) AS id
         UNION ALL SELECT merged_into, id FROM profiles WHERE merged_into = ANY($1::text[])
       )
       SELECT f.owner AS id, max(e.position) AS last
         FROM family f JOIN profile_events e ON e.profile_id = f.id GROUP BY f.owner`,
      [ids],
    );
    const last = new Map(rows.map((r) => [r.id, r.last]));
    return new Set(ids.filter((id) => (last.get(id) ?? 0) !== lastEvents.get(id)));
  };
  /** Records an erasure's remaining part in the erasing transaction; returns it. */
  const recordErasure = async (
    client: PgQueryable,
    erasure: PendingErasure,
  ): Promise<PendingErasure> => {
    const { requestId, at, ...rest } = erasure;
    await client.query(
      `INSERT INTO pending_erasures (request_id, at, body) VALUES ($1, $2, $3)
       ON CONFLICT (request_id) DO UPDATE SET at = EXCLUDED.at, body = EXCLUDED.body`,
      [requestId, at, bytes(sealed.erasure.seal(rest))],
    );
    return erasure;
  };
  /** Folds hold it shared, a change of definitions alone (advisory locks span the database: named by schema). */
  const definitionsLock = `tailor definitions ${db.schema}`;
  /**
   * Sent with a fold's BEGIN: takes the definitions lock shared (named after the schema: letters,
   * digits and _ only, so the text needs no parameter), then reads the generation, in a statement
   * of its own whose snapshot is taken once the lock is held.
   */
  const HOLD_GENERATION = `SELECT pg_advisory_xact_lock_shared(hashtext('${definitionsLock}'));
    SELECT generation FROM definitions_generation WHERE id = 1`;
  /** The results HOLD_GENERATION sends with the BEGIN (the lock, then the generation). */
  const HOLD_GENERATION_RESULTS = 2;
  const generationOf = (opened: pg.QueryResult[]): number =>
    (opened[1]?.rows[0] as { generation: number } | undefined)?.generation ?? 0;
  const readGeneration = async (client: PgQueryable): Promise<number> =>
    (
      await client.query<{ generation: number }>(
        named('SELECT generation FROM definitions_generation WHERE id = 1', []),
      )
    ).rows[0]?.generation ?? 0;
  const claimRange = (client: PgQueryable, consumer: string, range: { from: number; to: number }) =>
    movePosition(client, consumer, range.from, range.to, true);

  /** A batch's snapshot: its identifiers' profiles and the profiles it names, locked, and its groups. */
  const loadSnapshot = async (
    client: PgQueryable,
    keys: BatchKeys,
    toState: (row: Row) => ProfileState,
  ): Promise<GraphSnapshot> => {
    const snapshot: GraphSnapshot = {
      identities: new Map(),
      profiles: new Map(),
      groups: new Map(),
      merged: new Map(),
    };
    const wanted = new Map<string, IdentifierRef>();
    for (const identifier of keys.identifiers) wanted.set(identityKey(identifier), identifier);
    const refs = [...wanted.values()];
    const found = (
      await client.query<{ type: string; value: string; profile_id: string }>(
        named(
          `SELECT i.type, i.value, i.profile_id FROM identities i
             JOIN unnest($1::text[], $2::text[]) AS k(type, value) USING (type, value)
           ORDER BY i.type, i.value FOR UPDATE OF i`,
          [refs.map((r) => r.type), refs.map(blindOf)],
        ),
      )
    ).rows;
    const byBlind = new Map(found.map((r) => [`${r.type}\u0000${r.value}`, r.profile_id]));
    const profileIds = new Set<string>();
    for (const [key, ref] of wanted) {
      const profileId = byBlind.get(`${ref.type}\u0000${blindOf(ref)}`);
      if (profileId === undefined) continue;
      snapshot.identities.set(key, profileId);
      profileIds.add(profileId);
    }
    // Profiles named by id: follow a merge to the survivor.
    if (keys.profiles.length > 0) {
      const byId = await client.query<{ id: string; merged_into: string | null }>(
        named('SELECT id, merged_into FROM profiles WHERE id = ANY($1::text[])', [keys.profiles]),
      );
      for (const r of byId.rows) {
        const live = r.merged_into ?? r.id;
        if (live !== r.id) snapshot.merged.set(r.id, live);
        profileIds.add(live);
      }
    }
    if (profileIds.size > 0) {
      const rows = await client.query<Row>(
        named(
          `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
          [[...profileIds]],
        ),
      );
      for (const row of rows.rows) snapshot.profiles.set(row.id, toState(row));
      // A profile merged away since the named lookup: point at the survivor (read, not locked).
      for (const [from, into] of snapshot.merged) {
        const row = snapshot.profiles.get(into);
        if (row === undefined) snapshot.merged.delete(from);
      }
    }
    if (keys.groups.length > 0) {
      const groups = await client.query<{ id: string; traits: Buffer }>(
        'SELECT id, traits FROM groups WHERE id = ANY($1::text[])',
        [keys.groups],
      );
      for (const g of groups.rows) snapshot.groups.set(g.id, sealed.group.open(g.id, g.traits));
    }
    return snapshot;
  };

  /**
   * Writes a fold's changes in the transaction of `client`, with `alongside` (writes to other
   * tables). The writes to different tables go in one statement (one round trip); a batch with
   * merges, which move identities already written, writes them one after the other.
   */
  const write = async (
    client: PgQueryable,
    changes: GraphChanges,
    unread: WeakSet<ProfileState>,
    loaded: Map<string, string>,
    alongside: readonly WritePart[] = [],
  ): Promise<void> => {
    const together: WritePart[] = [];
    if (changes.created.length > 0) {
      const emptyBody = (id: string) =>
        bytes(
          sealed.profile.seal(
            id,
            JSON.stringify({ traits: {}, groups: [], derived: {}, consent: {} }),
          ),
        );
      await client.query(
        named(
          `INSERT INTO profiles (id, rank, created_at, updated_at, counts, body)
           SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::bytea[])`,
          [
            changes.created.map((p) => p.id),
            changes.created.map((p) => p.rank),
            changes.created.map((p) => p.createdAt),
            changes.created.map((p) => p.updatedAt),
            changes.created.map(() => '{}'),
            changes.created.map((p) => emptyBody(p.id)),
          ],
        ),
      );
    }
    if (changes.attached.length > 0) {
      const identifiers = changes.attached.map((a) => sealed.identifier.seal(a.type, a.value));
      const attached: WritePart = {
        sql: `INSERT INTO identities (type, value, profile_id, sealed)
              SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[])`,
        values: [
          changes.attached.map((a) => a.type),
          identifiers.map((i) => i.blind),
          changes.attached.map((a) => a.profileId),
          identifiers.map((i) => (i.sealed === null ? null : bytes(i.sealed))),
        ],
      };
      if (changes.merges.length > 0) await client.query(attached.sql, attached.values);
      else together.push(attached);
    }
    for (const m of changes.merges) {
      await client.query('UPDATE identities SET profile_id = $1 WHERE profile_id = $2', [
        m.into,
        m.from,
      ]);
      await client.query('UPDATE profiles SET merged_into = $1 WHERE id = $2 OR merged_into = $2', [
        m.into,
        m.from,
      ]);
      await client.query(
        'INSERT INTO profile_merges (into_id, from_id, message_id, at, reason, sealed_reason) VALUES ($1, $2, $3, $4, $5, $6)',
        [m.into, m.from, m.messageId, m.at, ...pgMergeReason(sealed, m.reason)],
      );
    }
    const touched = {
      id: [] as string[],
      created: [] as string[],
      updated: [] as string[],
      counts: [] as string[],
      body: [] as (Buffer | null)[],
    };
    for (const p of changes.touched.values()) {
      touched.id.push(p.id);
      touched.created.push(p.createdAt);
      touched.updated.push(p.updatedAt);
      touched.counts.push(JSON.stringify(Object.fromEntries(p.counts)));
      if (unread.has(p)) {
        touched.body.push(null); // only times and counts moved
        continue;
      }
      const text = JSON.stringify({
        traits: p.traits,
        groups: p.groups,
        derived: p.derived,
        consent: p.consent,
      } satisfies ProfileBody);
      touched.body.push(loaded.get(p.id) === text ? null : bytes(sealed.profile.seal(p.id, text)));
    }
    if (touched.id.length > 0) {
      together.push({
        sql: `UPDATE profiles SET created_at = t.created, updated_at = t.updated, counts = t.counts,
                body = coalesce(t.body, profiles.body)
              FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[]) AS t(id, created, updated, counts, body)
              WHERE profiles.id = t.id`,
        values: [touched.id, touched.created, touched.updated, touched.counts, touched.body],
      });
    }
    if (changes.assignments.length > 0) {
      together.push({
        sql: `INSERT INTO profile_events (position, profile_id)
              SELECT * FROM unnest($1::int8[], $2::text[]) ON CONFLICT DO NOTHING`,
        values: [
          changes.assignments.map((a) => a.position),
          changes.assignments.map((a) => a.profileId),
        ],
      });
    }
    await writeTogether(client, [...together, ...alongside]);
    for (const c of changes.conflicts) {
      await client.query(
        'INSERT INTO identity_conflicts (record, resolved_to, profile_id) VALUES ($1, $2, $3)',
        [bytes(sealed.conflict.seal(c)), c.resolvedTo, c.profileId ?? null],
      );
    }
    for (const [id, traits] of changes.groups) {
      await client.query(
        'INSERT INTO groups (id, traits) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET traits = EXCLUDED.traits',
        [id, bytes(sealed.group.seal(id, traits))],
      );
    }
    await writeMemberships(client, changes);
  };

  const writeMemberships = pgMembershipWriter(sealed, identifiersOf);

  /** Runs a fold-like unit again when it lost a race to create the same row (its work is pure). */
  const retryingRaces = async <T>(
    work: (client: pg.PoolClient, opened: pg.QueryResult[]) => Promise<T>,
    opening?: string,
    durable?: (result: T) => boolean,
  ): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction(work, 'READ COMMITTED', opening, durable);
      } catch (error) {
        if (attempt < FOLD_ATTEMPTS && sqlState(error) === '23505') continue;
        throw error;
      }
    }
  };

  const stateReader = (onRead?: (profile: ProfileState) => void) =>
    sealedBodyReader(sealed, asSqliteRow, onRead);

  const outboxRead = new Set<number>();

  return {
    position: (consumer) => readPosition(db.pool, consumer),
    foldBatch: ({ moves, keys, fold, read, identified = [], definitions }) => {
      // Whether this fold announces anything (segment entries and exits, stage changes): the
      // outbox's messages leave for the log once committed, so that commit waits for the disk.
      let announces = false;
      // The positions move in the BEGIN's round trip, after the definitions lock when it is taken
      // (the order of locks as before): one request fewer per fold.
      const opening = [
        ...(definitions === undefined ? [] : [HOLD_GENERATION]),
        ...(moves.length === 0 ? [] : [movePositionsStatement(moves)]),
      ];
      return retryingRaces(
        async (client, opened): Promise<FoldOutcome> => {
          // Held to the commit: a change of definitions waits for this fold (see `definitions.changed`).
          if (definitions !== undefined && generationOf(opened) !== definitions)
            throw new StaleFold(); // rolled back: the positions it moved are undone
          // The moves' statement follows HOLD_GENERATION's results in `opening`, when it is there.
          const movesAt = definitions === undefined ? 0 : HOLD_GENERATION_RESULTS;
          const movedRows = (opened[movesAt]?.rows ?? []) as {
            consumer: string;
          }[];
          if (moves.length > 0 && !(await positionsMoved(client, moves, movedRows)))
            throw new PositionsMoved();
          const { toState, unread, loaded } = stateReader(read);
          const changes = fold(await loadSnapshot(client, keys, toState));
          announces =
            changes.announced.length > 0 || changes.memberships.some((m) => m.cause !== 'merge');
          const kinds: number[] = [];
          const blinds: string[] = [];
          const positions: number[] = [];
          for (const e of identified) {
            if (e.userId !== null) {
              kinds.push(IDENTIFIER_KINDS.userId);
              blinds.push(sealed.blind('userId', e.userId));
              positions.push(e.position);
            }
            if (e.anonymousId !== null) {
              kinds.push(IDENTIFIER_KINDS.anonymousId);
              blinds.push(sealed.blind('anonymousId', e.anonymousId));
              positions.push(e.position);
            }
          }
          // The index of events by identifier, written with the fold's own writes.
          const indexed: WritePart[] =
            kinds.length === 0
              ? []
              : [
                  {
                    sql: `INSERT INTO event_identifiers (kind, blind, position)
                          SELECT * FROM unnest($1::int2[], $2::text[], $3::int8[]) ON CONFLICT DO NOTHING`,
                    values: [kinds, blinds, positions],
                  },
                ];
          await write(client, changes, unread, loaded, indexed);
          return 'folded';
        },
        opening.length === 0 ? undefined : opening.join(';\n'),
        // Everything else a fold writes is derived from the log with the positions it moves, in
        // the same transaction: a crash of PostgreSQL that undoes it undoes the moves too, and the
        // log is folded again from there (docs/scale-out.md, "Folds commit without waiting").
        () => announces,
      ).catch((error: unknown) => {
        if (error instanceof PositionsMoved) return 'moved'; // rolled back: what moved is undone
        if (error instanceof StaleFold) return 'stale';
        throw error;
      });
    },
    definitions: {
      generation: () => readGeneration(db.pool),
      changed: () =>
        db.transaction(async (client) => {
          await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [definitionsLock]);
          const { rows } = await client.query<{ generation: number }>(
            'UPDATE definitions_generation SET generation = generation + 1 RETURNING generation',
          );
          return rows[0]?.generation ?? 0;
        }),
    },
    eventsByIdentifier: (consumers, { kind, value, after, limit }) =>
      db.transaction(async (client) => {
        const indexedTo = await readPositions(client, consumers);
        // An entry is written in its consumer's fold, with its position: none is beyond it.
        const { rows } = await client.query<{ position: number }>(
          `SELECT position FROM event_identifiers
             WHERE kind = $1 AND blind = $2 AND position > $3 AND position <= $4
             ORDER BY position LIMIT $5`,
          [
            IDENTIFIER_KINDS[kind],
            sealed.blind(kind, value),
            after,
            Math.max(0, ...indexedTo),
            limit,
          ],
        );
        return { positions: rows.map((r) => r.position), indexedTo };
      }, 'REPEATABLE READ'),
    byId: async (id) => toStored(await survivor(db.pool, id)),
    byIdentifier: async (identifier) => {
      const row = (
        await db.query<{ profile_id: string }>(
          'SELECT profile_id FROM identities WHERE type = $1 AND value = $2',
          [identifier.type, blindOf(identifier)],
        )
      ).rows[0];
      return row ? toStored(await survivor(db.pool, row.profile_id)) : undefined;
    },
    identifiers: (profileId) => identifiersOf(db.pool, profileId),
    mergedIds: async (profileId) => (await familyOf(db.pool, profileId)).slice(1),
    eventPositions: async (profileId, after, limit) => {
      const { rows } = await db.query<{ position: number }>(
        `SELECT position FROM profile_events WHERE profile_id = ANY($1::text[]) AND position > $2
         ORDER BY position LIMIT $3`,
        [await familyOf(db.pool, profileId), after, limit + 1],
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        positions: page.map((r) => r.position),
        next: rows.length > limit && last ? last.position : null,
      };
    },
    merges: async (profileId) => {
      const { rows } = await db.query<{
        into_id: string;
        from_id: string;
        message_id: string;
        at: string;
        reason: string;
        sealed_reason: Buffer | null;
      }>('SELECT * FROM profile_merges WHERE into_id = ANY($1::text[]) ORDER BY seq', [
        await familyOf(db.pool, profileId),
      ]);
      return rows.map((r): MergeRecord => ({
        into: r.into_id,
        from: r.from_id,
        messageId: r.message_id,
        at: r.at,
        reason: sealed.mergeReason.open(r.reason, r.sealed_reason),
      }));
    },
    conflicts: async ({ profileId, limit }) => {
      const { rows } =
        profileId === undefined
          ? await db.query<{ record: Buffer }>(
              'SELECT record FROM identity_conflicts ORDER BY seq DESC LIMIT $1',
              [limit],
            )
          : await db.query<{ record: Buffer }>(
              `SELECT record FROM identity_conflicts
               WHERE resolved_to = ANY($1::text[]) OR profile_id = ANY($1::text[])
               ORDER BY seq DESC LIMIT $2`,
              [await familyOf(db.pool, profileId), limit],
            );
      return rows.map((r) => sealed.conflict.open(r.record));
    },
    stats: async () =>
      (
        await db.query<{ profiles: number; merged: number; identifiers: number }>(
          `SELECT (SELECT count(*) FROM profiles WHERE merged_into IS NULL) AS profiles,
                  (SELECT count(*) FROM profiles WHERE merged_into IS NOT NULL) AS merged,
                  (SELECT count(*) FROM identities) AS identifiers`,
        )
      ).rows[0] ?? { profiles: 0, merged: 0, identifiers: 0 },
    live: async (after, limit) => {
      const { rows } = await db.query<Row>(
        'SELECT * FROM profiles WHERE merged_into IS NULL AND rank > $1 ORDER BY rank LIMIT $2',
        [after, limit + 1],
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        profiles: page.map((r) => ({ ...(toStored(r) as StoredProfile), rank: r.rank })),
        next: rows.length > limit && last ? last.rank : null,
      };
    },
    sampleLive: async (size) => {
      const { rows } = await db.query<{ id: string; total: string }>(
        `SELECT id, count(*) OVER () AS total FROM profiles WHERE merged_into IS NULL
         ORDER BY random() LIMIT $1`,
        [size],
      );
      return { ids: rows.map((r) => r.id), total: Number(rows[0]?.total ?? 0) };
    },
    scanFeatures: async (after, limit) => {
      const { rows } = await db.query<Pick<Row, 'id' | 'body'>>(
        'SELECT id, body FROM profiles WHERE merged_into IS NULL AND id > $1 ORDER BY id LIMIT $2',
        [after, limit + 1],
      );
      const { page, next } = pageRows(rows, limit, (r) => r.id);
      return { profiles: page.map((r) => profileFeatures(r, bodyOf(r))), next };
    },
    reviews: pgReviewQueue(db, sealed),
    backfills: pgBackfillJobs(db),
    segmentSizes: pgSegmentSizes(db),
    due: async (now, limit) =>
      (
        await db.query<{ profile_id: string }>(
          'SELECT profile_id FROM profile_timers WHERE due_at <= $1 ORDER BY due_at LIMIT $2',
          [now, limit],
        )
      ).rows.map((r) => r.profile_id),
    refresh: (ids, refresh, lastEvents) =>
      retryingRaces(async (client) => {
        const { toState, unread, loaded } = stateReader();
        const snapshot: GraphSnapshot = {
          identities: new Map(),
          profiles: new Map(),
          groups: new Map(),
          merged: new Map(),
        };
        const { rows } = await client.query<Row>(
          'SELECT * FROM profiles WHERE id = ANY($1::text[]) AND merged_into IS NULL ORDER BY id FOR UPDATE',
          [[...ids]],
        );
        // Locked: no fold adds events to them until this commits.
        const moved = lastEvents ? await movedOn(client, lastEvents) : new Set<string>();
        for (const row of rows) if (!moved.has(row.id)) snapshot.profiles.set(row.id, toState(row));
        await write(client, refresh(snapshot), unread, loaded);
        return [...moved];
      }),
    populations: async () =>
      new Map(
        (
          await db.query<{ key: string; population: string }>(
            'SELECT key, population FROM rfm_populations',
          )
        ).rows.map((r) => [r.key, JSON.parse(r.population) as TraitPopulation]),
      ),
    savePopulation: (key, population, rescore, at) =>
      db.transaction(async (client) => {
        await client.query(
          `INSERT INTO rfm_populations (key, population) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET population = EXCLUDED.population`,
          [key, JSON.stringify(population)],
        );
        if (rescore.length > 0) {
          // Due no later than `at`: an earlier timer stays.
          await client.query(
            `INSERT INTO profile_timers (profile_id, due_at) SELECT id, $2 FROM unnest($1::text[]) AS id
             ON CONFLICT (profile_id) DO UPDATE SET due_at = least(profile_timers.due_at, EXCLUDED.due_at)`,
            [[...rescore], at],
          );
        }
      }),
    outbox: async (limit) => {
      const { rows } = await db.query<{ seq: number; message: Buffer }>(
        'SELECT seq, message FROM log_outbox ORDER BY seq LIMIT $1',
        [limit],
      );
      for (const r of rows) outboxRead.add(r.seq);
      return rows.map((r) => ({
        seq: r.seq,
        message: sealed.outbox.open(r.message),
      }));
    },
    // Only what this store read: another node's transaction may commit a lower seq after it read.
    ackOutbox: async (upTo) => {
      const read = [...outboxRead].filter((seq) => seq <= upTo);
      for (const seq of read) outboxRead.delete(seq);
      if (read.length > 0)
        await db.query('DELETE FROM log_outbox WHERE seq = ANY($1::int8[])', [read]);
    },
    members: async (segment, after, limit) => {
      const { rows } = await db.query<{ profile_id: string }>(
        'SELECT profile_id FROM segment_members WHERE segment = $1 AND profile_id > $2 ORDER BY profile_id LIMIT $3',
        [segment, after, limit + 1],
      );
      const count = await db.query<{ n: number }>(
        'SELECT count(*) AS n FROM segment_members WHERE segment = $1',
        [segment],
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        profiles: page.map((r) => r.profile_id),
        count: count.rows[0]?.n ?? 0,
        next: rows.length > limit && last ? last.profile_id : null,
      };
    },
    history: async (profileId) =>
      (
        await db.query<{
          segment: string;
          profile_id: string;
          entered: boolean;
          at: string;
          cause: string;
        }>('SELECT * FROM segment_history WHERE profile_id = ANY($1::text[]) ORDER BY seq', [
          await familyOf(db.pool, profileId),
        ])
      ).rows.map((r) => ({
        segment: r.segment,
        profileId: r.profile_id,
        entered: r.entered,
        at: r.at,
        cause: r.cause,
      })),
    erase: (profileId, consumer, range, request) =>
      db.transaction(async (client) => {
        if (!(await claimRange(client, consumer, range))) return undefined;
        const live = await survivor(client, profileId);
        if (live === undefined)
          return recordErasure(client, {
            ...request,
            profileId,
            positions: [],
            identifiers: [],
            profiles: [],
          });
        const family = await familyOf(client, live.id);
        const identifiers = await identifiersOf(client, live.id);
        const positions = (
          await client.query<{ position: number }>(
            'SELECT position FROM profile_events WHERE profile_id = ANY($1::text[]) ORDER BY position',
            [family],
          )
        ).rows.map((r) => r.position);
        for (const { type, value } of identifiers) {
          if (type === 'userId' || type === 'anonymousId')
            await client.query('DELETE FROM event_identifiers WHERE kind = $1 AND blind = $2', [
              IDENTIFIER_KINDS[type],
              sealed.blind(type, value),
            ]);
        }
        for (const sql of [
          'DELETE FROM profile_events WHERE profile_id = ANY($1::text[])',
          'DELETE FROM identities WHERE profile_id = ANY($1::text[])',
          'DELETE FROM profile_merges WHERE into_id = ANY($1::text[]) OR from_id = ANY($1::text[])',
          'DELETE FROM identity_conflicts WHERE resolved_to = ANY($1::text[]) OR profile_id = ANY($1::text[])',
          'DELETE FROM profiles WHERE id = ANY($1::text[])',
        ])
          await client.query(sql, [family]);
        // The tables other stores own in this database, erased by their owners in this transaction.
        await erasePgReviews(client, family);
        await erasePgMemberships(client, sealed, family);
        return recordErasure(client, {
          ...request,
          profileId,
          positions,
          identifiers,
          profiles: family,
        });
      }),
    erasures: {
      pending: async (before, limit) =>
        (
          await db.query<{ request_id: string; at: number; body: Buffer }>(
            'SELECT request_id, at, body FROM pending_erasures WHERE at < $1 ORDER BY at LIMIT $2',
            [before, limit],
          )
        ).rows.map((r) => ({
          requestId: r.request_id,
          at: r.at,
          ...sealed.erasure.open(r.body),
        })),
      done: async (requestId) => {
        await db.query('DELETE FROM pending_erasures WHERE request_id = $1', [requestId]);
      },
    },
    // No write-ahead file of ours to empty: PostgreSQL's dead rows go at VACUUM (docs/scale-out.md).
    suppressions: {
      list: async () =>
        (await db.query<{ hash: string }>('SELECT hash FROM suppressions')).rows.map((r) => r.hash),
      add: async (hashes, at) => {
        if (hashes.length === 0) return;
        await db.query(
          `INSERT INTO suppressions (hash, created_at) SELECT h, $2 FROM unnest($1::text[]) AS h
           ON CONFLICT DO NOTHING`,
          [[...hashes], at],
        );
      },
      remove: async (hashes) => {
        await db.query('DELETE FROM suppressions WHERE hash = ANY($1::text[])', [[...hashes]]);
      },
    },
    close: () => Promise.resolve(), // the pool is the storage's
  };
}

/** Refuses a database indexed under another blind-index key (or none): its lookups would all miss. */
async function checkIndexKey(db: PgDatabase, sealed: SealedValues): Promise<void> {
  await db.query(
    "INSERT INTO store_meta (key, value) VALUES ('blind index', $1) ON CONFLICT DO NOTHING",
    [sealed.indexId],
  );
  const stored = (
    await db.query<{ value: string }>("SELECT value FROM store_meta WHERE key = 'blind index'")
  ).rows[0]?.value;
  sealed.checkIndex(stored ?? 'plain', `the PostgreSQL schema ${db.schema}`);
}

/** Thrown inside a fold's transaction to roll it back: a consumer was not where the batch began. */
class PositionsMoved extends Error {}

/** A fold under definitions older than the installation's (rolled back, nothing written). */
class StaleFold extends Error {}

/** One write of a statement: SQL numbering its parameters from $1, and their values. */
interface WritePart {
  sql: string;
  values: unknown[];
}

/**
 * Runs writes to different tables as one statement, each a data-modifying WITH part (run once
 * whether read or not, all on one snapshot, so none may need another's rows): one round trip.
 */
async function writeTogether(client: PgQueryable, parts: readonly WritePart[]): Promise<void> {
  const [only] = parts;
  if (only === undefined) return;
  if (parts.length === 1) {
    await client.query(named(only.sql, only.values));
    return;
  }
  const values: unknown[] = [];
  const withs = parts.map((part, i) => {
    const offset = values.length;
    values.push(...part.values);
    const sql = part.sql.replace(/\$(\d+)/g, (_, n: string) => `$${String(Number(n) + offset)}`);
    return `w${String(i)} AS (${sql})`;
  });
  // A few kinds of part, so a few texts: each is prepared once per connection.
  await client.query(named(`WITH ${withs.join(', ')} SELECT 1`, values));
}

/**
 * Merge reasons written in clear before they were sealed (they name an identifier) are sealed when
 * the store is next opened with encryption on, in one transaction (nodes starting together
 * serialize on the rows' locks, and the second finds none left).
 */
async function sealPlainMergeReasons(db: PgDatabase, sealed: SealedValues): Promise<void> {
  if (!sealed.encrypts) return;
  await db.transaction(async (client) => {
    const { rows } = await client.query<{ seq: string; reason: string }>(
      "SELECT seq, reason FROM profile_merges WHERE sealed_reason IS NULL AND reason <> '' FOR UPDATE",
    );
    for (const row of rows)
      await client.query(
        'UPDATE profile_merges SET reason = $1, sealed_reason = $2 WHERE seq = $3',
        [...pgMergeReason(sealed, row.reason), row.seq],
      );
  });
}

/** A merge reason's two columns as bytea takes them. */
function pgMergeReason(sealed: SealedValues, reason: string): [string, Buffer | null] {
  const [plain, sealedReason] = sealed.mergeReason.columns(reason);
  return [plain, sealedReason === null ? null : bytes(sealedReason)];
}
