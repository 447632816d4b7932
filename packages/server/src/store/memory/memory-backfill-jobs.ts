import type { Backfill, BackfillJobs } from '../backfill-jobs.js';
import type { UnitOfWork } from './memory-unit-of-work.js';

/** Backfills by id, and their sequence. */
export interface MemoryBackfillData {
  rows: Map<number, Backfill>;
  sequences: Map<string, number>;
}

export function memoryBackfillData(): MemoryBackfillData {
  return { rows: new Map(), sequences: new Map() };
}

/** A copy, as a store that writes rows gives back: nothing shared with the caller. */
const copy = (b: Backfill): Backfill => ({ ...b, names: [...b.names] });

/** Backfills kept in memory, as on SQLite and PostgreSQL: a new one takes over the running ones. */
export function openMemoryBackfillJobs(data: MemoryBackfillData, unit: UnitOfWork): BackfillJobs {
  const byId = () => [...data.rows.values()].sort((a, b) => a.id - b.id);
  const found = (b: Backfill | undefined) => (b === undefined ? undefined : copy(b));
  return {
    start: (names, total, at) =>
      unit.settle(() => {
        const all = new Set<string>();
        for (const running of byId().filter((b) => b.status === 'running')) {
          for (const name of running.names) all.add(name);
          unit.delete(data.rows, running.id);
        }
        for (const name of names) all.add(name);
        const empty = total === 0;
        const id = unit.next(data.sequences, 'backfills');
        const backfill: Backfill = {
          id,
          names: [...all],
          status: empty ? 'done' : 'running',
          done: 0,
          total,
          cursor: 0,
          startedAt: at,
          finishedAt: empty ? at : null,
        };
        unit.set(data.rows, id, backfill);
        return copy(backfill);
      }),
    next: () => Promise.resolve(found(byId().find((b) => b.status === 'running'))),
    advance: (id, { cursor, processed, finishedAt }) =>
      unit.settle(() => {
        const b = data.rows.get(id);
        if (b === undefined) return;
        unit.set(data.rows, id, {
          ...b,
          cursor,
          done: Math.min(b.total, b.done + processed),
          status: finishedAt === undefined ? b.status : 'done',
          finishedAt: finishedAt ?? b.finishedAt,
        });
      }),
    latest: (name) =>
      Promise.resolve(
        found(
          byId()
            .filter((b) => b.names.includes(name))
            .at(-1),
        ),
      ),
  };
}
