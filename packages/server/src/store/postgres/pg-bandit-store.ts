import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgDatabase, PgQueryable } from '../../storage/postgres/pg-database.js';
import {
  armOf,
  type ArmRow,
  type ArmUpdate,
  type BanditArm,
  type BanditStore,
  type Exposure,
} from '../bandit-store.js';
import { movePosition, POSITION_MIGRATIONS, readPosition } from './pg-consumer-positions.js';

const BANDIT_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'arms and people',
    up: `
      CREATE TABLE bandit_arms (
        placement text COLLATE "C" NOT NULL,
        event text COLLATE "C" NOT NULL,
        within_ms int8 NOT NULL,
        item_id text COLLATE "C" NOT NULL,
        exposures int8 NOT NULL,
        conversions int8 NOT NULL,
        PRIMARY KEY (placement, event, within_ms, item_id)
      );
      CREATE TABLE bandit_people (
        person text NOT NULL,
        event text NOT NULL,
        placement text NOT NULL,
        within_ms int8 NOT NULL,
        item_id text NOT NULL,
        first_at int8 NOT NULL,
        converted boolean NOT NULL,
        PRIMARY KEY (person, event, placement, within_ms, item_id)
      );`,
  },
];

/** The bandits' consumer name among the consumer positions. */
const CONSUMER = 'bandits';

async function readArms(client: PgQueryable): Promise<BanditArm[]> {
  const { rows } = await client.query<ArmRow & { exposures: number; conversions: number }>(
    'SELECT * FROM bandit_arms ORDER BY placement, event, within_ms, item_id',
  );
  return rows.map(armOf);
}

/** Whether each exposure is among the people counted, in one statement for them all. */
async function countedIn(client: PgQueryable, exposures: readonly Exposure[]): Promise<boolean[]> {
  if (exposures.length === 0) return [];
  // The rows found, by their place in the arrays.
  const { rows } = await client.query<{ i: number }>(
    `SELECT a.i FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[])
       WITH ORDINALITY AS a(person, event, placement, within_ms, item_id, i)
     WHERE EXISTS (SELECT 1 FROM bandit_people p WHERE p.person = a.person AND p.event = a.event
       AND p.placement = a.placement AND p.within_ms = a.within_ms AND p.item_id = a.item_id)`,
    [
      exposures.map((e) => e.person),
      exposures.map((e) => e.metric.event),
      exposures.map((e) => e.metric.placement),
      exposures.map((e) => e.metric.withinMs),
      exposures.map((e) => e.itemId),
    ],
  );
  const found = new Set(rows.map((r) => r.i));
  return exposures.map((_, i) => found.has(i + 1));
}

/**
 * The bandit store on PostgreSQL: the same two tables as on SQLite (`bandit_arms` the counts the
 * decider reads, `bandit_people` who was counted), the counts and the stage's position moved in
 * one transaction.
 */
export async function openPgBanditStore(db: PgDatabase): Promise<BanditStore> {
  await migratePostgres(db, 'positions', POSITION_MIGRATIONS);
  await migratePostgres(db, 'bandits', BANDIT_MIGRATIONS);
  const apply = async (client: PgQueryable, u: ArmUpdate): Promise<void> => {
    if (u.kind === 'exposure') {
      const { placement, event, withinMs } = u.metric;
      const exposed = await client.query(
        `INSERT INTO bandit_people (person, event, placement, within_ms, item_id, first_at, converted)
         VALUES ($1, $2, $3, $4, $5, $6, false) ON CONFLICT DO NOTHING`,
        [u.person, event, placement, withinMs, u.itemId, u.at],
      );
      if (exposed.rowCount === 1) {
        await client.query(
          `INSERT INTO bandit_arms (placement, event, within_ms, item_id, exposures, conversions)
           VALUES ($1, $2, $3, $4, 1, 0)
           ON CONFLICT (placement, event, within_ms, item_id)
           DO UPDATE SET exposures = bandit_arms.exposures + 1`,
          [placement, event, withinMs, u.itemId],
        );
      }
      return;
    }
    for (const person of u.people) {
      const { rows } = await client.query<ArmRow>(
        `UPDATE bandit_people SET converted = true
         WHERE person = $1 AND event = $2 AND NOT converted AND first_at <= $3
           AND (within_ms = 0 OR $3 < first_at + within_ms)
         RETURNING placement, event, within_ms, item_id`,
        [person, u.event, u.at],
      );
      for (const r of rows) {
        await client.query(
          `UPDATE bandit_arms SET conversions = conversions + 1
           WHERE placement = $1 AND event = $2 AND within_ms = $3 AND item_id = $4`,
          [r.placement, r.event, r.within_ms, r.item_id],
        );
      }
    }
  };
  return {
    position: () => readPosition(db.pool, CONSUMER),
    fold: (range, updates) =>
      db.transaction(async (client) => {
        // Past `from` means another process counted these events.
        if (!(await movePosition(client, CONSUMER, range.from, range.to))) return false;
        for (const u of updates) await apply(client, u);
        return true;
      }),
    arms: () => readArms(db.pool),
    // Both read in one snapshot: no fold commits between the counts and the exposures found.
    armsHolding: async (exposures) =>
      exposures.length === 0
        ? { arms: await readArms(db.pool), counted: [] } // one statement: nothing to hold
        : db.transaction(
            async (client) => ({
              arms: await readArms(client),
              counted: await countedIn(client, exposures),
            }),
            'REPEATABLE READ',
          ),
    erase: async (people) => {
      if (people.length === 0) return;
      await db.transaction(async (client) => {
        const { rows } = await client.query<ArmRow & { converted: boolean }>(
          `DELETE FROM bandit_people WHERE person = ANY($1::text[])
           RETURNING placement, event, within_ms, item_id, converted`,
          [[...people]],
        );
        for (const r of rows) {
          await client.query(
            `UPDATE bandit_arms SET exposures = greatest(0, exposures - 1),
               conversions = greatest(0, conversions - $1)
             WHERE placement = $2 AND event = $3 AND within_ms = $4 AND item_id = $5`,
            [r.converted ? 1 : 0, r.placement, r.event, r.within_ms, r.item_id],
          );
        }
      });
    },
    close: () => Promise.resolve(), // the pool is the storage's
  };
}
