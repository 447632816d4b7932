import { randomUUID } from 'node:crypto';
import type { StoredMessage } from '@tailor/core';
import type {
  Delivery,
  Destination,
  DestinationStore,
  Outcome,
} from '../../destinations/destination-store.js';
import type { Sealer } from '../../privacy/sealer.js';
import { sealedValues, type SealedValues } from '../../privacy/sealed-values.js';
import { bytes } from './pg-bytes.js';
import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../../storage/postgres/pg-database.js';

const COMPONENT = 'destinations';

/**
 * The destinations store's tables. A destination's read position is a column of its row, so moving
 * it and queuing deliveries is one transaction and deleting the destination forgets it. A
 * delivery's `lease_owner` and `lease_until` say which node is sending it and until when.
 */
export const destinationMigrations: readonly PgMigration[] = [
  {
    version: 1,
    name: 'destinations and deliveries',
    up: `
      CREATE TABLE destinations (
        name text PRIMARY KEY,
        body jsonb NOT NULL,
        secret bytea,
        position int8 NOT NULL
      );
      CREATE TABLE deliveries (
        id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        destination text NOT NULL REFERENCES destinations (name) ON DELETE CASCADE,
        message bytea NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_at int8 NOT NULL,
        last_error text,
        created_at timestamptz NOT NULL,
        delivered_at timestamptz,
        lease_owner text,
        lease_until int8,
        user_key text,
        anonymous_key text,
        profile_key text
      );
      CREATE INDEX deliveries_due ON deliveries (next_at, id) WHERE status = 'pending';
      CREATE INDEX deliveries_destination ON deliveries (destination, status, id);
      CREATE INDEX deliveries_finished ON deliveries (created_at) WHERE status <> 'pending';
      CREATE INDEX deliveries_user ON deliveries (user_key) WHERE user_key IS NOT NULL;
      CREATE INDEX deliveries_anonymous ON deliveries (anonymous_key) WHERE anonymous_key IS NOT NULL;
      CREATE INDEX deliveries_profile ON deliveries (profile_key) WHERE profile_key IS NOT NULL;
    `,
  },
];

export interface PgDestinationStoreOptions {
  /**
   * How long a node keeps the deliveries it took from `due` before another node may take them
   * over (ms, on the callers' clocks); 60 s by default. Longer than a delivery attempt may take
   * (`destinations.timeoutMs`), or a slow attempt would be sent twice.
   */
  leaseMs?: number;
}

interface DeliveryRow {
  id: number;
  destination: string;
  message: Buffer;
  status: Delivery['status'];
  attempts: number;
  next_at: number;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

interface DestinationRow {
  name: string;
  body: Omit<Destination, 'secret'>;
  secret: Buffer | null;
}

const PRUNE_PAGE = 5000;
const DELIVERY_COLUMNS =
  'id, destination, message, status, attempts, next_at, last_error, created_at, delivered_at';

/**
 * Destinations and their deliveries on PostgreSQL, for any number of nodes. Secrets and messages
 * are sealed as on SQLite (bound to the destination), and whose a delivery is (blind userId and
 * anonymousId, profile id) is kept beside it for erasure.
 *
 * Several nodes share the outbox through leases. `due` claims what it returns for this store's
 * node (a random id per opened store): it locks the candidate rows with `FOR UPDATE SKIP LOCKED`,
 * so nodes asking at once take disjoint deliveries, and stamps them `lease_owner = node,
 * lease_until = now + leaseMs`. Other nodes' `due` skips a leased delivery until its lease runs
 * out; this node's own `due` returns it again (the dispatcher knows what it has in flight) and
 * renews the lease. `settle` records only outcomes of deliveries this node still holds, and
 * clears the lease. When a node dies, its leases run out and the next node whose `due` passes
 * `lease_until` takes the deliveries over: sent at least once, by one node at a time. Moving a
 * destination's position is conditional (`WHERE position = from`), so two nodes reading the same
 * events queue them once.
 *
 * The database belongs to the caller: `close` leaves its pool open.
 */
export async function openPgDestinationStore(
  db: PgDatabase,
  sealer: Sealer,
  options: PgDestinationStoreOptions = {},
): Promise<DestinationStore> {
  const sealed = sealedValues(sealer);
  await migratePostgres(db, COMPONENT, destinationMigrations);
  const node = randomUUID();
  const leaseMs = options.leaseMs ?? 60_000;
  const toDelivery = (row: DeliveryRow) => deliveryOf(row, sealed);
  const toDestination = (row: DestinationRow) => destinationOf(row, sealed);

  return {
    list: async () =>
      (
        await db.query<DestinationRow>(
          'SELECT name, body, secret FROM destinations ORDER BY name COLLATE "C"',
        )
      ).rows.map(toDestination),
    get: async (name) => {
      const { rows } = await db.query<DestinationRow>(
        'SELECT name, body, secret FROM destinations WHERE name = $1',
        [name],
      );
      return rows[0] && toDestination(rows[0]);
    },
    put: async (destination, position) => {
      const { secret, ...body } = destination;
      // A replaced destination keeps reading from where it was.
      await db.query(
        `INSERT INTO destinations (name, body, secret, position) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET body = excluded.body, secret = excluded.secret`,
        [
          destination.name,
          JSON.stringify(body),
          bytes(sealed.destinationSecret.seal(destination.name, secret)),
          position,
        ],
      );
    },
    delete: async (name) =>
      (await db.query('DELETE FROM destinations WHERE name = $1', [name])).rowCount === 1,
    position: async (name) => {
      const { rows } = await db.query<{ position: number }>(
        'SELECT position FROM destinations WHERE name = $1',
        [name],
      );
      return rows[0]?.position ?? 0;
    },
    enqueue: (name, range, messages, now) =>
      db.transaction(async (client) => {
        const moved = await client.query(
          'UPDATE destinations SET position = $3 WHERE name = $1 AND position = $2',
          [name, range.from, range.to],
        );
        if (moved.rowCount !== 1) return false;
        if (messages.length > 0) {
          await client.query(
            `INSERT INTO deliveries (destination, message, status, next_at, created_at, user_key, anonymous_key, profile_key)
             SELECT $1, m.message, 'pending', $2, $3, m.user_key, m.anonymous_key, m.profile_key
             FROM unnest($4::bytea[], $5::text[], $6::text[], $7::text[])
               WITH ORDINALITY AS m (message, user_key, anonymous_key, profile_key, n)
             ORDER BY m.n`,
            [name, now, new Date(now), ...personColumns(messages, name, sealed)],
          );
        }
        return true;
      }),
    due: async (now, limit, destination) => {
      const { rows } = await db.query<DeliveryRow>(
        `WITH claimed AS (
           SELECT id FROM deliveries
           WHERE status = 'pending' AND next_at <= $1 AND ($4::text IS NULL OR destination = $4)
             AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until <= $1)
           ORDER BY next_at, id
           LIMIT $3
           FOR UPDATE SKIP LOCKED
         )
         UPDATE deliveries d SET lease_owner = $2, lease_until = $1::int8 + $5::int8
         FROM claimed WHERE d.id = claimed.id
         RETURNING ${DELIVERY_COLUMNS.replace(/\w+/g, 'd.$&')}`,
        [now, node, limit, destination ?? null, leaseMs],
      );
      return rows.sort((a, b) => a.next_at - b.next_at || a.id - b.id).map(toDelivery);
    },
    settle: async (outcomes) => {
      if (outcomes.length === 0) return;
      // One statement, so one transaction; a node that lost a delivery's lease records nothing for it.
      await db.query(
        `UPDATE deliveries d SET
           status = CASE WHEN o.delivered THEN 'delivered' WHEN o.give_up THEN 'failed' ELSE 'pending' END,
           attempts = d.attempts + 1,
           delivered_at = CASE WHEN o.delivered THEN o.at ELSE d.delivered_at END,
           next_at = CASE WHEN o.delivered THEN d.next_at ELSE o.next_at END,
           last_error = CASE WHEN o.delivered THEN NULL ELSE o.error END,
           lease_owner = NULL,
           lease_until = NULL
         FROM unnest($1::int8[], $2::bool[], $3::timestamptz[], $4::int8[], $5::text[], $6::bool[])
           AS o (id, delivered, at, next_at, error, give_up)
         WHERE d.id = o.id AND d.status = 'pending' AND d.lease_owner = $7`,
        [...outcomeColumns(outcomes), node],
      );
    },
    deliveries: async (name, { status, limit }) =>
      (
        await db.query<DeliveryRow>(
          `SELECT ${DELIVERY_COLUMNS} FROM deliveries
           WHERE destination = $1 AND ($2::text IS NULL OR status = $2)
           ORDER BY id DESC LIMIT $3`,
          [name, status ?? null, limit],
        )
      ).rows.map(toDelivery),
    counts: async (name) => {
      const { rows } = await db.query<{ status: Delivery['status']; n: number }>(
        'SELECT status, count(*) AS n FROM deliveries WHERE destination = $1 GROUP BY status',
        [name],
      );
      const counts = { pending: 0, delivered: 0, failed: 0 };
      for (const r of rows) counts[r.status] = r.n;
      return counts;
    },
    prune: async (before) => {
      // Pages of rows, each its own statement, so a large backlog never holds locks long.
      let pruned = 0;
      for (let n = PRUNE_PAGE; n === PRUNE_PAGE; pruned += n) {
        const result = await db.query(
          `DELETE FROM deliveries WHERE id IN (
             SELECT id FROM deliveries WHERE status <> 'pending' AND created_at < $1 LIMIT ${PRUNE_PAGE})`,
          [new Date(before)],
        );
        n = result.rowCount ?? 0;
      }
      return pruned;
    },
    erase: async ({ identifiers, profiles }) => {
      const keys = (type: string) =>
        identifiers.filter((i) => i.type === type).map((i) => sealed.blind(type, i.value));
      await db.query(
        `DELETE FROM deliveries WHERE user_key = ANY($1::text[])
           OR anonymous_key = ANY($2::text[]) OR profile_key = ANY($3::text[])`,
        [keys('userId'), keys('anonymousId'), profiles],
      );
    },
    close: () => Promise.resolve(),
  };
}

/** The sealed messages and whose they are, as the arrays `enqueue` inserts. */
function personColumns(
  messages: readonly StoredMessage[],
  destination: string,
  sealed: SealedValues,
): [Buffer[], (string | null)[], (string | null)[], (string | null)[]] {
  const payloads: Buffer[] = [];
  const users: (string | null)[] = [];
  const anonymous: (string | null)[] = [];
  const profiles: (string | null)[] = [];
  for (const m of messages) {
    const profileId = m.properties?.profileId;
    payloads.push(bytes(sealed.delivery.seal(destination, m)));
    users.push(sealed.blind('userId', m.userId));
    anonymous.push(sealed.blind('anonymousId', m.anonymousId));
    profiles.push(typeof profileId === 'string' ? profileId : null);
  }
  return [payloads, users, anonymous, profiles];
}

/** Outcomes as the column arrays `settle` joins on. */
function outcomeColumns(
  outcomes: readonly Outcome[],
): [number[], boolean[], (Date | null)[], (number | null)[], (string | null)[], boolean[]] {
  return [
    outcomes.map((o) => o.id),
    outcomes.map((o) => o.delivered),
    outcomes.map((o) => (o.delivered ? new Date(o.at) : null)),
    outcomes.map((o) => (o.delivered ? null : o.nextAt)),
    outcomes.map((o) => (o.delivered ? null : o.error)),
    outcomes.map((o) => !o.delivered && o.giveUp),
  ];
}

function destinationOf(row: DestinationRow, sealed: SealedValues): Destination {
  return {
    ...row.body,
    secret: row.secret === null ? '' : sealed.destinationSecret.open(row.name, row.secret),
  };
}

function deliveryOf(r: DeliveryRow, sealed: SealedValues): Delivery {
  return {
    id: r.id,
    destination: r.destination,
    message: sealed.delivery.open(r.destination, r.message),
    status: r.status,
    attempts: r.attempts,
    nextAt: r.next_at,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    deliveredAt: r.delivered_at === null ? null : r.delivered_at.toISOString(),
  };
}
