import type { PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgQueryable } from '../../storage/postgres/pg-database.js';

/** Where each log consumer has read to (component 'positions'), beside the state it derives. */
export const POSITION_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'consumer positions',
    up: `CREATE TABLE consumer_positions (consumer text PRIMARY KEY, position int8 NOT NULL)`,
  },
];

/** A consumer's position (0 before its first move). */
export async function readPosition(client: PgQueryable, consumer: string): Promise<number> {
  const { rows } = await client.query<{ position: number }>(
    'SELECT position FROM consumer_positions WHERE consumer = $1',
    [consumer],
  );
  return rows[0]?.position ?? 0;
}

/** Several consumers' positions, in the order given (0 for one that has not moved). */
export async function readPositions(
  client: PgQueryable,
  consumers: readonly string[],
): Promise<number[]> {
  const { rows } = await client.query<{ consumer: string; position: number }>(
    'SELECT consumer, position FROM consumer_positions WHERE consumer = ANY($1::text[])',
    [consumers],
  );
  const at = new Map(rows.map((r) => [r.consumer, r.position]));
  return consumers.map((c) => at.get(c) ?? 0);
}

/**
 * Inside a transaction: locks the consumer's row and, when it is not past `from` (with `exact`:
 * when it is at `from`), moves it to `to` (true); false when another process already moved it
 * (the caller writes nothing).
 * The row lock holds until the transaction ends, so two folds of one consumer take turns.
 */
export async function movePosition(
  client: PgQueryable,
  consumer: string,
  from: number,
  to: number,
  exact = false,
): Promise<boolean> {
  await client.query(
    'INSERT INTO consumer_positions (consumer, position) VALUES ($1, 0) ON CONFLICT DO NOTHING',
    [consumer],
  );
  const { rows } = await client.query<{ position: number }>(
    'SELECT position FROM consumer_positions WHERE consumer = $1 FOR UPDATE',
    [consumer],
  );
  const at = rows[0]?.position ?? 0;
  if (exact ? at !== from : at > from) return false;
  await client.query('UPDATE consumer_positions SET position = $2 WHERE consumer = $1', [
    consumer,
    to,
  ]);
  return true;
}
