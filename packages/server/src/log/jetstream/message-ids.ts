import { named, type PgDatabase } from '../../storage/postgres/pg-database.js';
import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';

/**
 * The log's durable dedup beyond JetStream's window: every messageId the stream holds, with the
 * stream sequence it was stored at. A messageId is a client's random id for one message, not
 * personal data: its row stays when the message is erased, so a resend of an erased message is
 * still refused rather than stored again.
 */
export const LOG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'message ids of the JetStream log',
    up: `CREATE TABLE message_ids (
      message_id text PRIMARY KEY,
      position int8 NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    )`,
  },
];

export const LOG_COMPONENT = 'log';

export class MessageIds {
  private constructor(private readonly db: PgDatabase) {}

  static async open(db: PgDatabase): Promise<MessageIds> {
    await migratePostgres(db, LOG_COMPONENT, LOG_MIGRATIONS);
    return new MessageIds(db);
  }

  /** Those of `ids` already stored (one query). */
  async known(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.db.pool.query<{ message_id: string }>(
      named('SELECT message_id FROM message_ids WHERE message_id = ANY($1::text[])', [ids]),
    );
    return new Set(rows.map((r) => r.message_id));
  }

  /** Records stored messages (one statement; a row already there is kept as it is). */
  async record(stored: readonly { messageId: string; position: number }[]): Promise<void> {
    if (stored.length === 0) return;
    await this.db.pool.query(
      named(
        `INSERT INTO message_ids (message_id, position)
         SELECT * FROM unnest($1::text[], $2::int8[])
         ON CONFLICT (message_id) DO NOTHING`,
        [stored.map((s) => s.messageId), stored.map((s) => s.position)],
      ),
    );
  }
}
