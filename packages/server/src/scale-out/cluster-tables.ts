import type { PgMigration } from '../storage/postgres/migrate-postgres.js';

/** The nodes of an installation and the leases they hold, on PostgreSQL (component 'cluster'). */
export const CLUSTER_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'nodes and leases',
    up: `
      CREATE TABLE cluster_nodes (
        node text PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE leases (
        name text PRIMARY KEY,
        owner text,
        expires_at timestamptz NOT NULL,
        -- How many times the lease changed hands: a holder can tell it lost it in between.
        epoch int8 NOT NULL DEFAULT 0
      );`,
  },
];
