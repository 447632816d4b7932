import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';

/** This test run's database URL (made by the global setup); throws why when PostgreSQL is not up. */
export function testPostgresUrl(): string {
  const url = inject('postgresUrl');
  if (url === '') throw new Error(`these tests need PostgreSQL: ${inject('postgresError')}`);
  return url;
}

/** A new, empty schema in this run's database (dropped with the database at the end of the run). */
export function freshSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** A pool on a new, empty schema of this run's database. */
export function openTestDatabase(): Promise<PgDatabase> {
  return PgDatabase.open({ url: testPostgresUrl(), schema: freshSchemaName(), maxConnections: 4 });
}
