import type { DuckDBConnection } from '@duckdb/node-api';
import type { EventLog } from '../../log/event-log.js';
import { propertyPath, readPath } from '../../experiments/read-exposures.js';

/** A mean metric's values: its event and property (as defined). */
export interface MetricSignal {
  event: string;
  property: string;
}

/** Events whose values are read from the log a step. */
const STEP = 5000;

/**
 * Mean metrics' property values for experiment results, in `metric_values` (one row per event
 * with a finite numeric value, by log position) beside the projected events: read from the log
 * by position once per metric (event and property), from the events the projection holds, since
 * the pipeline's rows carry no property. `metric_signals` records up to which position each
 * metric's values have been read; what the projection appended since is read before results.
 */
export class MetricValues {
  private readonly valuedTo = new Map<string, number>();
  private loaded = false;

  constructor(
    private readonly db: DuckDBConnection,
    private readonly log: Pick<EventLog, 'readPositions'>,
  ) {}

  /** The signal's key in the tables. */
  static signalOf({ event, property }: MetricSignal): string {
    return JSON.stringify([event, property]);
  }

  /**
   * Whether a mean metric reads `properties.revenue`, which the projection keeps on every track
   * event already (attribution's `revenue` column): nothing to read from the log.
   */
  static isRevenue(property: string): boolean {
    const path = propertyPath(property);
    return path.length === 1 && path[0] === 'revenue';
  }

  /** How many projected events of the metric (name id; undefined: none yet) up to `upTo` are still to read. */
  async behind(signal: MetricSignal, nameId: number | undefined, upTo: number): Promise<number> {
    const from = await this.from(MetricValues.signalOf(signal));
    if (nameId === undefined || from >= upTo) return 0;
    const count = await this.db.runAndReadAll(
      `SELECT count(*) FROM events WHERE name_id = ${nameId} AND position > ${from} AND position <= ${upTo}`,
    );
    return Number(count.getRows()[0]?.[0] ?? 0);
  }

  /** Reads the next step of values (at most STEP events) up to `upTo`; true once it is there. */
  async step(signal: MetricSignal, nameId: number | undefined, upTo: number): Promise<boolean> {
    const key = MetricValues.signalOf(signal);
    const from = await this.from(key);
    if (from >= upTo) return true;
    const rows =
      nameId === undefined
        ? []
        : (
            await this.db.runAndReadAll(
              `SELECT position::DOUBLE FROM events WHERE name_id = ${nameId} AND position > ${from} AND position <= ${upTo} ORDER BY position LIMIT ${STEP}`,
            )
          )
            .getRows()
            .map((r) => Number(r[0]));
    const full = rows.length === STEP;
    const to = full ? (rows[rows.length - 1] as number) : upTo;
    const events = rows.length === 0 ? [] : await this.log.readPositions(rows);
    const path = propertyPath(signal.property);
    await this.db.run('BEGIN TRANSACTION');
    try {
      const appender = await this.db.createAppender('metric_values');
      for (const { position, message } of events) {
        const value = readPath(message.properties, path);
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        appender.appendVarchar(key);
        appender.appendBigInt(BigInt(position));
        appender.appendDouble(value);
        appender.endRow();
      }
      appender.closeSync();
      await this.db.run(`DELETE FROM metric_signals WHERE signal = ${literal(key)}`);
      await this.db.run(`INSERT INTO metric_signals VALUES (${literal(key)}, ${to})`);
      await this.db.run('COMMIT');
    } catch (error) {
      await this.db.run('ROLLBACK');
      throw error;
    }
    this.valuedTo.set(key, to);
    return !full;
  }

  /** Forgets what was read (the projection was emptied). */
  clear(): void {
    this.valuedTo.clear();
    this.loaded = false;
  }

  private async from(key: string): Promise<number> {
    if (!this.loaded) {
      const rows = await this.db.runAndReadAll('SELECT signal, valued_to FROM metric_signals');
      for (const [signal, to] of rows.getRows()) this.valuedTo.set(String(signal), Number(to));
      this.loaded = true;
    }
    return this.valuedTo.get(key) ?? 0;
  }
}

/** A SQL string literal. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
