// Vitest's global setup: one PostgreSQL database and one NATS name prefix for this test run,
// dropped at its end. Test files take a schema or prefix of their own inside them
// (test/support/postgres.ts, test/support/nats.ts). When a server is not up, the tests that need
// it fail with the reason; the others still run.
import pg from 'pg';
import type { TestProject } from 'vitest/node';

const ADMIN_URL =
  process.env.TAILOR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's database, or '' when PostgreSQL could not be reached. */
    postgresUrl: string;
    /** Why `postgresUrl` is empty. */
    postgresError: string;
    /** The prefix of every NATS stream and subject this run creates. */
    natsPrefix: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = `tailor_test_${Date.now().toString(36)}_${process.pid.toString(36)}`;
  project.provide('natsPrefix', run);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${run}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    project.provide('postgresUrl', '');
    project.provide('postgresError', `PostgreSQL at ${ADMIN_URL}: ${String(error)}`);
    return async () => {};
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${run}`;
  project.provide('postgresUrl', url.toString());
  project.provide('postgresError', '');
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${run} WITH (FORCE)`);
    await admin.end();
    await dropNatsStreams(run);
  };
}

/** Deletes the streams this run created (named with its prefix). */
async function dropNatsStreams(prefix: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const servers = process.env.TAILOR_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
  const nc = await connect({ servers, timeout: 2000 }).catch(() => undefined);
  if (nc === undefined) return;
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(prefix)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}
