import {
  announcementOf,
  type GraphChanges,
  type IdentifierRef,
  type StoredMessage,
  type TraitPopulation,
} from '@tailor/core';
import { pageRows } from '../../log/sqlite/page-rows.js';
import type { SealedValues } from '../../privacy/sealed-values.js';
import type {
  MembershipRecord,
  MembershipStore,
  PopulationStore,
  SuppressionList,
} from '../profile-store.js';
import { byteOrder } from './memory-state-store.js';
import type { UnitOfWork } from './memory-unit-of-work.js';
import type { MemorySegmentSizeData } from './memory-segment-sizes.js';

/**
 * The memberships' tables: segment members (segment → profile → since), their history, the
 * time sweep's timers, RFM populations, suppressions, and the announcements waiting for the log
 * (sealed, by seq).
 */
export interface MemoryMembershipData {
  members: Map<string, Map<string, string>>;
  history: Map<number, MembershipRecord & { seq: number }>;
  timers: Map<string, number>;
  populations: Map<string, string>;
  suppressions: Map<string, string>;
  outbox: Map<number, string | Buffer>;
  sequences: Map<string, number>;
  /** Segment sizes over time (counts only). */
  sizes: MemorySegmentSizeData;
}

export function memoryMembershipData(): MemoryMembershipData {
  return {
    members: new Map(),
    history: new Map(),
    timers: new Map(),
    populations: new Map(),
    suppressions: new Map(),
    outbox: new Map(),
    sequences: new Map(),
    sizes: new Map(),
  };
}

/**
 * Writes segment memberships, their history, timers and the entries and exits to announce, in the
 * fold's unit of work, as `membershipWriter` does on SQLite. `identifiersOf` gives a profile's
 * identifiers (opened, sorted) for the announcements.
 */
export function memoryMembershipWriter(
  data: MemoryMembershipData,
  unit: UnitOfWork,
  sealed: SealedValues,
  identifiersOf: (profileId: string) => IdentifierRef[],
) {
  return (changes: GraphChanges): void => {
    for (const m of changes.memberships) {
      let members = data.members.get(m.segment);
      if (members === undefined) unit.set(data.members, m.segment, (members = new Map()));
      if (m.entered) unit.set(members, m.profileId, m.at);
      else unit.delete(members, m.profileId);
      const seq = unit.next(data.sequences, 'history');
      const { segment, profileId, entered, at, cause } = m;
      unit.set(data.history, seq, { seq, segment, profileId, entered, at, cause });
      if (m.cause === 'merge') continue; // the person lives on in the surviving profile
      const ids = identifiersOf(m.profileId);
      const first = (type: string) => ids.find((i) => i.type === type)?.value ?? null;
      const message: StoredMessage = {
        type: 'track',
        messageId: `segment:${String(seq)}`,
        event: m.entered ? 'Segment Entered' : 'Segment Exited',
        userId: first('userId'),
        anonymousId: first('anonymousId'),
        properties: { segment: m.segment, profileId: m.profileId, cause: m.cause },
        timestamp: m.at,
        receivedAt: m.at,
        context: {},
        tailor: { source: 'segments' },
      };
      const outboxSeq = unit.next(data.sequences, 'outbox');
      unit.set(data.outbox, outboxSeq, sealed.outbox.seal(message));
    }
    for (const a of changes.announced) {
      const ids = identifiersOf(a.profileId);
      const first = (type: string) => ids.find((i) => i.type === type)?.value ?? null;
      const message = announcementOf(a, {
        userId: first('userId'),
        anonymousId: first('anonymousId'),
      });
      const outboxSeq = unit.next(data.sequences, 'outbox');
      unit.set(data.outbox, outboxSeq, sealed.outbox.seal(message));
    }
    for (const [profileId, due] of changes.timers) {
      if (due === null) unit.delete(data.timers, profileId);
      else unit.set(data.timers, profileId, due);
    }
  };
}

/**
 * Erases a person's memberships, history, timer and pending announcements (their profile ids in
 * `family`), inside the profile store's erasing unit of work: these tables are this module's.
 */
export function eraseMemoryMemberships(
  data: MemoryMembershipData,
  unit: UnitOfWork,
  sealed: SealedValues,
  family: readonly string[],
): void {
  const ids = new Set(family);
  for (const members of data.members.values()) for (const id of ids) unit.delete(members, id);
  for (const h of [...data.history.values()])
    if (ids.has(h.profileId)) unit.delete(data.history, h.seq);
  for (const id of ids) unit.delete(data.timers, id);
  // Pending announcements are sealed: open them to find the family's (the outbox is short).
  for (const [seq, message] of [...data.outbox]) {
    const announced = sealed.outbox.open(message);
    const owner = announced.properties?.profileId;
    if (typeof owner === 'string' && ids.has(owner)) unit.delete(data.outbox, seq);
  }
}

/**
 * Reading memberships and the outbox, RFM populations, and the suppression list. `familyOf` gives
 * a profile's id and the ids merged into it.
 */
export function memoryMembershipStore(
  data: MemoryMembershipData,
  unit: UnitOfWork,
  sealed: SealedValues,
  familyOf: (profileId: string) => string[],
): MembershipStore & PopulationStore & { suppressions: SuppressionList } {
  return {
    outbox: (limit) =>
      Promise.resolve(
        [...data.outbox]
          .sort(([a], [b]) => a - b)
          .slice(0, limit)
          .map(([seq, message]) => ({
            seq,
            message: sealed.outbox.open(message),
          })),
      ),
    ackOutbox: (upTo) =>
      unit.settle(() => {
        for (const seq of [...data.outbox.keys()]) if (seq <= upTo) unit.delete(data.outbox, seq);
      }),
    members: (segment, after, limit) => {
      const all = [...(data.members.get(segment)?.keys() ?? [])].sort(byteOrder);
      const rows = all.filter((id) => byteOrder(id, after) > 0).slice(0, limit + 1);
      const { page, next } = pageRows(rows, limit, (id) => id);
      return Promise.resolve({ profiles: page, count: all.length, next });
    },
    history: (profileId) => {
      const ids = new Set(familyOf(profileId));
      return Promise.resolve(
        [...data.history.values()]
          .filter((h) => ids.has(h.profileId))
          .sort((a, b) => a.seq - b.seq)
          .map(({ segment, profileId: id, entered, at, cause }) => ({
            segment,
            profileId: id,
            entered,
            at,
            cause,
          })),
      );
    },
    populations: () =>
      Promise.resolve(
        new Map(
          [...data.populations].map(([key, text]) => [key, JSON.parse(text) as TraitPopulation]),
        ),
      ),
    savePopulation: (key, population, rescore, at) =>
      unit.settle(() => {
        unit.set(data.populations, key, JSON.stringify(population));
        // Due no later than `at`: an earlier timer stays.
        for (const id of rescore)
          unit.set(data.timers, id, Math.min(data.timers.get(id) ?? at, at));
      }),
    suppressions: {
      list: () => Promise.resolve([...data.suppressions.keys()].sort(byteOrder)),
      add: (hashes, at) =>
        unit.settle(() => {
          for (const h of hashes) if (!data.suppressions.has(h)) unit.set(data.suppressions, h, at);
        }),
      remove: (hashes) =>
        unit.settle(() => {
          for (const h of hashes) unit.delete(data.suppressions, h);
        }),
    },
  };
}
