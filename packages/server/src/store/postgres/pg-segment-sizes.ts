import type { PgDatabase } from '../../storage/postgres/pg-database.js';
import type { SegmentSizeSample, SegmentSizes } from '../profile-store.js';
import { hourStart, thinBefore } from '../segment-size-rules.js';

interface Row {
  segment: string;
  at: string;
  size: string;
  version: number;
}

const sample = (r: Row): SegmentSizeSample => ({
  segment: r.segment,
  at: r.at,
  size: Number(r.size),
  version: r.version,
});

/**
 * Segment sizes over time in PostgreSQL (the profile store's migration 5). Recording takes an
 * advisory lock, so two nodes that both believe they hold the upkeep count a segment once an hour.
 */
export function pgSegmentSizes(db: PgDatabase): SegmentSizes {
  return {
    record: (segments, at) =>
      db.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `tailor segment sizes ${db.schema}`,
        ]);
        const when = new Date(at).toISOString();
        const recorded: SegmentSizeSample[] = [];
        for (const { name, version } of segments) {
          const { rows } = await client.query<{ size: string }>(
            `INSERT INTO segment_sizes (segment, at, size, version)
             SELECT $1, $2, (SELECT count(*) FROM segment_members WHERE segment = $1), $3
             WHERE NOT EXISTS (SELECT 1 FROM segment_sizes WHERE segment = $1 AND version = $3 AND at >= $4)
             ON CONFLICT (segment, at) DO NOTHING
             RETURNING size`,
            [name, when, version, hourStart(at)],
          );
          const row = rows[0];
          if (row !== undefined)
            recorded.push({ segment: name, at: when, size: Number(row.size), version });
        }
        // Older than the hourly span: the first sample of each UTC day and version stays.
        await client.query(
          `DELETE FROM segment_sizes s WHERE s.at < $1 AND EXISTS (
             SELECT 1 FROM segment_sizes o WHERE o.segment = s.segment AND o.version = s.version
               AND substr(o.at, 1, 10) = substr(s.at, 1, 10) AND o.at < s.at)`,
          [thinBefore(at)],
        );
        return recorded;
      }),
    between: async (segment, from, to, limit) => {
      const { rows } = await db.query<Row>(
        `SELECT * FROM (SELECT segment, at, size, version FROM segment_sizes
           WHERE segment = $1 AND at >= $2 AND at <= $3 ORDER BY at DESC LIMIT $4) s ORDER BY at`,
        [segment, new Date(from).toISOString(), new Date(to).toISOString(), limit],
      );
      return rows.map(sample);
    },
    latest: async () => {
      const { rows } = await db.query<Row>(
        `SELECT DISTINCT ON (segment) segment, at, size, version FROM segment_sizes
         ORDER BY segment, at DESC`,
      );
      return rows.map(sample);
    },
    forget: async (segment) => {
      await db.query('DELETE FROM segment_sizes WHERE segment = $1', [segment]);
    },
  };
}
