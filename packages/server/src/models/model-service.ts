import {
  computedTraitPlan,
  ERROR_STATUS,
  formatTimestamp,
  TailorError,
  type ModelBody,
  type ModelDrift,
  type ModelSchedule,
  type ModelVersionInfo,
  type StoredMessage,
} from '@tailor/core';
import { runJob, type JobProgress } from '../jobs/job.js';
import { timeOrderedId } from '../log/time-ordered-id.js';
import { validName } from '../segments/definitions.js';
import type { ModelStore, StoredModel, StoredModelVersion } from '../store/model-store.js';
import { modelSchedule, SCHEDULE_JOB, type ScheduleState } from './model-schedule.js';
import {
  labelPattern,
  ModelTrainingJob,
  type ModelTrainingDeps,
  type TrainingStage,
} from './model-training.js';
import type { ModelTraining } from './model.schema.js';

export interface ModelServiceDeps {
  store: ModelStore;
  training: ModelTrainingDeps;
  now: () => number;
  /**
   * Appends alerts to the log (`Model Drift Detected`, `Model Fairness Alert`), so destinations
   * can carry them; without it none is sent.
   */
  announce?: (messages: StoredMessage[]) => Promise<void>;
}

/** The promoted version when a scheduled training began, and its AUC on the new table. */
export type Champion = NonNullable<ModelVersionInfo['metrics']['champion']>;

/** The source of the alerts models append: no person's event, never a feature. */
export const MODELS_SOURCE = 'models';

/**
 * The model registry (docs/models.md): churn and propensity models defined by name, trained from
 * the log into numbered versions with their cross-validated metrics, one version promoted.
 */
export class ModelService {
  /** Trainings under way here, by model name: a second request gets the same one. */
  private readonly training = new Map<string, Promise<Run>>();
  /** Stops trainings under way when the server shuts down. */
  private readonly abort = new AbortController();

  constructor(private readonly deps: ModelServiceDeps) {}

  async put(name: string, body: ModelBody): Promise<StoredModel> {
    if (!validName(name))
      throw new TailorError(
        'invalid_request',
        'a model name is 1 to 128 characters, without / \\ or control characters',
      );
    labelPattern(body); // a label condition that does not parse is refused here, not at training
    const traits = body.features?.computed;
    if (traits !== undefined) {
      const compiled = computedTraitPlan(
        (await this.deps.training.computedTraits?.()) ?? [],
        traits,
      );
      if (!compiled.ok)
        throw new TailorError('invalid_request', `features.computed: ${compiled.error}`);
    }
    const at = new Date(this.deps.now()).toISOString();
    const before = await this.deps.store.get(name);
    const model: StoredModel = {
      ...body,
      name,
      version: (before?.version ?? 0) + 1,
      createdAt: before?.createdAt ?? at,
      updatedAt: at,
      ...(before?.promoted === undefined ? {} : { promoted: before.promoted }),
    };
    await this.deps.store.put(model);
    return model;
  }

  /** The models that take this computed trait as a feature. */
  async readersOf(name: string): Promise<string[]> {
    return (await this.list()).flatMap((m) =>
      m.features?.computed?.includes(name) === true ? [`model ${m.name}`] : [],
    );
  }

  list(): Promise<StoredModel[]> {
    return this.deps.store.list();
  }

  get(name: string): Promise<StoredModel> {
    return this.found(name);
  }

  async delete(name: string): Promise<void> {
    await this.found(name);
    await this.deps.store.delete(name);
    await this.deps.store.saveJobState(trainingKey(name), null);
  }

  /** Every trained version, oldest first, without the classifiers. */
  async versions(name: string): Promise<ModelVersionInfo[]> {
    const model = await this.found(name);
    return (await this.deps.store.versions(name)).map((v) => info(v, model.promoted));
  }

  /** The version that scores, with its classifier; undefined before one is promoted. */
  async promotedVersion(name: string): Promise<StoredModelVersion | undefined> {
    const model = await this.found(name);
    return model.promoted === undefined ? undefined : this.deps.store.version(name, model.promoted);
  }

  /**
   * Trains a new version from the log and records it, answering once it is recorded; the first
   * version of a model is promoted at once, later ones wait for `promote` (so a worse one never
   * replaces a good one unseen). A training under way is joined, not started twice.
   */
  async train(
    name: string,
    onProgress?: (progress: JobProgress, run: ModelTraining) => void,
  ): Promise<ModelVersionInfo> {
    const elsewhere = onProgress === undefined ? await this.runningElsewhere(name) : undefined;
    if (elsewhere !== undefined) return this.awaitElsewhere(name);
    return (await this.begin(name, onProgress)).result;
  }

  /**
   * Starts a training as a job and answers at once with its run (`GET .../training` follows
   * it), or with the run under way, here or, by the model store, on another node. The first
   * step (the computed traits named, the first page of the log) runs before the answer, so a
   * definition that cannot train is refused then.
   */
  async startTraining(name: string): Promise<ModelTraining> {
    const elsewhere = await this.runningElsewhere(name);
    if (elsewhere !== undefined) return elsewhere;
    return { ...(await this.begin(name)).record };
  }

  /** The model's latest training run: the one under way here, else as the model store keeps it. */
  async trainingRun(name: string): Promise<ModelTraining> {
    await this.found(name);
    const here = await this.training.get(name)?.catch(() => undefined);
    if (here !== undefined) return { ...here.record };
    // Unknown when never saved; null once the model was deleted.
    const stored = (await this.deps.store.jobState(trainingKey(name))) as
      ModelTraining | null | undefined;
    if (stored === undefined || stored === null)
      throw new TailorError('not_found', `model ${name} has not been trained by a request yet`);
    return stored;
  }

  /** Stops the trainings under way (between steps); their runs are recorded as stopped. */
  async close(): Promise<void> {
    this.abort.abort();
    await Promise.all(
      [...this.training.values()].map((r) => r.then((run) => run.result).catch(() => undefined)),
    );
  }

  /** Where the model's scheduled training and drift stand: when next, and how the last went. */
  async schedule(name: string): Promise<ModelSchedule> {
    const model = await this.found(name);
    const versions = await this.deps.store.versions(name);
    const state = (await this.deps.store.jobState(SCHEDULE_JOB)) as ScheduleState | undefined;
    return modelSchedule(model, versions, state);
  }

  /** Makes `version` the one that scores: promotion, and rolling back to an older one alike. */
  async promote(name: string, version: number): Promise<StoredModel> {
    const model = await this.found(name);
    if ((await this.deps.store.version(name, version)) === undefined)
      throw new TailorError('not_found', `model ${name} has no version ${version}`);
    const promoted: StoredModel = { ...model, promoted: version };
    await this.deps.store.put(promoted);
    return promoted;
  }

  /**
   * How the promoted version's features and score moved: its training distribution against
   * everyone's features now, read from the log as training reads it (a job, on request).
   */
  async drift(name: string): Promise<ModelDrift> {
    const job = await this.driftJob(name);
    await runJob(job);
    return this.reportDrift(name, job);
  }

  /** A job measuring the promoted version's drift (run it, then `reportDrift`). */
  async driftJob(name: string): Promise<ModelTrainingJob> {
    const model = await this.found(name);
    const version = await this.promotedVersion(name);
    if (version === undefined)
      throw new TailorError('conflict', `model ${name} has no promoted version yet: train it`);
    return new ModelTrainingJob(model, this.deps.training, version);
  }

  /** The drift a finished `driftJob` measured; a drifted feature or score is announced. */
  async reportDrift(name: string, job: ModelTrainingJob): Promise<ModelDrift> {
    const drift = job.drift;
    if (drift === undefined)
      throw new TailorError('unavailable', `model ${name}: drift not measured`);
    if (drift.drifted.length > 0)
      await this.alert('Model Drift Detected', `${String(drift.version)}:${drift.computedAt}`, {
        model: name,
        version: drift.version,
        drifted: drift.drifted,
        score: { psi: drift.score.psi, ks: drift.score.ks },
        features: drift.features.filter((f) => drift.drifted.includes(f.feature)),
      });
    return drift;
  }

  /** A job training the model's next version from the log (run it, then `record`). */
  async trainingJob(name: string): Promise<ModelTrainingJob> {
    return new ModelTrainingJob(await this.found(name), this.deps.training);
  }

  /** The training under way here, or a new one (set at once, so two requests start one). */
  private begin(
    name: string,
    onProgress?: (progress: JobProgress, run: ModelTraining) => void,
  ): Promise<Run> {
    const under = this.training.get(name);
    if (under !== undefined) return under;
    const starting = this.start(name, onProgress);
    this.training.set(name, starting);
    starting.then(
      (run) => run.result.catch(() => undefined).finally(() => this.training.delete(name)),
      () => this.training.delete(name),
    );
    return starting;
  }

  /** Starts a training: its first step runs before this returns, the rest after. */
  private async start(
    name: string,
    onProgress?: (progress: JobProgress, run: ModelTraining) => void,
  ): Promise<Run> {
    const job = await this.trainingJob(name);
    const at = new Date(this.deps.now()).toISOString();
    const record: ModelTraining = {
      id: timeOrderedId(this.deps.now()),
      model: name,
      status: 'running',
      ...stageOf(job.stage),
      startedAt: at,
      updatedAt: at,
    };
    // Refused before any answer: an unknown computed trait, a log that cannot be read.
    const first = await job.step();
    if (first.progress !== undefined) onProgress?.(first.progress, record);
    await this.saveRun(record, job.stage);
    const result = this.finish(name, job, record, first.finished, onProgress);
    // Followed by GET .../training when nobody waits: a failure is recorded there.
    result.catch(() => undefined);
    return { record, result };
  }

  /** A run the model store shows running on another node (it moved lately), if any. */
  private async runningElsewhere(name: string): Promise<ModelTraining | undefined> {
    if (this.training.has(name)) return undefined;
    const stored = (await this.deps.store.jobState(trainingKey(name))) as
      ModelTraining | null | undefined;
    return stored?.status === 'running' &&
      this.deps.now() - Date.parse(stored.updatedAt) < STALE_RUN_MS
      ? stored
      : undefined;
  }

  /** Runs a started training to its end, saving its progress, and records the version. */
  private async finish(
    name: string,
    job: ModelTrainingJob,
    record: ModelTraining,
    finished: boolean,
    onProgress?: (progress: JobProgress, run: ModelTraining) => void,
  ): Promise<ModelVersionInfo> {
    let saved = performance.now();
    let phase = job.stage.phase;
    // Saves go one after another, so a late progress save never lands over the outcome.
    let saving = Promise.resolve();
    const save = (end?: Pick<ModelTraining, 'status' | 'version' | 'error'>) => {
      const stage = job.stage;
      saving = saving.then(() => this.saveRun(record, stage, end)).catch(() => undefined);
      return saving;
    };
    try {
      if (!finished)
        await runJob(
          job,
          (progress) => {
            const stage = job.stage;
            Object.assign(record, stageOf(stage));
            if (stage.phase !== phase || performance.now() - saved >= SAVE_EVERY_MS) {
              phase = stage.phase;
              saved = performance.now();
              void save();
            }
            onProgress?.(progress, record);
          },
          this.abort.signal,
        );
      if (job.result === undefined)
        throw new TailorError(
          'unavailable',
          this.abort.signal.aborted
            ? `model ${name}: the server shut down during training`
            : `model ${name}: training did not finish`,
        );
      const recorded = await this.record(name, job, { by: 'request' });
      if (recorded === undefined)
        throw new TailorError('unavailable', `model ${name}: training did not finish`);
      await save({ status: 'succeeded', version: recorded });
      return recorded;
    } catch (error) {
      await save({
        status: this.abort.signal.aborted ? 'stopped' : 'failed',
        error: errorOf(error),
      });
      throw error;
    }
  }

  /** Waits for a training another node runs, by polling its run in the model store. */
  private async awaitElsewhere(name: string): Promise<ModelVersionInfo> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const run = (await this.deps.store.jobState(trainingKey(name))) as
        ModelTraining | null | undefined;
      if (run?.status === 'succeeded' && run.version !== undefined) return run.version;
      if (run?.status !== 'running' || this.abort.signal.aborted)
        throw new TailorError(
          'unavailable',
          `model ${name}: the training on another node ${run?.error?.message ?? 'did not finish'}`,
        );
    }
  }

  /** Records a run's progress (and outcome) in the model store, where every node reads it. */
  private async saveRun(
    record: ModelTraining,
    stage: TrainingStage,
    end?: Pick<ModelTraining, 'status' | 'version' | 'error'>,
  ): Promise<void> {
    const now = new Date(this.deps.now()).toISOString();
    Object.assign(record, stageOf(stage), { updatedAt: now });
    if (end !== undefined) Object.assign(record, end, { finishedAt: now });
    await this.deps.store.saveJobState(trainingKey(record.model), record);
  }

  /**
   * Records what a finished training job fitted as the model's next version, and announces a
   * version failing the four-fifths rule. The first version is promoted at once; a scheduled one
   * (`by: 'schedule'`) is recorded only when no version was trained since `since`, and promoted
   * when `promote` says so. Undefined when nothing was recorded.
   */
  async record(
    name: string,
    job: ModelTrainingJob,
    how:
      { by: 'request' } | { by: 'schedule'; since: string; promote: boolean; champion?: Champion },
  ): Promise<ModelVersionInfo | undefined> {
    const result = job.result;
    if (result === undefined) return undefined;
    const champion = how.by === 'schedule' ? how.champion : undefined;
    const trained = {
      ...result,
      trainedBy: how.by,
      ...(champion && { metrics: { ...result.metrics, champion } }),
    };
    const version = await this.deps.store.addVersion(
      name,
      trained,
      how.by === 'schedule' ? how.since : undefined,
    );
    if (version === undefined) return undefined;
    const fairness = result.metrics.fairness;
    if (fairness !== undefined && !fairness.fourFifthsRule)
      await this.alert('Model Fairness Alert', String(version), {
        model: name,
        version,
        attribute: fairness.attribute,
        threshold: fairness.threshold,
        demographicParityRatio: fairness.demographicParityRatio,
        equalOpportunityDifference: fairness.equalOpportunityDifference,
        disparateImpact: fairness.disparateImpact,
        failing: Object.entries(fairness.disparateImpact)
          .filter(([, ratio]) => ratio < 0.8)
          .map(([group]) => group),
      });
    // Read again: the definition may have been replaced (or promoted) while the log was read.
    const now = await this.found(name);
    let promoted = now.promoted;
    if (promoted === undefined || (how.by === 'schedule' && how.promote)) {
      await this.deps.store.put({ ...now, promoted: version });
      promoted = version;
    }
    return info({ ...trained, version }, promoted);
  }

  /** An alert about a model, as a track event of nobody (its messageId makes a retry store it once). */
  private async alert(
    event: 'Model Drift Detected' | 'Model Fairness Alert',
    key: string,
    properties: Record<string, unknown>,
  ): Promise<void> {
    if (this.deps.announce === undefined) return;
    const at = formatTimestamp(this.deps.now());
    const kind = event === 'Model Drift Detected' ? 'model-drift' : 'model-fairness';
    await this.deps.announce([
      {
        type: 'track',
        event,
        messageId: `${kind}:${String(properties['model'])}:${key}`,
        userId: null,
        anonymousId: null,
        timestamp: at,
        receivedAt: at,
        properties,
        context: {},
        tailor: { source: MODELS_SOURCE },
      },
    ]);
  }

  private async found(name: string): Promise<StoredModel> {
    const model = await this.deps.store.get(name);
    if (model === undefined) throw new TailorError('not_found', `no model named ${name}`);
    return model;
  }
}

/** A training under way here: its run as `GET .../training` shows it, and its outcome. */
interface Run {
  record: ModelTraining;
  result: Promise<ModelVersionInfo>;
}

/** Progress is saved at most this often (and at each change of phase). */
const SAVE_EVERY_MS = 1000;
/**
 * A run another node shows running is joined while it moved within this time; an older one is
 * taken as lost (its node stopped) and a new one starts.
 */
const STALE_RUN_MS = 10 * 60_000;

/** Where a model's latest training run is kept in the model store. */
function trainingKey(name: string): string {
  return `training:${name}`;
}

/** A stage as the run shows it, with the estimate of the whole for a progress bar. */
function stageOf(
  stage: TrainingStage,
): Pick<ModelTraining, 'phase' | 'done' | 'total' | 'fraction'> {
  const part = stage.total > 0 ? Math.min(1, stage.done / stage.total) : 0;
  const fraction =
    stage.phase === 'read'
      ? 0.8 * part
      : stage.phase === 'resolve'
        ? 0.8 + 0.1 * part
        : stage.phase === 'fit'
          ? 0.9
          : 1;
  return { phase: stage.phase, done: stage.done, total: stage.total, fraction };
}

function errorOf(error: unknown): NonNullable<ModelTraining['error']> {
  if (error instanceof TailorError)
    return { code: error.code, message: error.message, status: ERROR_STATUS[error.code] };
  return { code: 'internal', message: 'the training failed (see the server log)', status: 500 };
}

function info(version: StoredModelVersion, promoted: number | undefined): ModelVersionInfo {
  return {
    ...(version.trainedBy && { trainedBy: version.trainedBy }),
    version: version.version,
    trainedAt: version.trainedAt,
    cutoff: version.cutoff,
    labelEnd: version.labelEnd,
    featureStart: version.featureStart,
    rows: version.rows,
    positives: version.positives,
    events: version.events,
    features: version.features,
    metrics: version.metrics,
    promoted: version.version === promoted,
  };
}
