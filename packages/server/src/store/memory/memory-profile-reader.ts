import { pageRows } from '../../log/sqlite/page-rows.js';
import { ReservoirSample } from '../reservoir-sample.js';
import type { SealedValues } from '../../privacy/sealed-values.js';
import type { ProfileReader, StoredProfile } from '../profile-store.js';
import { indexKey, type MemoryProfileData, type MemoryProfileRows } from './memory-profile-data.js';

/** Reading people from the in-memory profile tables, as the SQL adapters answer. */
export function memoryProfileReader(
  data: MemoryProfileData,
  sealed: SealedValues,
  { toStored, position, lookUp, survivor, familyOf, identifiersOf, positionsOf }: MemoryProfileRows,
): ProfileReader {
  return {
    eventsByIdentifier: (consumers, { kind, value, after, limit }) => {
      const indexedTo = consumers.map(position);
      const upTo = Math.max(0, ...indexedTo); // an entry is written with its consumer's position
      const positions = [...(data.eventIndex.get(indexKey(kind, sealed.blind(kind, value))) ?? [])]
        .filter((p) => p > after && p <= upTo)
        .sort((a, b) => a - b)
        .slice(0, limit);
      return Promise.resolve({ positions, indexedTo });
    },
    byId: (id) => Promise.resolve(toStored(survivor(id))),
    byIdentifier: (identifier) => {
      const found = lookUp(identifier);
      return Promise.resolve(found && toStored(survivor(found.profileId)));
    },
    identifiers: (profileId) => Promise.resolve(identifiersOf(profileId)),
    mergedIds: (profileId) => Promise.resolve(familyOf(profileId).slice(1)),
    eventPositions: (profileId, after, limit) => {
      const rows = positionsOf(familyOf(profileId))
        .filter((p) => p > after)
        .slice(0, limit + 1);
      const { page, next } = pageRows(rows, limit, (p) => p);
      return Promise.resolve({ positions: page, next });
    },
    merges: (profileId) => {
      const family = new Set(familyOf(profileId));
      return Promise.resolve(
        [...data.merges.values()]
          .filter((m) => family.has(m.into))
          .sort((a, b) => a.seq - b.seq)
          .map(({ into, from, messageId, at, reason, sealedReason }) => ({
            into,
            from,
            messageId,
            at,
            reason: sealed.mergeReason.open(reason, sealedReason),
          })),
      );
    },
    conflicts: ({ profileId, limit }) => {
      const family = new Set(profileId === undefined ? [] : familyOf(profileId));
      return Promise.resolve(
        [...data.conflicts.values()]
          .filter(
            (c) =>
              profileId === undefined ||
              family.has(c.resolvedTo) ||
              (c.profileId !== null && family.has(c.profileId)),
          )
          .sort((a, b) => b.seq - a.seq)
          .slice(0, limit)
          .map((c) => sealed.conflict.open(c.record)),
      );
    },
    stats: () => {
      const rows = [...data.profiles.values()];
      const merged = rows.filter((r) => r.mergedInto !== null).length;
      return Promise.resolve({
        profiles: rows.length - merged,
        merged,
        identifiers: data.identities.size,
      });
    },
    live: (after, limit) => {
      const rows = [...data.profiles.values()]
        .filter((r) => r.mergedInto === null && r.rank > after)
        .sort((a, b) => a.rank - b.rank)
        .slice(0, limit + 1);
      const { page, next } = pageRows(rows, limit, (r) => r.rank);
      return Promise.resolve({
        profiles: page.map((r) => ({ ...(toStored(r) as StoredProfile), rank: r.rank })),
        next,
      });
    },
    sampleLive: (size) => {
      const sample = new ReservoirSample<string>(size);
      for (const r of data.profiles.values()) if (r.mergedInto === null) sample.add(r.id);
      const { values, total } = sample.result();
      return Promise.resolve({ ids: values, total });
    },
    scanFeatures: (after, limit) => {
      const rows = [...data.profiles.values()]
        .filter((r) => r.mergedInto === null && r.id > after)
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, limit + 1);
      const { page, next } = pageRows(rows, limit, (r) => r.id);
      return Promise.resolve({
        profiles: page.map((r) => {
          const { id, traits, computed, scores, consent } = toStored(r) as StoredProfile;
          return { id, traits, computed, scores, consent };
        }),
        next,
      });
    },
  };
}
