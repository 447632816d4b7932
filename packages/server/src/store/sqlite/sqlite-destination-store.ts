import type Database from 'better-sqlite3';
import type { StoredMessage } from '@tailor/core';
import type {
  Delivery,
  Destination,
  Outcome,
  DestinationStore,
} from '../../destinations/destination-store.js';
import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import { plainSealer, type Sealer } from '../../privacy/sealer.js';
import { sealedValues, type SealedValues } from '../../privacy/sealed-values.js';
import { consumerPositions } from './sqlite-consumer-positions.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';

/** The tables as created before versioned migrations (idempotent on such a file). */
const BASELINE = `
CREATE TABLE IF NOT EXISTS destinations (
  name TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  secret BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY,
  destination TEXT NOT NULL,
  message TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT,
  user_key TEXT,
  anonymous_key TEXT,
  profile_key TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_destination ON deliveries (destination, status, id);
`;

/** This store's component in `schema_migrations`. */
export const DESTINATION_STORE_COMPONENT = 'destinations';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const DESTINATION_STORE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'baseline',
    up: (db) => {
      db.exec(BASELINE);
      addPersonColumns(db);
      addSecretColumn(db);
    },
  },
];

interface DeliveryRow {
  id: number;
  destination: string;
  message: string | Buffer;
  status: Delivery['status'];
  attempts: number;
  next_at: number;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

interface DestinationRow {
  name: string;
  body: string;
  secret: string | Buffer | null;
}

const consumer = (name: string) => `destination:${name}`;
const PRUNE_PAGE = 5000;

/**
 * Destinations and their deliveries in `state.sqlite`. A delivery's message is sealed by the
 * sealer; whose it is (blind userId and anonymousId, profile id) is kept beside it for erasure.
 */
export function openSqliteDestinationStore(
  file: string,
  sqlite: SqliteOptions = {},
  sealer: Sealer = plainSealer,
): DestinationStore {
  const sealed = sealedValues(sealer);
  const db: Database.Database = openSqlite(file, sqlite);
  migrateSqlite(db, DESTINATION_STORE_COMPONENT, DESTINATION_STORE_MIGRATIONS);
  sealSecrets(db, sealed);
  const toDelivery = (r: DeliveryRow) => delivery(r, sealed);
  const q = {
    insert: db.prepare(
      `INSERT INTO deliveries (destination, message, status, next_at, created_at, user_key, anonymous_key, profile_key)
       VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)`,
    ),
    delivered: db.prepare(
      "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?",
    ),
    failed: db.prepare(
      'UPDATE deliveries SET status = ?, attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?',
    ),
    // The dispatcher reads these on every wake (every commit under load): prepared once.
    list: db.prepare('SELECT name, body, secret FROM destinations ORDER BY name'),
    due: db.prepare(
      "SELECT * FROM deliveries WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?",
    ),
    dueOf: db.prepare(
      "SELECT * FROM deliveries WHERE status = 'pending' AND destination = ? AND next_at <= ? ORDER BY next_at, id LIMIT ?",
    ),
    prune: db.prepare(
      `DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE status != 'pending' AND created_at < ? LIMIT ${PRUNE_PAGE})`,
    ),
  };
  const toDestination = (row: DestinationRow) => destinationOf(row, sealed);
  const positions = consumerPositions(db);
  const positionOf = (name: string) => positions.get(consumer(name));
  const enqueue = db.transaction(
    (
      name: string,
      range: { from: number; to: number },
      messages: readonly StoredMessage[],
      now: number,
    ) => {
      if (positionOf(name) !== range.from) return false;
      const at = new Date(now).toISOString();
      for (const m of messages) {
        const profileId = m.properties?.profileId;
        q.insert.run(
          name,
          sealed.delivery.seal(name, m),
          now,
          at,
          sealed.blind('userId', m.userId),
          sealed.blind('anonymousId', m.anonymousId),
          typeof profileId === 'string' ? profileId : null,
        );
      }
      positions.set(consumer(name), range.to);
      return true;
    },
  );
  const settle = db.transaction((outcomes: readonly Outcome[]) => {
    for (const o of outcomes) {
      if (o.delivered) q.delivered.run(new Date(o.at).toISOString(), o.id);
      else q.failed.run(o.giveUp ? 'failed' : 'pending', o.nextAt, o.error, o.id);
    }
  });
  const put = db.transaction((destination: Destination, position: number) => {
    const existed =
      db.prepare('SELECT 1 FROM destinations WHERE name = ?').get(destination.name) !== undefined;
    const { secret, ...body } = destination;
    db.prepare(
      'INSERT INTO destinations (name, body, secret) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, secret = excluded.secret',
    ).run(
      destination.name,
      JSON.stringify(body),
      sealed.destinationSecret.seal(destination.name, secret),
    );
    if (!existed) positions.set(consumer(destination.name), position);
  });
  const remove = db.transaction((name: string) => {
    db.prepare('DELETE FROM deliveries WHERE destination = ?').run(name);
    positions.forget(consumer(name));
    return db.prepare('DELETE FROM destinations WHERE name = ?').run(name).changes === 1;
  });
  return {
    list: () => Promise.resolve((q.list.all() as DestinationRow[]).map(toDestination)),
    get: (name) => {
      const row = db
        .prepare('SELECT name, body, secret FROM destinations WHERE name = ?')
        .get(name) as DestinationRow | undefined;
      return Promise.resolve(row === undefined ? undefined : toDestination(row));
    },
    put: (destination, position) => {
      put(destination, position);
      return Promise.resolve();
    },
    delete: (name) => Promise.resolve(remove(name)),
    position: (name) => Promise.resolve(positionOf(name)),
    enqueue: (name, range, messages, now) =>
      Promise.resolve(enqueue.immediate(name, range, messages, now)),
    due: (now, limit, destination) =>
      Promise.resolve(
        (
          (destination === undefined
            ? q.due.all(now, limit)
            : q.dueOf.all(destination, now, limit)) as DeliveryRow[]
        ).map(toDelivery),
      ),
    prune: (before) => {
      // Pages of rows, each its own commit, so a large backlog never holds the database long.
      const at = new Date(before).toISOString();
      let pruned = 0;
      for (let n = PRUNE_PAGE; n === PRUNE_PAGE; pruned += n) n = q.prune.run(at).changes;
      return Promise.resolve(pruned);
    },
    settle: (outcomes) => {
      settle(outcomes);
      return Promise.resolve();
    },
    deliveries: (name, { status, limit }) =>
      Promise.resolve(
        (status === undefined
          ? (db
              .prepare('SELECT * FROM deliveries WHERE destination = ? ORDER BY id DESC LIMIT ?')
              .all(name, limit) as DeliveryRow[])
          : (db
              .prepare(
                'SELECT * FROM deliveries WHERE destination = ? AND status = ? ORDER BY id DESC LIMIT ?',
              )
              .all(name, status, limit) as DeliveryRow[])
        ).map(toDelivery),
      ),
    counts: (name) => {
      const rows = db
        .prepare(
          'SELECT status, count(*) AS n FROM deliveries WHERE destination = ? GROUP BY status',
        )
        .all(name) as { status: Delivery['status']; n: number }[];
      const counts = { pending: 0, delivered: 0, failed: 0 };
      for (const r of rows) counts[r.status] = r.n;
      return Promise.resolve(counts);
    },
    erase: ({ identifiers, profiles }) => {
      const keys = (type: string) =>
        JSON.stringify(
          identifiers.filter((i) => i.type === type).map((i) => sealed.blind(type, i.value)),
        );
      db.prepare(
        `DELETE FROM deliveries WHERE user_key IN (SELECT value FROM json_each(?))
           OR anonymous_key IN (SELECT value FROM json_each(?))
           OR profile_key IN (SELECT value FROM json_each(?))`,
      ).run(keys('userId'), keys('anonymousId'), JSON.stringify(profiles));
      db.pragma('wal_checkpoint(TRUNCATE)');
      return Promise.resolve();
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

/** Folders made before deliveries named their person: fill the columns from the (then plain) messages. */
function addPersonColumns(db: Database.Database): void {
  const columns = (db.prepare('PRAGMA table_info(deliveries)').all() as { name: string }[]).map(
    (c) => c.name,
  );
  if (columns.includes('user_key')) return;
  db.exec(`ALTER TABLE deliveries ADD COLUMN user_key TEXT;
    ALTER TABLE deliveries ADD COLUMN anonymous_key TEXT;
    ALTER TABLE deliveries ADD COLUMN profile_key TEXT;
    UPDATE deliveries SET user_key = json_extract(message, '$.userId'), anonymous_key = json_extract(message, '$.anonymousId'),
      profile_key = json_extract(message, '$.properties.profileId');`);
}

/** Folders made before secrets were sealed have no column for them. */
function addSecretColumn(db: Database.Database): void {
  const columns = (db.prepare('PRAGMA table_info(destinations)').all() as { name: string }[]).map(
    (c) => c.name,
  );
  if (!columns.includes('secret')) db.exec('ALTER TABLE destinations ADD COLUMN secret BLOB');
}

/**
 * Folders made before secrets were sealed kept each in its definition's JSON: move it to the sealed
 * column (secure_delete overwrites the old text; the checkpoint empties the write-ahead log of it).
 */
function sealSecrets(db: Database.Database, sealed: SealedValues): void {
  const plain = db
    .prepare(
      "SELECT name, json_extract(body, '$.secret') AS secret FROM destinations WHERE json_extract(body, '$.secret') IS NOT NULL",
    )
    .all() as { name: string; secret: string }[];
  if (plain.length === 0) return;
  const move = db.prepare(
    "UPDATE destinations SET secret = ?, body = json_remove(body, '$.secret') WHERE name = ?",
  );
  db.transaction(() => {
    for (const row of plain)
      move.run(sealed.destinationSecret.seal(row.name, row.secret), row.name);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
}

function destinationOf(row: DestinationRow, sealed: SealedValues): Destination {
  return {
    ...(JSON.parse(row.body) as Omit<Destination, 'secret'>),
    secret: row.secret === null ? '' : sealed.destinationSecret.open(row.name, row.secret),
  };
}

function delivery(r: DeliveryRow, sealed: SealedValues): Delivery {
  return {
    id: r.id,
    destination: r.destination,
    message: sealed.delivery.open(r.destination, r.message),
    status: r.status,
    attempts: r.attempts,
    nextAt: r.next_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  };
}
