import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoggedEvent } from '../../log/event-log.js';
import { experimentFieldsOf, type ExperimentKey } from '../../experiments/experiment-rows.js';
import { EXPOSURE_EVENT } from '../../experiments/exposure-event.js';
import {
  propertyPath,
  readPath,
  type ExposureQuery,
  type Exposures,
} from '../../experiments/read-exposures.js';
import { EventColumns } from '../../experiments/event-columns.js';
import { literal, MetricValues } from './metric-values.js';

/**
 * The log's events after what the projection holds (not folded yet), as experiment rows: the
 * query's exposures and its metrics' events, with their values read from the messages.
 */
export class ExperimentTail {
  eventsRead = 0;
  readonly exposures: { position: number; key: bigint; variant: string; at: number }[] = [];
  readonly events: {
    position: number;
    code: number;
    key: bigint;
    other: bigint | null;
    at: number;
    values: (number | null)[];
  }[] = [];
  private readonly codes: Map<string, number>;
  private readonly paths: (string[] | undefined)[];

  constructor(
    private readonly query: ExposureQuery,
    private readonly keyOf: ExperimentKey,
  ) {
    this.codes = eventCodes(query);
    this.paths = query.metrics.map((m) =>
      m.property === undefined ? undefined : propertyPath(m.property),
    );
  }

  add(events: readonly LoggedEvent[]): void {
    this.eventsRead += events.length;
    for (const { position, message } of events) {
      const code = message.event === undefined ? undefined : this.codes.get(message.event);
      const exposure = message.event === EXPOSURE_EVENT;
      if (code === undefined && !exposure) continue;
      const fields = experimentFieldsOf(message, this.keyOf);
      if (fields.key === null) continue;
      const at = Date.parse(message.timestamp);
      if (fields.exposure !== undefined) {
        if (fields.exposure.experiment === this.query.name)
          this.exposures.push({ position, key: fields.key, variant: fields.exposure.variant, at });
        continue;
      }
      if (code === undefined) continue;
      const values = this.paths.map((path) => {
        if (path === undefined) return null;
        const value = readPath(message.properties, path);
        return typeof value === 'number' && Number.isFinite(value) ? value : null;
      });
      this.events.push({ position, code, key: fields.key, other: fields.other, at, values });
    }
  }
}

/** Each metric event name (but exposures, never a metric event) to a small code, in metric order. */
function eventCodes(query: ExposureQuery): Map<string, number> {
  const codes = new Map<string, number>();
  for (const m of query.metrics)
    if (m.event !== EXPOSURE_EVENT && !codes.has(m.event)) codes.set(m.event, codes.size);
  return codes;
}

/**
 * An experiment's exposures and metric events from the projection's columns and the log's
 * tail, in the log pass's shape (readExposures), so the same analysis runs on it and gives the
 * same answer: each person's first exposure with a known variant (by log position), people
 * numbered in the order the log pass meets them, metric events in log order with their values.
 * DuckDB does the grouping and the joins; only the assigned people and the metric events come out.
 */
export async function readExperimentColumns(
  db: DuckDBConnection,
  query: ExposureQuery,
  nameId: (name: string) => number | undefined,
  tail: ExperimentTail,
): Promise<Exposures> {
  const codes = eventCodes(query);
  const means = query.metrics.map((m, j) => ({ ...m, j })).filter((m) => m.property !== undefined);
  await writeTail(db, tail, means);
  const range = (at: string): string =>
    [
      Number.isFinite(query.from) ? `${at} >= ${query.from}` : 'TRUE',
      Number.isFinite(query.stop) ? `${at} < ${query.stop}` : 'TRUE',
    ].join(' AND ');
  const ids = [...codes].flatMap(([name, code]) => {
    const id = nameId(name);
    return id === undefined ? [] : [[id, code] as const];
  });
  const valueColumns = means.map((_, k) => `v${k}`);
  const codeOf =
    ids.length === 0
      ? '-1'
      : `CASE e.name_id ${ids.map(([id, code]) => `WHEN ${id} THEN ${code}`).join(' ')} ELSE -1 END`;
  // Revenue is on every track event already; other properties were read from the log.
  const joins = means
    .map((m, k) =>
      MetricValues.isRevenue(m.property as string)
        ? ''
        : `LEFT JOIN metric_values v${k} ON v${k}.signal = ${literal(MetricValues.signalOf({ event: m.event, property: m.property as string }))} AND v${k}.position = e.position`,
    )
    .join(' ');
  const valueOf = (m: { property?: string | undefined }, k: number): string =>
    MetricValues.isRevenue(m.property as string) ? 'e.revenue' : `v${k}.value`;
  await db.run(`CREATE OR REPLACE TEMP TABLE x_metric AS
    SELECT e.position::DOUBLE AS position, ${codeOf} AS code,
      e.at_ms, e.key, e.other${means.map((m, k) => `, ${valueOf(m, k)} AS v${k}`).join('')}
    FROM events e ${joins}
    WHERE e.name_id IN (${ids.length === 0 ? '-1' : ids.map(([id]) => id).join(',')}) AND e.key IS NOT NULL AND ${range('e.at_ms')}
    UNION ALL
    SELECT position, code, at_ms, key, other${valueColumns.map((v) => `, ${v}`).join('')}
    FROM x_tail_events WHERE ${range('at_ms')}`);
  // People are numbered as the log pass meets them: at their first exposure, or earlier at a
  // metric event naming them (as either identifier).
  const variants = `[${query.variants.map(literal).join(',')}]`;
  await db.run(`CREATE OR REPLACE TEMP TABLE x_assigned AS
    WITH firsts AS (
      SELECT key, arg_min(v, position) AS variant, min(position) AS first,
        arg_min(at_ms, position) AS at_ms, count(*) AS n
      FROM (
        SELECT key, position::DOUBLE AS position, at_ms, list_position(${variants}, variant) - 1 AS v
        FROM exposures WHERE experiment = ${literal(query.name)}
        UNION ALL
        SELECT key, position, at_ms, list_position(${variants}, variant) - 1 FROM x_tail_exposures
      ) WHERE v >= 0 GROUP BY key
    ), seen AS (
      SELECT k, min(position) AS p FROM (
        SELECT key AS k, position FROM x_metric UNION ALL SELECT other, position FROM x_metric WHERE other IS NOT NULL
      ) GROUP BY k
    )
    SELECT key, (row_number() OVER (ORDER BY least(first, coalesce(p, first))) - 1)::INTEGER AS id,
      variant::INTEGER AS variant, at_ms, n
    FROM firsts LEFT JOIN seen ON seen.k = firsts.key`);
  const counted = await db.runAndReadAll(
    'SELECT count(*)::DOUBLE, coalesce(sum(n), 0)::DOUBLE FROM x_assigned',
  );
  const [people, exposureEvents] = (counted.getRows()[0] ?? [0, 0]).map(Number) as [number, number];
  const variant = new Int8Array(Math.max(1, people)).fill(-1);
  const assignedAt = new Float64Array(Math.max(1, people));
  const assigned = await db.run('SELECT id, variant, at_ms FROM x_assigned');
  for (let c = 0; c < assigned.chunkCount; c++) {
    const chunk = assigned.getChunk(c);
    const id = chunk.getColumnVector(0);
    const v = chunk.getColumnVector(1);
    const at = chunk.getColumnVector(2);
    const count = chunk.rowCount;
    for (let i = 0; i < count; i++) {
      const p = id.getItem(i) as number;
      variant[p] = v.getItem(i) as number;
      assignedAt[p] = at.getItem(i) as number;
    }
  }
  const events = await readMetricEvents(db, query, codes, means);
  await db.run(
    'DROP TABLE x_metric; DROP TABLE x_assigned; DROP TABLE x_tail_exposures; DROP TABLE x_tail_events',
  );
  return { exposureEvents, eventsRead: tail.eventsRead, variant, assignedAt, people, events };
}

/** The metric events in log order, one row per metric they count for (readExposures' columns). */
async function readMetricEvents(
  db: DuckDBConnection,
  query: ExposureQuery,
  codes: Map<string, number>,
  means: { j: number }[],
): Promise<Exposures['events']> {
  const metricsOf: number[][] = [...codes.keys()].map(() => []);
  query.metrics.forEach((m, j) => metricsOf[codes.get(m.event) ?? -1]?.push(j));
  const column = new Int32Array(query.metrics.length).fill(-1);
  means.forEach(({ j }, k) => (column[j] = 4 + k));
  const out = new EventColumns();
  const result =
    await db.run(`SELECT m.code, m.at_ms, coalesce(a.id, -1), coalesce(b.id, -1)${means.map((_, k) => `, m.v${k}`).join('')}
    FROM x_metric m LEFT JOIN x_assigned a ON a.key = m.key LEFT JOIN x_assigned b ON b.key = m.other
    ORDER BY m.position`);
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const vectors = Array.from({ length: 4 + means.length }, (_, i) => chunk.getColumnVector(i));
    const [code, at, person, other] = vectors as [
      (typeof vectors)[number],
      (typeof vectors)[number],
      (typeof vectors)[number],
      (typeof vectors)[number],
    ];
    const count = chunk.rowCount;
    for (let i = 0; i < count; i++) {
      const metrics = metricsOf[code.getItem(i) as number];
      if (metrics === undefined) continue;
      const p = person.getItem(i) as number;
      const o = other.getItem(i) as number;
      const t = at.getItem(i) as number;
      for (const j of metrics) {
        const k = column[j] as number;
        let value = 1;
        if (k >= 0) {
          const read = vectors[k]?.getItem(i);
          if (typeof read !== 'number') continue;
          value = read;
        }
        out.push(p, o, j, t, value);
      }
    }
  }
  return out.columns();
}

/** The tail's rows in temporary tables, read with the projected ones. */
async function writeTail(
  db: DuckDBConnection,
  tail: ExperimentTail,
  means: readonly { j: number }[],
): Promise<void> {
  const valueColumns = means.map((_, k) => `, v${k} DOUBLE`).join('');
  await db.run(`CREATE OR REPLACE TEMP TABLE x_tail_exposures (position DOUBLE, key BIGINT, variant VARCHAR, at_ms DOUBLE);
    CREATE OR REPLACE TEMP TABLE x_tail_events (position DOUBLE, code INTEGER, at_ms DOUBLE, key BIGINT, other BIGINT${valueColumns})`);
  const exposures = await db.createAppender('x_tail_exposures', 'main', 'temp');
  for (const e of tail.exposures) {
    exposures.appendDouble(e.position);
    exposures.appendBigInt(e.key);
    exposures.appendVarchar(e.variant);
    exposures.appendDouble(e.at);
    exposures.endRow();
  }
  exposures.closeSync();
  const events = await db.createAppender('x_tail_events', 'main', 'temp');
  for (const e of tail.events) {
    events.appendDouble(e.position);
    events.appendInteger(e.code);
    events.appendDouble(e.at);
    events.appendBigInt(e.key);
    if (e.other === null) events.appendNull();
    else events.appendBigInt(e.other);
    for (const { j } of means) {
      const value = e.values[j] ?? null;
      if (value === null) events.appendNull();
      else events.appendDouble(value);
    }
    events.endRow();
  }
  events.closeSync();
}
