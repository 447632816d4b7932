import type Database from 'better-sqlite3';
import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import {
  armOf,
  type ArmRow,
  type ArmUpdate,
  type BanditArm,
  type BanditStore,
  type Exposure,
} from '../bandit-store.js';
import { consumerPositions } from './sqlite-consumer-positions.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';

/** Version 1 is the schema as created before versioned migrations (idempotent on such a file). */
const BASELINE = `
CREATE TABLE IF NOT EXISTS bandit_arms (
  placement TEXT NOT NULL,
  event TEXT NOT NULL,
  within_ms INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  exposures INTEGER NOT NULL,
  conversions INTEGER NOT NULL,
  PRIMARY KEY (placement, event, within_ms, item_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bandit_people (
  person TEXT NOT NULL,
  event TEXT NOT NULL,
  placement TEXT NOT NULL,
  within_ms INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  first_at INTEGER NOT NULL,
  converted INTEGER NOT NULL,
  PRIMARY KEY (person, event, placement, within_ms, item_id)
) WITHOUT ROWID;
`;

/** This store's component in `schema_migrations`. */
export const BANDIT_COMPONENT = 'bandits';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const BANDIT_MIGRATIONS: readonly SqliteMigration[] = [
  { version: 1, name: 'baseline', up: BASELINE },
];

/** The bandits' consumer name in the `consumers` table. */
const CONSUMER = 'bandits';

/**
 * Drops every count and the stage's position, so the bandits are counted again from the log: what
 * a new blind index needs (people are kept by their blind, with nothing to compute a new one from).
 */
export function forgetBanditCounts(db: Database.Database): void {
  migrateSqlite(db, BANDIT_COMPONENT, BANDIT_MIGRATIONS);
  db.transaction(() => {
    db.exec('DELETE FROM bandit_people; DELETE FROM bandit_arms;');
    consumerPositions(db).forget(CONSUMER);
  })();
}

/**
 * The embedded bandit store, in `state.sqlite`: `bandit_arms` holds the counts the decider reads
 * (one row per placement, metric and item), `bandit_people` who was counted (one row per person
 * and item shown: their first exposure, and whether they converted).
 */
export function openSqliteBanditStore(file: string, sqlite: SqliteOptions = {}): BanditStore {
  const db: Database.Database = openSqlite(file, sqlite);
  migrateSqlite(db, BANDIT_COMPONENT, BANDIT_MIGRATIONS);
  const positions = consumerPositions(db);
  const q = {
    expose: db.prepare(
      'INSERT INTO bandit_people (person, event, placement, within_ms, item_id, first_at, converted) VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING',
    ),
    countExposure: db.prepare(
      `INSERT INTO bandit_arms (placement, event, within_ms, item_id, exposures, conversions) VALUES (?, ?, ?, ?, 1, 0)
       ON CONFLICT DO UPDATE SET exposures = exposures + 1`,
    ),
    convert: db.prepare(
      `UPDATE bandit_people SET converted = 1
       WHERE person = ? AND event = ? AND converted = 0 AND first_at <= ? AND (within_ms = 0 OR ? < first_at + within_ms)
       RETURNING placement, event, within_ms, item_id`,
    ),
    countConversion: db.prepare(
      'UPDATE bandit_arms SET conversions = conversions + 1 WHERE placement = ? AND event = ? AND within_ms = ? AND item_id = ?',
    ),
    forget: db.prepare(
      'DELETE FROM bandit_people WHERE person = ? RETURNING placement, event, within_ms, item_id, converted',
    ),
    uncount: db.prepare(
      `UPDATE bandit_arms SET exposures = max(0, exposures - 1), conversions = max(0, conversions - ?)
       WHERE placement = ? AND event = ? AND within_ms = ? AND item_id = ?`,
    ),
    arms: db.prepare('SELECT * FROM bandit_arms ORDER BY placement, event, within_ms, item_id'),
    counted: db
      .prepare(
        'SELECT 1 FROM bandit_people WHERE person = ? AND event = ? AND placement = ? AND within_ms = ? AND item_id = ?',
      )
      .pluck(),
  };
  const readArms = (): BanditArm[] =>
    (q.arms.all() as (ArmRow & { exposures: number; conversions: number })[]).map(armOf);
  // One read transaction: the counts and the exposures they hold from one snapshot.
  const armsHolding = db.transaction((exposures: readonly Exposure[]) => ({
    arms: readArms(),
    counted: exposures.map(
      ({ metric, itemId, person }) =>
        q.counted.get(person, metric.event, metric.placement, metric.withinMs, itemId) !==
        undefined,
    ),
  }));
  const apply = (u: ArmUpdate): void => {
    if (u.kind === 'exposure') {
      const { placement, event, withinMs } = u.metric;
      if (q.expose.run(u.person, event, placement, withinMs, u.itemId, u.at).changes === 1) {
        q.countExposure.run(placement, event, withinMs, u.itemId);
      }
      return;
    }
    for (const person of u.people) {
      for (const r of q.convert.all(person, u.event, u.at, u.at) as ArmRow[])
        q.countConversion.run(r.placement, r.event, r.within_ms, r.item_id);
    }
  };
  const fold = db.transaction(
    (range: { from: number; to: number }, updates: readonly ArmUpdate[]) => {
      // Past `from` means another process counted these events (this one may skip writing batches with nothing to count).
      if (positions.get(CONSUMER) > range.from) return false;
      for (const u of updates) apply(u);
      positions.set(CONSUMER, range.to);
      return true;
    },
  );
  const erase = db.transaction((people: readonly string[]) => {
    for (const person of people) {
      for (const r of q.forget.all(person) as (ArmRow & { converted: number })[])
        q.uncount.run(r.converted, r.placement, r.event, r.within_ms, r.item_id);
    }
  });
  return {
    position: () => Promise.resolve(positions.get(CONSUMER)),
    fold: (range, updates) => Promise.resolve(fold(range, updates)),
    arms: () => Promise.resolve(readArms()),
    armsHolding: (exposures) => Promise.resolve(armsHolding(exposures)),
    erase: (people) => {
      if (people.length > 0) erase(people);
      return Promise.resolve();
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
