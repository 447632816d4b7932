import type { SegmentSizeSample, SegmentSizes } from '../profile-store.js';
import { hourStart, thinBefore } from '../segment-size-rules.js';
import type { UnitOfWork } from './memory-unit-of-work.js';

/** Samples by segment and time (`segment\0at`), as the table's primary key orders them. */
export type MemorySegmentSizeData = Map<string, SegmentSizeSample>;

/** Segment sizes over time in memory, counting `members` (segment → profile → since). */
export function openMemorySegmentSizes(
  data: MemorySegmentSizeData,
  members: ReadonlyMap<string, ReadonlyMap<string, string>>,
  unit: UnitOfWork,
): SegmentSizes {
  const key = (segment: string, at: string) => `${segment}\u0000${at}`;
  const ofSegment = (segment: string) =>
    [...data.values()].filter((s) => s.segment === segment).sort((a, b) => cmp(a.at, b.at));
  return {
    record: (segments, at) =>
      unit.settle(() => {
        const when = new Date(at).toISOString();
        const hour = hourStart(at);
        const recorded: SegmentSizeSample[] = [];
        for (const { name, version } of segments) {
          const counted = ofSegment(name).some((s) => s.version === version && s.at >= hour);
          if (counted || data.has(key(name, when))) continue;
          const sample = { segment: name, at: when, size: members.get(name)?.size ?? 0, version };
          unit.set(data, key(name, when), sample);
          recorded.push({ ...sample });
        }
        const before = thinBefore(at);
        const kept = new Set<string>();
        for (const s of [...data.values()].sort((a, b) => cmp(a.at, b.at))) {
          const day = `${s.segment}\u0000${String(s.version)}\u0000${s.at.slice(0, 10)}`;
          if (s.at < before && kept.has(day)) unit.delete(data, key(s.segment, s.at));
          kept.add(day);
        }
        return recorded;
      }),
    between: (segment, from, to, limit) => {
      const [low, high] = [new Date(from).toISOString(), new Date(to).toISOString()];
      const inRange = ofSegment(segment).filter((s) => s.at >= low && s.at <= high);
      return Promise.resolve(
        inRange.slice(Math.max(0, inRange.length - limit)).map((s) => ({ ...s })),
      );
    },
    latest: () => {
      const latest = new Map<string, SegmentSizeSample>();
      for (const s of data.values()) {
        const seen = latest.get(s.segment);
        if (seen === undefined || seen.at < s.at) latest.set(s.segment, s);
      }
      return Promise.resolve(
        [...latest.values()].sort((a, b) => cmp(a.segment, b.segment)).map((s) => ({ ...s })),
      );
    },
    forget: (segment) =>
      unit.settle(() => {
        for (const s of ofSegment(segment)) unit.delete(data, key(segment, s.at));
      }),
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
