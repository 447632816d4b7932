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

/** One consumer's move in a fold: from where it is to where the fold reaches. */
export interface ConsumerMove {
  consumer: string;
  from: number;
  to: number;
}

/**
 * Inside a transaction: moves every consumer that is exactly at its `from` to its `to` (one
 * statement; a missing row counts as position 0), and says whether all of them were. The rows stay
 * locked to the transaction's end, so two folds of one consumer take turns; when one was not where
 * expected (another process folded first), the caller rolls back what moved.
 */
export async function movePositions(
  client: PgQueryable,
  moves: readonly ConsumerMove[],
): Promise<boolean> {
  const { rows } = await client.query<{ consumer: string }>(movePositionsStatement(moves));
  return positionsMoved(client, moves, rows);
}

/**
 * The statement of `movePositions`, its values written in (no parameters), so that it can go with
 * the transaction's BEGIN in one round trip (PgDatabase.transaction's `opening`); its rows go to
 * `positionsMoved`. Consumer names are quoted as string literals, positions must be integers.
 */
export function movePositionsStatement(moves: readonly ConsumerMove[]): string {
  const ordered = [...moves].sort((a, b) => (a.consumer < b.consumer ? -1 : 1)); // lock order
  const values = ordered.map(({ consumer, from, to }) => {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to))
      throw new Error(`consumer ${consumer}: positions must be integers (${from} to ${to})`);
    return `('${consumer.replaceAll("'", "''")}', ${String(from)}::int8, ${String(to)}::int8)`;
  });
  return `UPDATE consumer_positions c SET position = w.to_position
       FROM (VALUES ${values.join(', ')}) AS w(consumer, from_position, to_position)
      WHERE c.consumer = w.consumer AND c.position = w.from_position
     RETURNING c.consumer`;
}

/**
 * Whether every move was made, given the consumers `movePositionsStatement` moved; consumers never
 * moved before have no row yet: made here, at their first fold's end.
 */
export async function positionsMoved(
  client: PgQueryable,
  moves: readonly ConsumerMove[],
  movedRows: readonly { consumer: string }[],
): Promise<boolean> {
  if (movedRows.length === moves.length) return true;
  const moved = new Set(movedRows.map((r) => r.consumer));
  const first = moves.filter((m) => !moved.has(m.consumer) && m.from === 0);
  if (first.length + moved.size < moves.length) return false;
  const { rowCount } = await client.query(
    `INSERT INTO consumer_positions (consumer, position)
     SELECT * FROM unnest($1::text[], $2::int8[]) ON CONFLICT DO NOTHING`,
    [first.map((m) => m.consumer), first.map((m) => m.to)],
  );
  return rowCount === first.length;
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
