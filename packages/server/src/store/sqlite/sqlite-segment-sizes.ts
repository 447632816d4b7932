import type Database from 'better-sqlite3';
import type { SegmentSizeSample, SegmentSizes } from '../profile-store.js';
import { hourStart, thinBefore } from '../segment-size-rules.js';

/**
 * The table, created by the memberships' migration 2 (sqlite-membership-tables.ts); idempotent,
 * as a folder from before versioned migrations runs every migration again.
 */
export const SEGMENT_SIZES_SCHEMA = `
CREATE TABLE IF NOT EXISTS segment_sizes (
  segment TEXT NOT NULL,
  at TEXT NOT NULL,
  size INTEGER NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (segment, at)
) WITHOUT ROWID;
`;

interface Row {
  segment: string;
  at: string;
  size: number;
  version: number;
}

/** Segment sizes over time in state.sqlite, beside the memberships they count. */
export function openSqliteSegmentSizes(db: Database.Database): SegmentSizes {
  const q = {
    count: db.prepare('SELECT count(*) AS n FROM segment_members WHERE segment = ?'),
    counted: db.prepare(
      'SELECT 1 FROM segment_sizes WHERE segment = ? AND version = ? AND at >= ? LIMIT 1',
    ),
    insert: db.prepare(
      'INSERT OR IGNORE INTO segment_sizes (segment, at, size, version) VALUES (?, ?, ?, ?)',
    ),
    // Older than the hourly span: the first sample of each UTC day and version stays.
    thin: db.prepare(
      `DELETE FROM segment_sizes WHERE at < ? AND EXISTS (
         SELECT 1 FROM segment_sizes o WHERE o.segment = segment_sizes.segment
           AND o.version = segment_sizes.version AND substr(o.at, 1, 10) = substr(segment_sizes.at, 1, 10)
           AND o.at < segment_sizes.at)`,
    ),
    between: db.prepare(
      `SELECT * FROM (SELECT segment, at, size, version FROM segment_sizes
         WHERE segment = ? AND at >= ? AND at <= ? ORDER BY at DESC LIMIT ?) ORDER BY at`,
    ),
    latest: db.prepare(
      `SELECT s.segment, s.at, s.size, s.version FROM segment_sizes s
       JOIN (SELECT segment, max(at) AS at FROM segment_sizes GROUP BY segment) m
         ON m.segment = s.segment AND m.at = s.at ORDER BY s.segment`,
    ),
    forget: db.prepare('DELETE FROM segment_sizes WHERE segment = ?'),
  };
  const record = db.transaction(
    (segments: readonly { name: string; version: number }[], at: number) => {
      const when = new Date(at).toISOString();
      const hour = hourStart(at);
      const recorded: SegmentSizeSample[] = [];
      for (const { name, version } of segments) {
        if (q.counted.get(name, version, hour) !== undefined) continue;
        const size = (q.count.get(name) as { n: number }).n;
        if (q.insert.run(name, when, size, version).changes === 1)
          recorded.push({ segment: name, at: when, size, version });
      }
      q.thin.run(thinBefore(at));
      return recorded;
    },
  );
  return {
    record: (segments, at) => Promise.resolve(record.immediate(segments, at)),
    between: (segment, from, to, limit) =>
      Promise.resolve(
        q.between.all(
          segment,
          new Date(from).toISOString(),
          new Date(to).toISOString(),
          limit,
        ) as Row[],
      ),
    latest: () => Promise.resolve(q.latest.all() as Row[]),
    forget: (segment) => {
      q.forget.run(segment);
      return Promise.resolve();
    },
  };
}
