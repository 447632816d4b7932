import { TailorError } from '@tailor/core';
import type { KnownNames } from '../decide/placements.js';
import type { EventLog } from '../log/event-log.js';
import type { StoredExperiment } from '../store/state-store.js';
import {
  computeResults,
  exposureQuery,
  resultsOf,
  type ExperimentResults,
} from './compute-results.js';
import type { Exposures, ExposureQuery } from './read-exposures.js';
import type { ExperimentBody } from './experiment-body.js';
import type { Experiment } from './experiment.schema.js';
import { Experiments, type AssignRequest, type AssignResult } from './experiments.js';

export interface ExperimentServiceDeps {
  experiments: Experiments;
  log: Pick<EventLog, 'read'>;
  /** The segments and computed traits an audience may name now. */
  known: () => KnownNames;
  now: () => number;
  /**
   * The reports projection's experiment columns, when this process keeps it (embedded store):
   * results read them instead of the whole log (docs/experiments.md).
   */
  columns?: () => ExperimentColumns | undefined;
}

/** What results read instead of the log (ReportProjection). */
export interface ExperimentColumns {
  /** Undefined: not ready (mean metric values still being read from the log); read the log. */
  experimentColumns(query: ExposureQuery): Promise<Exposures | undefined>;
  /** Starts reading these mean metrics' values from the log in the background. */
  readValues(signals: readonly { event: string; property: string }[]): void;
}

/**
 * Experiments: definitions with their status, sticky assignment (recorded as exposures) and
 * results computed from the log. Unknown names are a 404.
 */
export class ExperimentService {
  constructor(private readonly deps: ExperimentServiceDeps) {}

  async put(name: string, body: ExperimentBody): Promise<Experiment> {
    const at = new Date(this.deps.now());
    const saved = await this.deps.experiments.put(name, body, this.deps.known(), at);
    // A mean metric's values are read from the log once, now rather than at the first results.
    this.deps
      .columns?.()
      ?.readValues(
        exposureQuery(saved).metrics.flatMap((m) =>
          m.property === undefined ? [] : [{ event: m.event, property: m.property }],
        ),
      );
    return this.view(saved);
  }

  async list(): Promise<Experiment[]> {
    return (await this.deps.experiments.list()).map((e) => this.view(e));
  }

  async get(name: string): Promise<Experiment> {
    return this.view(await this.find(name));
  }

  async delete(name: string): Promise<void> {
    if (!(await this.deps.experiments.delete(name))) throw notFound(name);
  }

  /** A person's variant, sticky; the exposure is recorded unless they are suppressed. */
  assign(name: string, who: AssignRequest): Promise<AssignResult> {
    return this.deps.experiments.assign(name, who, this.deps.now());
  }

  /**
   * Per variant and metric, from the reports projection's columns when this process keeps them
   * and they are ready, else from one pass over the log (other work is served between pages).
   */
  async results(name: string): Promise<ExperimentResults> {
    const experiment = await this.find(name);
    const exposures = await this.deps.columns?.()?.experimentColumns(exposureQuery(experiment));
    if (exposures !== undefined)
      return resultsOf(experiment, exposures, this.deps.now(), 'projection');
    return computeResults(this.deps.log, experiment, this.deps.now(), {
      pause: () => new Promise((resolve) => setImmediate(resolve)),
    });
  }

  private async find(name: string): Promise<StoredExperiment> {
    const e = await this.deps.experiments.get(name);
    if (e === undefined) throw notFound(name);
    return e;
  }

  private view(e: StoredExperiment): Experiment {
    return { ...e, status: Experiments.status(e, this.deps.now()) };
  }
}

function notFound(name: string): TailorError {
  return new TailorError('not_found', `no experiment ${name}`);
}
