import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { ExperimentFields } from '../../experiments/experiment-rows.js';

/*
 * What experiment results read of the projection (docs/experiments.md, "Where results are read
 * from"): each event's person keys (`key`, `other`), every exposure with its experiment and
 * variant, and mean metrics' values read from the log by position (metric-values.ts).
 */

/** The events table's columns for experiment results (after attribution's). */
export const EXPERIMENT_EVENT_COLUMNS = 'key BIGINT, other BIGINT';

export const EXPERIMENT_SCHEMA = `
CREATE TABLE IF NOT EXISTS exposures (
  position BIGINT NOT NULL, person INTEGER NOT NULL, key BIGINT NOT NULL, experiment VARCHAR NOT NULL,
  variant VARCHAR NOT NULL, at_ms DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS metric_signals (signal VARCHAR NOT NULL, valued_to BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS metric_values (signal VARCHAR NOT NULL, position BIGINT NOT NULL, value DOUBLE NOT NULL);`;

/**
 * A file made before events carried their people's keys is emptied, then projected again from
 * the log, as when attribution's columns came (emptied first: DuckDB alters no table a
 * transaction changed, so stopped in between it is done again). The keys are the last columns,
 * as rows are appended by position: columns added before them since (attribution's, to a file
 * that had the keys but not those) move them to the end again.
 */
export async function addExperimentColumns(db: DuckDBConnection): Promise<void> {
  const found = await db.runAndReadAll(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position",
  );
  const columns = found.getRows().map((r) => String(r[0]));
  if (columns.slice(-2).join() === 'key,other') return;
  await db.run(
    'BEGIN TRANSACTION; DELETE FROM events; DELETE FROM exposures; DELETE FROM metric_values; DELETE FROM metric_signals; DELETE FROM projection_meta; COMMIT;',
  );
  for (const column of ['key', 'other'])
    if (columns.includes(column)) await db.run(`ALTER TABLE events DROP COLUMN ${column}`);
  await db.run('ALTER TABLE events ADD COLUMN key BIGINT');
  await db.run('ALTER TABLE events ADD COLUMN other BIGINT');
}

/** Appends an event's key columns (the appender's row being the events table's). */
export function appendKeys(appender: DuckDBAppender, fields: ExperimentFields | undefined): void {
  const key = fields?.key ?? null;
  if (key === null) appender.appendNull();
  else appender.appendBigInt(key);
  const other = fields?.other ?? null;
  if (other === null) appender.appendNull();
  else appender.appendBigInt(other);
}

/** Appends an exposure row when the event is one (with a person key). */
export function appendExposure(
  appender: DuckDBAppender,
  position: number,
  person: number,
  at: number,
  fields: ExperimentFields | undefined,
): void {
  const exposure = fields?.exposure;
  if (exposure === undefined || fields?.key === null || fields?.key === undefined) return;
  appender.appendBigInt(BigInt(position));
  appender.appendInteger(person);
  appender.appendBigInt(fields.key);
  appender.appendVarchar(exposure.experiment);
  appender.appendVarchar(exposure.variant);
  appender.appendDouble(at);
  appender.endRow();
}
