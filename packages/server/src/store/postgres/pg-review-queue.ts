import type { SealedValues } from '../../privacy/sealed-values.js';
import type { PgDatabase, PgQueryable } from '../../storage/postgres/pg-database.js';
import type { Backfill, BackfillJobs } from '../backfill-jobs.js';
import type { ReviewQueue } from '../review-queue.js';
import { bytes } from './pg-bytes.js';
import { ordered, review, type ReviewRow } from '../sqlite/sqlite-review-queue.js';

/** The review queue on PostgreSQL; pairs are stored with the lower profile id on the left. */
export function pgReviewQueue(db: PgDatabase, sealed: SealedValues): ReviewQueue {
  const toReview = (r: ReviewRow) => review(r, sealed);
  const page = (rows: ReviewRow[], limit: number) => {
    const kept = rows.slice(0, limit);
    const last = kept[kept.length - 1];
    return { reviews: kept.map(toReview), next: rows.length > limit && last ? last.id : null };
  };
  return {
    add: async (reviews, at) => {
      if (reviews.length === 0) return 0;
      const pairs = reviews.map((r) => ordered(r.leftId, r.rightId));
      const { rowCount } = await db.query(
        `INSERT INTO match_reviews (left_id, right_id, weight, probability, comparison, status, created_at)
         SELECT l, r, w, p, c, 'pending', $6 FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::bytea[]) AS t(l, r, w, p, c)
         ON CONFLICT (left_id, right_id) DO NOTHING`,
        [
          pairs.map((p) => p[0]),
          pairs.map((p) => p[1]),
          reviews.map((r) => r.weight),
          reviews.map((r) => r.probability),
          reviews.map((r) => bytes(sealed.review.seal(r.comparison))),
          at,
        ],
      );
      return rowCount ?? 0;
    },
    known: async (a, b) =>
      (
        await db.query('SELECT 1 FROM match_reviews WHERE left_id = $1 AND right_id = $2', [
          ...ordered(a, b),
        ])
      ).rows.length > 0,
    list: async ({ status, after, limit }) => {
      const { rows } =
        status === undefined
          ? await db.query<ReviewRow>(
              'SELECT * FROM match_reviews WHERE id > $1 ORDER BY id LIMIT $2',
              [after, limit + 1],
            )
          : await db.query<ReviewRow>(
              'SELECT * FROM match_reviews WHERE status = $1 AND id > $2 ORDER BY id LIMIT $3',
              [status, after, limit + 1],
            );
      return page(rows, limit);
    },
    get: async (id) => {
      const row = (await db.query<ReviewRow>('SELECT * FROM match_reviews WHERE id = $1', [id]))
        .rows[0];
      return row && toReview(row);
    },
    decide: async (id, decision, by, at) => {
      const row = (
        await db.query<ReviewRow>(
          `UPDATE match_reviews SET status = $1, decided_at = $2, decided_by = $3
           WHERE id = $4 AND status = 'pending' RETURNING *`,
          [decision, at, by, id],
        )
      ).rows[0];
      return row && toReview(row);
    },
  };
}

interface BackfillRow {
  id: number;
  names: string[];
  status: Backfill['status'];
  done: number;
  total: number;
  cursor: number;
  started_at: string;
  finished_at: string | null;
}

const toBackfill = (r: BackfillRow): Backfill => ({
  id: r.id,
  names: r.names,
  status: r.status,
  done: r.done,
  total: r.total,
  cursor: r.cursor,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** Backfills on PostgreSQL, as on SQLite: a new one takes over the running ones. */
export function pgBackfillJobs(db: PgDatabase): BackfillJobs {
  return {
    start: (names, total, at) =>
      db.transaction(async (client) => {
        // One starter at a time: two nodes changing definitions at once leave one running job.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `tailor backfills ${db.schema}`,
        ]);
        const { rows } = await client.query<{ names: string[] }>(
          "DELETE FROM backfills WHERE status = 'running' RETURNING names",
        );
        const all = new Set<string>(rows.flatMap((r) => r.names));
        for (const name of names) all.add(name);
        const empty = total === 0;
        const inserted = await client.query<BackfillRow>(
          `INSERT INTO backfills (names, status, done, total, cursor, started_at, finished_at)
           VALUES ($1, $2, 0, $3, 0, $4, $5) RETURNING *`,
          [[...all], empty ? 'done' : 'running', total, at, empty ? at : null],
        );
        return toBackfill(inserted.rows[0] as BackfillRow);
      }),
    next: async () => {
      const row = (
        await db.query<BackfillRow>(
          "SELECT * FROM backfills WHERE status = 'running' ORDER BY id LIMIT 1",
        )
      ).rows[0];
      return row && toBackfill(row);
    },
    advance: async (id, { cursor, processed, finishedAt }) => {
      await db.query(
        `UPDATE backfills SET cursor = $1, done = least(total, done + $2),
           status = CASE WHEN $3::text IS NULL THEN status ELSE 'done' END,
           finished_at = coalesce($3, finished_at)
         WHERE id = $4`,
        [cursor, processed, finishedAt ?? null, id],
      );
    },
    latest: async (name) => {
      const row = (
        await db.query<BackfillRow>(
          'SELECT * FROM backfills WHERE $1 = ANY(names) ORDER BY id DESC LIMIT 1',
          [name],
        )
      ).rows[0];
      return row && toBackfill(row);
    },
  };
}

/** Erases the pairs naming a person's profiles, inside the profile store's erasing transaction. */
export async function erasePgReviews(
  client: PgQueryable,
  family: readonly string[],
): Promise<void> {
  await client.query(
    'DELETE FROM match_reviews WHERE left_id = ANY($1::text[]) OR right_id = ANY($1::text[])',
    [family],
  );
}
