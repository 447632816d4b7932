import {
  rocAuc,
  scoreRows,
  TailorError,
  type ModelSchedule,
  type ModelVersionInfo,
  type ScheduledRun,
} from '@tailor/core';
import type { Job, JobStep } from '../jobs/job.js';
import type { ModelStore, StoredModel, StoredModelVersion } from '../store/model-store.js';
import type { Champion, ModelService } from './model-service.js';
import { textRow, type ModelTrainingJob } from './model-training.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A scheduled run that failed (or was beaten by another) is tried again after this at most. */
const RETRY_MS = HOUR;
/** The key the schedule's state is saved under in the model store. */
export const SCHEDULE_JOB = 'model-schedule';

/** What the schedule saved: each model's last scheduled training and drift, and the run under way. */
export interface ScheduleState {
  models: Record<string, { train?: ScheduledRun; drift?: ScheduledRun }>;
  running?: { name: string; kind: 'train' | 'drift' } | null;
}

/**
 * When a model's scheduled training and drift measurement are due (`GET .../schedule`): a training
 * `retrainDays` after the latest version (at once when it has none), a measurement `driftHours`
 * after the last of the promoted version (or after its training). A run that failed, or recorded
 * nothing because another version came meanwhile, is tried again an hour later at most.
 */
export function modelSchedule(
  model: StoredModel,
  versions: readonly Pick<ModelVersionInfo, 'version' | 'trainedAt'>[],
  state: ScheduleState | undefined,
): ModelSchedule {
  const saved = state?.models[model.name] ?? {};
  const schedule = model.schedule;
  const latest = versions.reduce<number | null>(
    (at, v) => Math.max(at ?? -Infinity, Date.parse(v.trainedAt)),
    null,
  );
  const iso = (ms: number) => new Date(ms).toISOString();
  let retrain: ModelSchedule['retrain'] = null;
  if (schedule?.retrainDays !== undefined) {
    const every = schedule.retrainDays * DAY;
    let next = latest === null ? Date.parse(model.updatedAt) : latest + every;
    const last = saved.train;
    if (last !== undefined && last.version === undefined)
      next = Math.max(next, Date.parse(last.at) + Math.min(every, RETRY_MS));
    retrain = {
      everyDays: schedule.retrainDays,
      promote: schedule.promote ?? 'better',
      lastTrainedAt: latest === null ? null : iso(latest),
      next: iso(next),
      last: last ?? null,
    };
  }
  let drift: ModelSchedule['drift'] = null;
  if (schedule?.driftHours !== undefined) {
    const every = schedule.driftHours * HOUR;
    const promoted = versions.find((v) => v.version === model.promoted);
    const last = saved.drift;
    let next: number | null = null;
    if (promoted !== undefined) {
      // A measurement of an older promoted version does not count for this one.
      const measured = last?.version === promoted.version ? last : undefined;
      next = Date.parse(measured?.at ?? promoted.trainedAt) + every;
      if (measured?.error !== undefined) next = Math.min(next, Date.parse(measured.at) + RETRY_MS);
    }
    drift = {
      everyHours: schedule.driftHours,
      next: next === null ? null : iso(next),
      last: last ?? null,
    };
  }
  const running = state?.running?.name === model.name ? state.running.kind : null;
  return { retrain, drift, running };
}

export interface ModelScheduleDeps {
  models: Pick<
    ModelService,
    'list' | 'versions' | 'promotedVersion' | 'trainingJob' | 'driftJob' | 'record' | 'reportDrift'
  >;
  /** Where the schedule's state is saved (the model store). */
  state: Pick<ModelStore, 'jobState' | 'saveJobState'>;
  now: () => number;
  /** How often the registry is read for due work, in ms. */
  checkMs: number;
  onError: (message: string, error: unknown) => void;
  /**
   * Told when a run begins and what it recorded (info lines of `tailor serve`): on several nodes,
   * the one that ran it says so.
   */
  onInfo?: (message: string) => void;
}

/** Scheduled work under way: one model's training or drift measurement, a step at a time. */
interface Run {
  name: string;
  kind: 'train' | 'drift';
  job: ModelTrainingJob;
  /** When it began (ISO): a version trained since by anyone else wins over this one. */
  since: string;
  promote: boolean;
  /** The version a drift measurement reads. */
  version?: number;
  /** The version promoted when a training began, measured on the new table at its end. */
  champion?: StoredModelVersion;
}

/**
 * The models' schedules (docs/models.md), as a `Job` of the pipeline's upkeep, so one thread of
 * one node runs it (`tailor serve`'s worker; on several nodes, the holder of the upkeep lease):
 * every `checkMs` it reads the registry, and runs the first training or drift measurement due, a
 * step of the log at a time between the pipeline's other work.
 *
 * - A scheduled training records its version only when no version was trained since it began
 *   (checked in the transaction that records it, so a node that lost the lease mid-training
 *   cannot add a second), and promotes it as the model's `schedule.promote` says.
 * - A drift measurement appends `Model Drift Detected` when a feature or the score drifted.
 * - Each outcome (version, drift, error) is saved in the model store, read by `GET .../schedule`.
 *   A run cut short by a restart starts again from the beginning at the next check.
 */
export class ModelScheduleJob implements Job {
  readonly name = SCHEDULE_JOB;
  private state: ScheduleState | undefined;
  private checkedAt = -Infinity;
  private run: Run | undefined;

  constructor(private readonly deps: ModelScheduleDeps) {}

  async step(): Promise<JobStep> {
    this.state ??= ((await this.deps.state.jobState(SCHEDULE_JOB)) as
      ScheduleState | undefined) ?? {
      models: {},
    };
    if (this.run !== undefined) return this.advance(this.run);
    // Checked on the machine's clock: reading the registry is load, not part of the schedule.
    if (performance.now() - this.checkedAt < this.deps.checkMs)
      return { worked: 0, finished: true };
    this.checkedAt = performance.now();
    const run = await this.due(this.state);
    if (run === undefined) return { worked: 0, finished: true };
    this.run = run;
    this.state.running = { name: run.name, kind: run.kind };
    await this.save();
    this.deps.onInfo?.(`${describeRun(run)} began`);
    return { worked: 1, finished: false };
  }

  /** The first training or measurement due, its job made; undefined when none is. */
  private async due(state: ScheduleState): Promise<Run | undefined> {
    const now = this.deps.now();
    const models = await this.deps.models.list();
    const names = new Set(models.map((m) => m.name));
    state.models = Object.fromEntries(
      Object.entries(state.models).filter(([name]) => names.has(name)),
    );
    for (const model of models) {
      if (model.schedule === undefined) continue;
      const versions = await this.deps.models.versions(model.name);
      const { retrain, drift } = modelSchedule(model, versions, state);
      const since = new Date(now).toISOString();
      try {
        if (retrain !== null && Date.parse(retrain.next) <= now) {
          const champion = await this.deps.models.promotedVersion(model.name);
          return {
            name: model.name,
            kind: 'train',
            job: await this.deps.models.trainingJob(model.name),
            since,
            promote: retrain.promote === 'better',
            ...(champion && { champion }),
          };
        }
        if (drift?.next != null && Date.parse(drift.next) <= now)
          return {
            name: model.name,
            kind: 'drift',
            job: await this.deps.models.driftJob(model.name),
            since,
            promote: false,
            ...(model.promoted !== undefined && { version: model.promoted }),
          };
      } catch (error) {
        this.deps.onError(`scheduled work of model ${model.name} could not start`, error);
      }
    }
    return undefined;
  }

  /** One step of the run; at its end, records what it found. */
  private async advance(run: Run): Promise<JobStep> {
    let outcome: ScheduledRun | undefined;
    try {
      const step = await run.job.step();
      if (!step.finished) return { worked: Math.max(step.worked, 1), finished: false };
      outcome = run.kind === 'train' ? await this.recordTraining(run) : await this.recordDrift(run);
    } catch (error) {
      this.deps.onError(`${describeRun(run)} failed`, error);
      outcome = {
        at: new Date(this.deps.now()).toISOString(),
        ...(run.version !== undefined && { version: run.version }),
        error: error instanceof Error ? error.message : String(error),
      };
    }
    const state = this.state ?? { models: {} };
    state.models[run.name] = { ...state.models[run.name], [run.kind]: outcome };
    state.running = null;
    this.run = undefined;
    await this.save();
    if (outcome.error === undefined)
      this.deps.onInfo?.(`${describeRun(run)}: ${describeOutcome(outcome)}`);
    return { worked: 1, finished: true };
  }

  private async recordTraining(run: Run): Promise<ScheduledRun> {
    const at = new Date(this.deps.now()).toISOString();
    const champion = run.champion && this.championOn(run.champion, run.job);
    const candidate = run.job.result?.metrics.auc;
    const promote =
      run.promote &&
      (champion === undefined || (candidate !== undefined && candidate >= champion.auc));
    const recorded = await this.deps.models.record(run.name, run.job, {
      by: 'schedule',
      since: run.since,
      promote,
      ...(champion && { champion }),
    });
    if (recorded === undefined) return { at, skipped: 'another version was trained meanwhile' };
    return { at, version: recorded.version, promoted: recorded.promoted };
  }

  /** The promoted version's AUC on the new training table (labels it never saw at its own training). */
  private championOn(version: StoredModelVersion, job: ModelTrainingJob): Champion | undefined {
    const table = job.features;
    if (table === undefined || table.rows.length === 0) return undefined;
    const scores = scoreRows(
      version.classifier,
      table.rows.map((r) => textRow(r.features)),
    );
    const auc = rocAuc(
      scores,
      table.rows.map((r) => r.label ?? 0),
    );
    return Number.isFinite(auc) ? { version: version.version, auc } : undefined;
  }

  private async recordDrift(run: Run): Promise<ScheduledRun> {
    const drift = await this.deps.models.reportDrift(run.name, run.job);
    return { at: drift.computedAt, version: drift.version, drifted: drift.drifted };
  }

  private save(): Promise<void> {
    if (this.state === undefined) throw new TailorError('unavailable', 'schedule state not read');
    return this.deps.state.saveJobState(SCHEDULE_JOB, this.state);
  }
}

/** "scheduled training of model buy", as the info lines and errors name a run. */
function describeRun(run: Pick<Run, 'name' | 'kind'>): string {
  return `scheduled ${run.kind === 'train' ? 'training' : 'drift measurement'} of model ${run.name}`;
}

/** What a finished run recorded, in a few words. */
function describeOutcome(outcome: ScheduledRun): string {
  if (outcome.skipped !== undefined) return `nothing recorded (${outcome.skipped})`;
  if (outcome.drifted !== undefined)
    return `version ${String(outcome.version)}, drifted: ${outcome.drifted.length === 0 ? 'none' : outcome.drifted.join(', ')}`;
  return `recorded version ${String(outcome.version)}${outcome.promoted === true ? ', promoted' : ''}`;
}
