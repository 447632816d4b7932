import type { PgDatabase } from '../storage/postgres/pg-database.js';

/**
 * Named leases on PostgreSQL, timed by the database's clock (never a node's, so nodes with skewed
 * clocks agree). A lease is held until `expires_at`; its holder renews it, anyone may take it
 * once it has expired or was released. A lease is a liveness device, not the safety one: work
 * that must happen once (folding a partition) also checks its own position in the transaction
 * that commits it, so a holder that paused past its lease and resumes cannot fold twice.
 */
export class Leases {
  constructor(
    private readonly db: PgDatabase,
    private readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes those of `names` that are free, expired or already ours; returns the ones now held. */
  async acquire(names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const { rows } = await this.db.query<{ name: string }>(
      `INSERT INTO leases (name, owner, expires_at)
         SELECT name, $2, now() + $3 * interval '1 millisecond' FROM unnest($1::text[]) AS name
       ON CONFLICT (name) DO UPDATE
         SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at,
             epoch = leases.epoch + CASE WHEN leases.owner IS DISTINCT FROM EXCLUDED.owner THEN 1 ELSE 0 END
         WHERE leases.owner IS NULL OR leases.owner = EXCLUDED.owner OR leases.expires_at < now()
       RETURNING name`,
      [names, this.owner, this.ttlMs],
    );
    return rows.map((row) => row.name);
  }

  /** Extends the leases of `names` still ours; returns those (one missing was lost). */
  async renew(names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const { rows } = await this.db.query<{ name: string }>(
      `UPDATE leases SET expires_at = now() + $3 * interval '1 millisecond'
        WHERE name = ANY($1::text[]) AND owner = $2
       RETURNING name`,
      [names, this.owner, this.ttlMs],
    );
    return rows.map((row) => row.name);
  }

  /** Gives up `names` at once, so another node need not wait for them to expire. */
  async release(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.db.query(
      `UPDATE leases SET owner = NULL, expires_at = now() WHERE name = ANY($1::text[]) AND owner = $2`,
      [names, this.owner],
    );
  }
}
