import type Database from 'better-sqlite3';
import type { SealedValues } from '../../privacy/sealed-values.js';
import type { NewReview, Review, ReviewQueue } from '../review-queue.js';
import { pageRows } from '../../log/sqlite/page-rows.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';

/** Version 1 is the schema as created before versioned migrations (idempotent on such a file). */
const BASELINE = `
CREATE TABLE IF NOT EXISTS match_reviews (
  id INTEGER PRIMARY KEY,
  left_id TEXT NOT NULL,
  right_id TEXT NOT NULL,
  weight REAL NOT NULL,
  probability REAL NOT NULL,
  comparison TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  decided_at TEXT,
  decided_by TEXT,
  UNIQUE (left_id, right_id)
);
CREATE INDEX IF NOT EXISTS match_reviews_status ON match_reviews (status, id);
`;

/** This store's component in `schema_migrations`. */
export const REVIEW_QUEUE_COMPONENT = 'review-queue';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const REVIEW_QUEUE_MIGRATIONS: readonly SqliteMigration[] = [
  { version: 1, name: 'baseline', up: BASELINE },
];

/** A review as both adapters store it (snake-case columns; the comparison sealed). */
export interface ReviewRow {
  id: number;
  left_id: string;
  right_id: string;
  weight: number;
  probability: number;
  comparison: string | Buffer;
  status: Review['status'];
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
}

/** The review queue in `state.sqlite`; pairs are stored with the lower profile id on the left. */
export function openSqliteReviewQueue(db: Database.Database, sealed: SealedValues): ReviewQueue {
  migrateSqlite(db, REVIEW_QUEUE_COMPONENT, REVIEW_QUEUE_MIGRATIONS);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO match_reviews (left_id, right_id, weight, probability, comparison, status, created_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
  );
  const addAll = db.transaction((reviews: readonly NewReview[], at: string) => {
    let added = 0;
    for (const r of reviews) {
      const [left, right] = ordered(r.leftId, r.rightId);
      added += insert.run(
        left,
        right,
        r.weight,
        r.probability,
        sealed.review.seal(r.comparison),
        at,
      ).changes;
    }
    return added;
  });
  const byId = db.prepare('SELECT * FROM match_reviews WHERE id = ?');
  const byPair = db.prepare('SELECT 1 FROM match_reviews WHERE left_id = ? AND right_id = ?');
  const decide = db.prepare(
    "UPDATE match_reviews SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'pending'",
  );
  const toReview = (r: ReviewRow) => review(r, sealed);
  const toOptional = (row: ReviewRow | undefined) =>
    row === undefined ? undefined : toReview(row);
  return {
    add: (reviews, at) => Promise.resolve(addAll(reviews, at)),
    known: (a, b) => Promise.resolve(byPair.get(...ordered(a, b)) !== undefined),
    list: ({ status, after, limit }) => {
      const rows = (
        status === undefined
          ? db
              .prepare('SELECT * FROM match_reviews WHERE id > ? ORDER BY id LIMIT ?')
              .all(after, limit + 1)
          : db
              .prepare(
                'SELECT * FROM match_reviews WHERE status = ? AND id > ? ORDER BY id LIMIT ?',
              )
              .all(status, after, limit + 1)
      ) as ReviewRow[];
      const { page, next } = pageRows(rows, limit, (r) => r.id);
      return Promise.resolve({ reviews: page.map(toReview), next });
    },
    get: (id) => Promise.resolve(toOptional(byId.get(id) as ReviewRow | undefined)),
    decide: (id, decision, by, at) => {
      if (decide.run(decision, at, by, id).changes === 0) return Promise.resolve(undefined);
      return Promise.resolve(toOptional(byId.get(id) as ReviewRow | undefined));
    },
  };
}

/** A pair as stored: the lower profile id on the left. */
export function ordered(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

/** A stored review as the API answers it. */
export function review(r: ReviewRow, sealed: SealedValues): Review {
  return {
    id: r.id,
    leftId: r.left_id,
    rightId: r.right_id,
    weight: r.weight,
    probability: r.probability,
    comparison: sealed.review.open(r.comparison),
    status: r.status,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
  };
}

/** Erases the pairs naming a person's profiles, inside the profile store's erasing transaction. */
export function eraseSqliteReviews(db: Database.Database, family: readonly string[]): void {
  const inFamily = 'IN (SELECT value FROM json_each(?))';
  const ids = JSON.stringify(family);
  db.prepare(`DELETE FROM match_reviews WHERE left_id ${inFamily} OR right_id ${inFamily}`).run(
    ids,
    ids,
  );
}
