import type { DuckDBConnection } from '@duckdb/node-api';
import type { EventLog } from '../../log/event-log.js';
import { logError } from '../../privacy/log-error.js';
import type { ExperimentKey } from '../../experiments/experiment-rows.js';
import type { Exposures, ExposureQuery } from '../../experiments/read-exposures.js';
import { ExperimentTail, readExperimentColumns } from './experiment-columns.js';
import { MetricValues, type MetricSignal } from './metric-values.js';

/** Mean metric values read from the log before results at most; more are read in the background. */
const SYNC_VALUES = 100_000;

/** The projection as experiment results use it: caught up to the folded log, one piece of work at a time. */
export interface CaughtUp {
  /** Runs `work` in the projection's queue once it has projected what is folded. */
  run<T>(
    work: (at: { position: number; nameId: (name: string) => number | undefined }) => Promise<T>,
  ): Promise<T>;
}

/**
 * Experiment results' side of the reports projection (docs/experiments.md, "Where results are
 * read from"): an experiment's exposures and metric events in the log pass's shape, and mean
 * metrics' values read from the log (in the background when there are many).
 */
export class ExperimentReader {
  private readonly values: MetricValues | undefined;
  /** The mean metrics whose values are being read in the background. */
  private readonly valuing = new Set<string>();

  constructor(
    private readonly db: DuckDBConnection,
    private readonly log: Pick<EventLog, 'read'> & Partial<Pick<EventLog, 'readPositions'>>,
    private readonly keyOf: ExperimentKey,
    private readonly projection: CaughtUp,
    private readonly pageSize = 5000,
  ) {
    const readPositions = log.readPositions?.bind(log);
    this.values = readPositions === undefined ? undefined : new MetricValues(db, { readPositions });
  }

  /**
   * The experiment's exposures and metric events from the projected columns and the log's tail
   * past them (what the pipeline has not folded yet). Undefined while a mean metric's values are
   * still being read from the log (more than `syncValues` events to read: they are read in the
   * background, and the caller reads the log meanwhile), or when the log cannot be read by
   * position.
   */
  columns(query: ExposureQuery, syncValues = SYNC_VALUES): Promise<Exposures | undefined> {
    const signals = signalsOf(query);
    const values = this.values;
    if (signals.length > 0 && values === undefined) return Promise.resolve(undefined);
    return this.projection.run(async ({ position, nameId }) => {
      if (values !== undefined) {
        for (const signal of signals)
          if ((await values.behind(signal, nameId(signal.event), position)) > syncValues) {
            this.readValues(signals);
            return undefined;
          }
        for (const signal of signals)
          while (!(await values.step(signal, nameId(signal.event), position)));
      }
      const tail = new ExperimentTail(query, this.keyOf);
      for (let at = position; ;) {
        const page = await this.log.read(at, this.pageSize);
        if (page.length === 0) break;
        tail.add(page);
        at = page[page.length - 1]?.position ?? at;
      }
      return readExperimentColumns(this.db, query, nameId, tail);
    });
  }

  /**
   * Reads the values of these mean metrics from the log in the background, a step at a time
   * with other work between (an experiment saved, or results asked before they were read).
   */
  readValues(signals: readonly MetricSignal[]): void {
    const values = this.values;
    if (values === undefined) return;
    for (const signal of signals) {
      const key = MetricValues.signalOf(signal);
      if (MetricValues.isRevenue(signal.property) || this.valuing.has(key)) continue;
      this.valuing.add(key);
      const run = async (): Promise<void> => {
        while (
          !(await this.projection.run(({ position, nameId }) =>
            values.step(signal, nameId(signal.event), position),
          ))
        )
          await new Promise((resolve) => setImmediate(resolve));
      };
      run()
        .catch((error: unknown) => {
          logError('reading mean metric values for experiment results failed', error);
        })
        .finally(() => this.valuing.delete(key));
    }
  }
}

/** The mean metrics of a query whose values are read from the log (revenue is in `events`). */
export function signalsOf(query: Pick<ExposureQuery, 'metrics'>): MetricSignal[] {
  return query.metrics.flatMap((m) =>
    m.property === undefined || MetricValues.isRevenue(m.property)
      ? []
      : [{ event: m.event, property: m.property }],
  );
}
