import { createHash } from 'node:crypto';
import pg from 'pg';

/** Where an installation's state lives on PostgreSQL. */
export interface PgOptions {
  /** A libpq connection URL: postgres://user:password@host:port/database. */
  url: string;
  /** The schema holding every table of this installation (several can share one database). */
  schema: string;
  /** Connections in this process's pool. */
  maxConnections?: number;
  /** Told of errors of idle connections (a restarted server); the pool replaces them. */
  onIdleError?: (error: Error) => void;
}

/** A connection to run statements on: the pool, or one client inside a transaction. */
export type PgQueryable = Pick<pg.PoolClient, 'query'>;

/** SQLSTATEs after which a transaction is worth running again from the start. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected
const TRANSACTION_ATTEMPTS = 5;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Positions, counts and times are int8 columns: read them as numbers (exact below 2^53, which a
 * log position or a millisecond time never reaches), not as pg's default strings. Set per pool,
 * never on pg's global type table.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((
    oid: Parameters<typeof pg.types.getTypeParser>[0],
    format?: 'text' | 'binary',
  ) =>
    oid === pg.types.builtins.INT8
      ? (value: string): number => Number(value)
      : (pg.types.getTypeParser(oid, format) as (
          value: string,
        ) => unknown)) as pg.CustomTypesConfig['getTypeParser'],
};

const statementNames = new Map<string, string>();

/**
 * A statement run many times a second (a fold's, an append's dedup) as a named one: each
 * connection parses and analyses it once, then only plans and runs it (PostgreSQL's CPU per event
 * under bench:cluster fell by about a tenth). `text` must be one of a fixed few, never with
 * values spliced in: every connection keeps each named statement it ran. Its columns are listed,
 * not `*`: a prepared statement whose result's columns change under it (a migration by a newer
 * node) fails rather than plan again.
 *
 * Each run is still planned for its values (the pool's connections set `plan_cache_mode` to
 * `force_custom_plan`): PostgreSQL would otherwise settle on a generic plan after five runs, and
 * one made while a table is small (a new installation) stays a sequential scan until the next
 * ANALYZE. Measured: a fold's lookup of its identifiers went from 0.24 to 2.1 ms on a table
 * that grew from nothing to 40,000 rows in 40 s.
 */
export function named(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `tailor_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

/** A pool of connections to one schema of a PostgreSQL database. */
export class PgDatabase {
  private constructor(
    readonly pool: pg.Pool,
    readonly schema: string,
  ) {}

  /** Connects, and creates the schema when it does not exist. */
  static async open(options: PgOptions): Promise<PgDatabase> {
    if (!SCHEMA_NAME.test(options.schema)) {
      throw new Error(
        `PostgreSQL schema "${options.schema}": lower-case letters, digits and _, starting with a letter or _`,
      );
    }
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      // Named statements are planned for their values at each run (see `named`).
      options: `-c search_path=${options.schema} -c plan_cache_mode=force_custom_plan`,
      types,
    });
    pool.on('error', (error) => {
      options.onIdleError?.(error);
    });
    const db = new PgDatabase(pool, options.schema);
    try {
      await db.transaction(async (client) => {
        // Two nodes starting at once: the second waits here instead of failing on a duplicate schema.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `tailor schema ${options.schema}`,
        ]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
      });
    } catch (error) {
      await pool.end();
      throw error;
    }
    return db;
  }

  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back
   * when it throws. A serialization failure or deadlock runs it again (so `work` must not have
   * effects outside the database), up to 5 times. `opening`: statements without parameters sent
   * with the BEGIN in one round trip (each with its own snapshot under READ COMMITTED); `work` is
   * given their results. `durable`: whether the COMMIT waits for the write-ahead log to reach the
   * disk (the default); when it says no for `work`'s result, the transaction commits with
   * `synchronous_commit` off: visible at once and consistent after a crash, but a crash of the
   * server within about 0.6 s (three `wal_writer_delay`) may undo it. Only for work that is
   * derived from elsewhere and done again after such a loss (a fold, from the log).
   */
  async transaction<T>(
    work: (client: pg.PoolClient, opened: pg.QueryResult[]) => Promise<T>,
    isolation: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE' = 'READ COMMITTED',
    opening?: string,
    durable?: (result: T) => boolean,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      client.on('error', heardThroughItsQuery);
      try {
        const begin = `BEGIN ISOLATION LEVEL ${isolation}`;
        let opened: pg.QueryResult[] = [];
        if (opening === undefined) await client.query(begin);
        else
          opened = (
            (await client.query(`${begin}; ${opening}`)) as unknown as pg.QueryResult[]
          ).slice(1);
        const result = await work(client, opened);
        await client.query(
          durable === undefined || durable(result)
            ? 'COMMIT'
            : 'SET LOCAL synchronous_commit TO OFF; COMMIT',
        );
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (attempt < TRANSACTION_ATTEMPTS && RETRYABLE.has(sqlState(error))) continue;
        throw error;
      } finally {
        client.off('error', heardThroughItsQuery);
        client.release(); // one that lost its connection is not queryable: the pool drops it
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * A connection that dies while checked out (the server restarted) fails its query, and also
 * emits 'error' on its client; the pool listens to idle clients only, and an 'error' nobody hears
 * ends the process or thread. The query's rejection is what reports it.
 */
function heardThroughItsQuery(): void {}

/** The SQLSTATE of a PostgreSQL error ('' for any other error). */
export function sqlState(error: unknown): string {
  return typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string'
    ? error.code
    : '';
}
