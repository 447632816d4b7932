import { openMemorySegmentSizes } from './memory-segment-sizes.js';
import {
  identityKey,
  type GraphChanges,
  type GraphSnapshot,
  type MergeRecord,
  type ProfileState,
} from '@tailor/core';
import { plainSealer, type Sealer } from '../../privacy/sealer.js';
import { sealedValues } from '../../privacy/sealed-values.js';
import type {
  BatchKeys,
  FoldBatch,
  FoldOutcome,
  PendingErasure,
  ProfileStore,
} from '../profile-store.js';
import { sealedBodyReader, type ProfileBody } from '../sqlite/sqlite-profile-store.js';
import { openMemoryBackfillJobs } from './memory-backfill-jobs.js';
import {
  eraseMemoryMemberships,
  memoryMembershipStore,
  memoryMembershipWriter,
} from './memory-memberships.js';
import {
  blindKey,
  checkIndexId,
  indexKey,
  memoryProfileData,
  memoryProfileRows,
  type MemoryProfileData,
  type MemoryProfileRow as Row,
} from './memory-profile-data.js';
import { memoryProfileReader } from './memory-profile-reader.js';
import { eraseMemoryReviews, openMemoryReviewQueue } from './memory-review-queue.js';

export { memoryProfileData, type MemoryProfileData };

const emptySnapshot = (): GraphSnapshot => ({
  identities: new Map(),
  profiles: new Map(),
  groups: new Map(),
  merged: new Map(),
});

/**
 * The profile store kept in memory, with the behaviour of the SQLite and PostgreSQL adapters (the
 * same contract suite runs over all three): each method is one unit of work, so a fold, refresh or
 * erasure that fails leaves nothing behind. It seals what they seal, with the same contexts, and
 * looks identifiers up by their blind index, so what it keeps is what their rows hold. For tests
 * and tools that need no files: one process, no locks (a unit runs to its end before another
 * starts); reads scan where the SQL adapters have an index, which suits thousands of profiles,
 * not millions.
 */
export function openMemoryProfileStore(
  data: MemoryProfileData = memoryProfileData(),
  sealer: Sealer = plainSealer,
): ProfileStore {
  const sealed = sealedValues(sealer);
  checkIndexId(data, sealed);
  const { unit } = data;
  const rows = memoryProfileRows(data, sealed);
  const { asSqliteRow, position, lookUp, survivor, familyOf, identifiersOf, positionsOf } = rows;
  const generation = () => data.sequences.get('generation') ?? 0;

  /**
   * A unit's profiles as the fold sees them: the body opened when first read (then `onRead`).
   * `unread` holds those never read (only their times and counts can move), `loaded` the plain
   * text of those read, so one that comes back unchanged keeps its sealed value.
   */
  const stateReader = (onRead?: (profile: ProfileState) => void) =>
    sealedBodyReader(sealed, asSqliteRow, onRead);

  const loadSnapshot = (keys: BatchKeys, toState: (row: Row) => ProfileState): GraphSnapshot => {
    const snapshot = emptySnapshot();
    for (const identifier of keys.identifiers) {
      const key = identityKey(identifier);
      if (snapshot.identities.has(key)) continue;
      const found = lookUp(identifier);
      if (found === undefined) continue;
      snapshot.identities.set(key, found.profileId);
      const row = data.profiles.get(found.profileId);
      if (row && !snapshot.profiles.has(row.id)) snapshot.profiles.set(row.id, toState(row));
    }
    for (const id of keys.profiles) {
      const live = survivor(id);
      if (live === undefined) continue;
      if (live.id !== id) snapshot.merged.set(id, live.id);
      if (!snapshot.profiles.has(live.id)) snapshot.profiles.set(live.id, toState(live));
    }
    for (const id of keys.groups) {
      const traits = data.groups.get(id);
      if (traits !== undefined) snapshot.groups.set(id, sealed.group.open(id, traits));
    }
    return snapshot;
  };

  const writeMemberships = memoryMembershipWriter(data.memberships, unit, sealed, identifiersOf);
  const merge = (m: MergeRecord) => {
    for (const [key, identity] of [...data.identities])
      if (identity.profileId === m.from)
        unit.set(data.identities, key, { ...identity, profileId: m.into });
    for (const row of [...data.profiles.values()])
      if (row.id === m.from || row.mergedInto === m.from)
        unit.set(data.profiles, row.id, { ...row, mergedInto: m.into });
    const seq = unit.next(data.sequences, 'merges');
    const { into, from, messageId, at, reason } = m;
    const [plain, sealedReason] = sealed.mergeReason.columns(reason);
    unit.set(data.merges, seq, { seq, into, from, messageId, at, reason: plain, sealedReason });
  };
  const touch = (p: ProfileState, reader: ReturnType<typeof stateReader>) => {
    const row = data.profiles.get(p.id);
    if (row === undefined) return; // as an UPDATE of no row
    const moved = {
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      counts: JSON.stringify(Object.fromEntries(p.counts)),
    };
    if (reader.unread.has(p)) {
      unit.set(data.profiles, p.id, { ...row, ...moved });
      return;
    }
    const text = JSON.stringify({
      traits: p.traits,
      groups: p.groups,
      derived: p.derived,
      consent: p.consent,
    } satisfies ProfileBody);
    const body = reader.loaded.get(p.id) === text ? row.body : sealed.profile.seal(p.id, text);
    unit.set(data.profiles, p.id, { ...row, ...moved, body });
  };

  /** Writes a fold's changes, in the caller's unit of work. */
  const write = (changes: GraphChanges, reader: ReturnType<typeof stateReader>): void => {
    for (const p of changes.created)
      unit.insert(
        data.profiles,
        p.id,
        {
          id: p.id,
          rank: p.rank,
          mergedInto: null,
          createdAt: p.createdAt,
          updatedAt: p.updatedAt,
          counts: '{}',
          body: sealed.profile.seal(
            p.id,
            JSON.stringify({ traits: {}, groups: [], derived: {}, consent: {} }),
          ),
        },
        'profiles.id',
      );
    for (const a of changes.attached) {
      const { blind, sealed: value } = sealed.identifier.seal(a.type, a.value);
      const identity = { type: a.type, blind, profileId: a.profileId, sealed: value };
      unit.insert(
        data.identities,
        blindKey(a.type, blind),
        identity,
        'identities.type, identities.value',
      );
    }
    for (const m of changes.merges) merge(m);
    for (const p of changes.touched.values()) touch(p, reader);
    for (const a of changes.assignments) {
      let positions = data.events.get(a.profileId);
      if (positions === undefined) unit.set(data.events, a.profileId, (positions = new Set()));
      unit.add(positions, a.position);
    }
    for (const c of changes.conflicts) {
      const seq = unit.next(data.sequences, 'conflicts');
      const record = sealed.conflict.seal(c);
      unit.set(data.conflicts, seq, {
        seq,
        record,
        resolvedTo: c.resolvedTo,
        profileId: c.profileId ?? null,
      });
    }
    for (const [id, traits] of changes.groups)
      unit.set(data.groups, id, sealed.group.seal(id, traits));
    writeMemberships(changes);
  };

  const indexEvent = (kind: 'userId' | 'anonymousId', value: string, at: number) => {
    const key = indexKey(kind, sealed.blind(kind, value));
    let positions = data.eventIndex.get(key);
    if (positions === undefined) unit.set(data.eventIndex, key, (positions = new Set()));
    unit.add(positions, at); // a rebuild from the log may have indexed it already
  };

  const foldBatch = ({
    moves,
    keys,
    fold,
    read,
    identified = [],
    definitions,
  }: FoldBatch): FoldOutcome => {
    if (moves.some((m) => position(m.consumer) !== m.from)) return 'moved';
    if (definitions !== undefined && definitions !== generation()) return 'stale';
    const reader = stateReader(read);
    write(fold(loadSnapshot(keys, reader.toState)), reader);
    for (const e of identified) {
      if (e.userId !== null) indexEvent('userId', e.userId, e.position);
      if (e.anonymousId !== null) indexEvent('anonymousId', e.anonymousId, e.position);
    }
    for (const m of moves) unit.set(data.positions, m.consumer, m.to);
    return 'folded';
  };

  const refresh = (
    ids: readonly string[],
    rebuild: (snapshot: GraphSnapshot) => GraphChanges,
    lastEvents: ReadonlyMap<string, number> | undefined,
  ): string[] => {
    const reader = stateReader();
    const snapshot = emptySnapshot();
    const moved = new Set<string>();
    for (const [id, last] of lastEvents ?? [])
      if ((positionsOf(familyOf(id)).at(-1) ?? 0) !== last) moved.add(id);
    for (const id of ids) {
      const row = data.profiles.get(id);
      if (row?.mergedInto === null && !moved.has(id))
        snapshot.profiles.set(row.id, reader.toState(row));
    }
    write(rebuild(snapshot), reader);
    return [...moved];
  };

  /** Records an erasure's remaining part in the erasing unit; returns it. */
  const recordErasure = (erasure: PendingErasure): PendingErasure => {
    const { requestId, at, ...rest } = erasure;
    unit.set(data.erasures, requestId, { at, body: sealed.erasure.seal(rest) });
    return erasure;
  };
  const erase = (
    profileId: string,
    consumer: string,
    range: { from: number; to: number },
    request: { requestId: string; requestedBy: string; at: number },
  ): PendingErasure | undefined => {
    if (position(consumer) !== range.from) return undefined;
    unit.set(data.positions, consumer, range.to);
    const live = survivor(profileId);
    if (live === undefined)
      return recordErasure({ ...request, profileId, positions: [], identifiers: [], profiles: [] });
    const family = familyOf(live.id);
    const ids = new Set(family);
    const identifiers = identifiersOf(live.id);
    const positions = positionsOf(family);
    for (const { type, value } of identifiers)
      if (type === 'userId' || type === 'anonymousId')
        unit.delete(data.eventIndex, indexKey(type, sealed.blind(type, value)));
    for (const id of family) unit.delete(data.events, id);
    for (const [key, identity] of [...data.identities])
      if (ids.has(identity.profileId)) unit.delete(data.identities, key);
    for (const m of [...data.merges.values()])
      if (ids.has(m.into) || ids.has(m.from)) unit.delete(data.merges, m.seq);
    for (const c of [...data.conflicts.values()])
      if (ids.has(c.resolvedTo) || (c.profileId !== null && ids.has(c.profileId)))
        unit.delete(data.conflicts, c.seq);
    for (const id of family) unit.delete(data.profiles, id);
    // The tables other stores own beside these, erased by their owners in this unit of work.
    eraseMemoryReviews(data.reviews, unit, family);
    eraseMemoryMemberships(data.memberships, unit, sealed, family);
    return recordErasure({ ...request, profileId, positions, identifiers, profiles: family });
  };

  return {
    ...memoryProfileReader(data, sealed, rows),
    position: (consumer) => Promise.resolve(position(consumer)),
    foldBatch: (batch) => unit.settle(() => foldBatch(batch)),
    definitions: {
      generation: () => Promise.resolve(generation()),
      changed: () => unit.settle(() => unit.next(data.sequences, 'generation')),
    },
    due: (now, limit) =>
      Promise.resolve(
        [...data.memberships.timers]
          .filter(([, due]) => due <= now)
          .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0))
          .slice(0, limit)
          .map(([id]) => id),
      ),
    refresh: (ids, rebuild, lastEvents) => unit.settle(() => refresh(ids, rebuild, lastEvents)),
    ...memoryMembershipStore(data.memberships, unit, sealed, familyOf),
    reviews: openMemoryReviewQueue(data.reviews, unit, sealed),
    backfills: openMemoryBackfillJobs(data.backfills, unit),
    segmentSizes: openMemorySegmentSizes(data.memberships.sizes, data.memberships.members, unit),
    erase: (profileId, consumer, range, request) =>
      unit.settle(() => erase(profileId, consumer, range, request)),
    erasures: {
      pending: (before, limit) =>
        Promise.resolve(
          [...data.erasures]
            .filter(([, e]) => e.at < before)
            .sort(([, a], [, b]) => a.at - b.at)
            .slice(0, limit)
            .map(([requestId, e]) => ({
              requestId,
              at: e.at,
              ...sealed.erasure.open(e.body),
            })),
        ),
      // Nothing written elsewhere to empty: no file, no write-ahead log.
      done: (requestId) => unit.settle(() => void unit.delete(data.erasures, requestId)),
    },
    close: () => Promise.resolve(), // the data outlives the store, as a file would
  };
}
