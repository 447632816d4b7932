import type { SealedValues } from '../../privacy/sealed-values.js';
import { pageRows } from '../../log/sqlite/page-rows.js';
import type { ReviewQueue } from '../review-queue.js';
import { ordered, review, type ReviewRow } from '../sqlite/sqlite-review-queue.js';
import type { UnitOfWork } from './memory-unit-of-work.js';

/** The review queue's rows (the comparison sealed), and its pairs (lower profile id first). */
export interface MemoryReviewData {
  rows: Map<number, ReviewRow>;
  pairs: Map<string, number>;
  sequences: Map<string, number>;
}

export function memoryReviewData(): MemoryReviewData {
  return { rows: new Map(), pairs: new Map(), sequences: new Map() };
}

const pairKey = (left: string, right: string) => `${left}\u0000${right}`;

/** The review queue kept in memory, in the profile store's units of work, as the SQL adapters keep it. */
export function openMemoryReviewQueue(
  data: MemoryReviewData,
  unit: UnitOfWork,
  sealed: SealedValues,
): ReviewQueue {
  const toReview = (r: ReviewRow) => review(r, sealed);
  const byId = () => [...data.rows.values()].sort((a, b) => a.id - b.id);
  return {
    add: (reviews, at) =>
      unit.settle(() => {
        let added = 0;
        for (const r of reviews) {
          const [left, right] = ordered(r.leftId, r.rightId);
          if (data.pairs.has(pairKey(left, right))) continue;
          const id = unit.next(data.sequences, 'reviews');
          unit.set(data.rows, id, {
            id,
            left_id: left,
            right_id: right,
            weight: r.weight,
            probability: r.probability,
            comparison: sealed.review.seal(r.comparison),
            status: 'pending',
            created_at: at,
            decided_at: null,
            decided_by: null,
          });
          unit.set(data.pairs, pairKey(left, right), id);
          added++;
        }
        return added;
      }),
    known: (a, b) => Promise.resolve(data.pairs.has(pairKey(...ordered(a, b)))),
    list: ({ status, after, limit }) => {
      const rows = byId()
        .filter((r) => r.id > after && (status === undefined || r.status === status))
        .slice(0, limit + 1);
      const { page, next } = pageRows(rows, limit, (r) => r.id);
      return Promise.resolve({ reviews: page.map(toReview), next });
    },
    get: (id) => {
      const row = data.rows.get(id);
      return Promise.resolve(row === undefined ? undefined : toReview(row));
    },
    decide: (id, decision, by, at) =>
      unit.settle(() => {
        const row = data.rows.get(id);
        if (row?.status !== 'pending') return undefined;
        const decided: ReviewRow = { ...row, status: decision, decided_at: at, decided_by: by };
        unit.set(data.rows, id, decided);
        return toReview(decided);
      }),
  };
}

/** Erases the pairs naming a person's profiles, inside the profile store's erasing unit of work. */
export function eraseMemoryReviews(
  data: MemoryReviewData,
  unit: UnitOfWork,
  family: readonly string[],
): void {
  const ids = new Set(family);
  for (const r of [...data.rows.values()]) {
    if (!ids.has(r.left_id) && !ids.has(r.right_id)) continue;
    unit.delete(data.rows, r.id);
    unit.delete(data.pairs, pairKey(r.left_id, r.right_id));
  }
}
