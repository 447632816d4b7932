import { type IdentifierRef, type MergeRecord } from '@tailor/core';
import type { SealedValues } from '../../privacy/sealed-values.js';
import type { StoredProfile } from '../profile-store.js';
import { IDENTIFIER_KINDS } from '../sqlite/event-identifier-index.js';
import {
  storedProfile,
  type ProfileBody,
  type ProfileRow,
} from '../sqlite/sqlite-profile-store.js';
import { memoryBackfillData, type MemoryBackfillData } from './memory-backfill-jobs.js';
import { memoryMembershipData, type MemoryMembershipData } from './memory-memberships.js';
import { memoryReviewData, type MemoryReviewData } from './memory-review-queue.js';
import { UnitOfWork } from './memory-unit-of-work.js';

/** A profile as kept: traits, groups, derived state and consent sealed together in `body`. */
export interface MemoryProfileRow {
  id: string;
  rank: number;
  mergedInto: string | null;
  createdAt: string;
  updatedAt: string;
  /** Counts by key, as JSON. */
  counts: string;
  body: string | Buffer;
}

/** An identifier as kept: looked up by its blind index, its value sealed beside it (null when plain). */
export interface MemoryIdentity {
  type: string;
  blind: string;
  profileId: string;
  sealed: string | Buffer | null;
}

/**
 * What the store keeps, in one unit of work: it outlives a store opened on it (a restart) and is
 * shared by the stores opened on it (other processes on one database).
 */
export interface MemoryProfileData {
  unit: UnitOfWork;
  /** The blind index the identifiers are kept under (`Sealer.indexId`), set by the first open. */
  indexId: Map<'blind index', string>;
  profiles: Map<string, MemoryProfileRow>;
  /** By `type\0blind`. */
  identities: Map<string, MemoryIdentity>;
  /** Profile id → the log positions of its events. */
  events: Map<string, Set<number>>;
  /** A reason's plain and sealed columns, as the SQL adapters keep them (it names an identifier). */
  merges: Map<
    number,
    Omit<MergeRecord, 'reason'> & {
      seq: number;
      reason: string;
      sealedReason: string | Buffer | null;
    }
  >;
  conflicts: Map<
    number,
    { seq: number; record: string | Buffer; resolvedTo: string; profileId: string | null }
  >;
  groups: Map<string, string | Buffer>;
  positions: Map<string, number>;
  /** The index of events by identifier: `kind\0blind` → log positions. */
  eventIndex: Map<string, Set<number>>;
  erasures: Map<string, { at: number; body: string | Buffer }>;
  /** Merges, conflicts and the definitions generation. */
  sequences: Map<string, number>;
  memberships: MemoryMembershipData;
  reviews: MemoryReviewData;
  backfills: MemoryBackfillData;
}

export function memoryProfileData(): MemoryProfileData {
  return {
    unit: new UnitOfWork(),
    indexId: new Map(),
    profiles: new Map(),
    identities: new Map(),
    events: new Map(),
    merges: new Map(),
    conflicts: new Map(),
    groups: new Map(),
    positions: new Map(),
    eventIndex: new Map(),
    erasures: new Map(),
    sequences: new Map(),
    memberships: memoryMembershipData(),
    reviews: memoryReviewData(),
    backfills: memoryBackfillData(),
  };
}

export const blindKey = (type: string, blind: string) => `${type}\u0000${blind}`;
export const indexKey = (kind: 'userId' | 'anonymousId', blind: string) =>
  `${String(IDENTIFIER_KINDS[kind])}\u0000${blind}`;

/** Reading the profile tables: what the store's reads and writes share. */
export function memoryProfileRows(data: MemoryProfileData, sealed: SealedValues) {
  type Row = MemoryProfileRow;
  const bodyOf = (row: Row) => JSON.parse(sealed.profile.open(row.id, row.body)) as ProfileBody;
  const asSqliteRow = (row: Row): ProfileRow => ({
    id: row.id,
    rank: row.rank,
    merged_into: row.mergedInto,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    counts: row.counts,
    traits: '',
    groups: '',
    derived: '',
    consent: '',
    sealed: null,
  });
  const toStored = (row: Row | undefined): StoredProfile | undefined =>
    row && storedProfile(asSqliteRow(row), bodyOf(row));
  const position = (consumer: string) => data.positions.get(consumer) ?? 0;
  const lookUp = ({ type, value }: IdentifierRef) =>
    data.identities.get(blindKey(type, sealed.blind(type, value)));
  /** A profile's row, or the row of the profile it was merged into. */
  const survivor = (id: string): Row | undefined => {
    const row = data.profiles.get(id);
    if (row?.mergedInto == null) return row;
    return data.profiles.get(row.mergedInto);
  };
  const familyOf = (id: string): string[] => [
    id,
    ...[...data.profiles.values()]
      .filter((p) => p.mergedInto === id)
      .sort((a, b) => a.rank - b.rank)
      .map((p) => p.id),
  ];
  const identifiersOf = (profileId: string): IdentifierRef[] =>
    [...data.identities.values()]
      .filter((i) => i.profileId === profileId)
      .map((i) => ({
        type: i.type,
        value: sealed.identifier.open(i.type, i.blind, i.sealed),
      }))
      .sort((a, b) =>
        a.type === b.type ? (a.value < b.value ? -1 : 1) : a.type < b.type ? -1 : 1,
      );
  const positionsOf = (family: readonly string[]): number[] =>
    family.flatMap((id) => [...(data.events.get(id) ?? [])]).sort((a, b) => a - b);

  return {
    asSqliteRow,
    toStored,
    position,
    lookUp,
    survivor,
    familyOf,
    identifiersOf,
    positionsOf,
  };
}

export type MemoryProfileRows = ReturnType<typeof memoryProfileRows>;

/** Refuses data kept under another blind index (or none): its lookups would all miss. */
export function checkIndexId(data: MemoryProfileData, sealed: SealedValues): void {
  const kept = data.indexId.get('blind index');
  if (kept === undefined) data.indexId.set('blind index', sealed.indexId);
  else sealed.checkIndex(kept, 'the in-memory profile store');
}
