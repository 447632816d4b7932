import {
  computedTraitPlan,
  formatTimestamp,
  TailorError,
  type ModelBody,
  type ModelDrift,
  type ModelSchedule,
  type ModelVersionInfo,
  type StoredMessage,
} from '@tailor/core';
import { runJob, type JobProgress } from '../jobs/job.js';
import { validName } from '../segments/definitions.js';
import type { ModelStore, StoredModel, StoredModelVersion } from '../store/model-store.js';
import { modelSchedule, SCHEDULE_JOB, type ScheduleState } from './model-schedule.js';
import { labelPattern, ModelTrainingJob, type ModelTrainingDeps } from './model-training.js';

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
  /** Trainings under way, by model name: a second request waits for the same one. */
  private readonly training = new Map<string, Promise<ModelVersionInfo>>();

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

  list(): Promise<StoredModel[]> {
    return this.deps.store.list();
  }

  get(name: string): Promise<StoredModel> {
    return this.found(name);
  }

  async delete(name: string): Promise<void> {
    await this.found(name);
    await this.deps.store.delete(name);
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
   * Trains a new version from the log and records it; the first version of a model is promoted
   * at once, later ones wait for `promote` (so a worse one never replaces a good one unseen).
   */
  train(name: string, onProgress?: (progress: JobProgress) => void): Promise<ModelVersionInfo> {
    const under = this.training.get(name);
    if (under !== undefined) return under;
    const run = this.trainNow(name, onProgress).finally(() => this.training.delete(name));
    this.training.set(name, run);
    return run;
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

  private async trainNow(
    name: string,
    onProgress?: (progress: JobProgress) => void,
  ): Promise<ModelVersionInfo> {
    const job = await this.trainingJob(name);
    await runJob(job, onProgress);
    const recorded = await this.record(name, job, { by: 'request' });
    if (recorded === undefined)
      throw new TailorError('unavailable', `model ${name}: training did not finish`);
    return recorded;
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
