import {
  brierScore,
  computedTraitPlan,
  computedTraitsAt,
  derivedEvent,
  DECIDE_SOURCE,
  EXPERIMENTS_SOURCE,
  fairnessReport,
  ownConsent,
  featureDrift,
  featureReference,
  parseCondition,
  scoreRows,
  type MaturedCalibration,
  type ModelDrift,
  pointInTimeFeatures,
  reliabilityTable,
  rocAuc,
  TailorError,
  trainClassifier,
  type LabelSpec,
  type FeatureTable,
  type ComputedNode,
  type ComputedTraitPlan,
  type StoredMessage,
  type TimedEvent,
  type TraitFeedEvent,
} from '@tailor/core';
import type { Job, JobStep } from '../jobs/job.js';
import type { EventLog } from '../log/event-log.js';
import type { ProfileReader, StoredProfile } from '../store/profile-store.js';
import type { StoredModel, StoredModelVersion } from '../store/model-store.js';

const DAY = 86_400_000;
/** History features read before the cutoff unless the model says. */
export const DEFAULT_HORIZON_DAYS = 365;
/** Identifiers resolved per step. */
const RESOLVE_CHUNK = 500;
/** The sources of the events Tailor appends about its own doing: never features. */
const OWN_SOURCES: ReadonlySet<string> = new Set([
  'segments',
  'models',
  DECIDE_SOURCE,
  EXPERIMENTS_SOURCE,
]);
/** A PSI at or above it is a major shift, by the usual rule of thumb (0.1 to 0.25: moderate). */
const MAJOR_PSI = 0.25;
/**
 * The consent purpose models serve unless configured (`models.purpose`): people who refused it
 * are neither learnt from nor scored. Refusing analytics always leaves a person out.
 */
export const MODEL_PURPOSE = 'analytics';

export interface ModelTrainingDeps {
  log: Pick<EventLog, 'read' | 'stats'>;
  profiles: Pick<ProfileReader, 'byIdentifier'>;
  /** Messages naming an erased (suppressed) person: never learnt from. */
  suppressed: (message: StoredMessage) => boolean;
  /** The consent purpose models serve (default analytics). */
  purpose?: string;
  now: () => number;
  /** Log events read per step (default 5,000). */
  pageSize?: number;
  /** The installation's computed traits, for a model naming some as features (`features.computed`). */
  computedTraits?: () => Promise<readonly { name: string; tree: ComputedNode }[]>;
}

/** A training's phase (log read, identifiers resolved, fit, done) and its units done of a total. */
export interface TrainingStage {
  phase: 'read' | 'resolve' | 'fit' | 'done';
  done: number;
  total: number;
}

/** The label's pattern in the segment language: the event, and the condition when given. */
export function labelPattern(model: Pick<StoredModel, 'label'>): LabelSpec['pattern'] {
  if (model.label.where === undefined) return { event: model.label.event };
  const where = parseCondition(model.label.where);
  if (!where.ok) throw new TailorError('invalid_request', `label.where: ${where.error.message}`);
  return { event: model.label.event, where: where.value };
}

/**
 * Trains one model from the log, in steps: a page of the log per step (each message's time, event
 * name, properties and identify traits, by its userId and anonymousId), then the identifiers
 * resolved to profiles in chunks, then the table and the fit. The cutoff is the latest event read
 * minus the label window: features read only events in (cutoff - horizon, cutoff], the label only
 * the window after it, so nothing from the future leaks into a feature. Messages naming an erased
 * person, messages refusing analytics and every event of a person whose profile refuses it are
 * left out. The run is in memory: a restart trains again from the start.
 */
export class ModelTrainingJob implements Job {
  readonly name: string;
  private phase: 'read' | 'resolve' | 'fit' | 'done' = 'read';
  private position = 0;
  private total: number | undefined;
  private read = 0;
  private latest = -Infinity;
  private readonly identifiers = new Map<string, number>();
  private readonly events: { user: number; anonymous: number; event: TimedEvent }[] = [];
  /** The computed traits named as features, compiled; undefined when the model names none. */
  private traitPlan: ComputedTraitPlan | undefined;
  /** What those traits fold (every event feeding them, at any time), when named. */
  private readonly traitEvents: { user: number; anonymous: number; event: TraitFeedEvent }[] = [];
  private readsTraits = false;
  private readonly keys: string[] = [];
  private resolved = 0;
  /** Per identifier number: its person's key (a profile's or the identifier's), null when refused. */
  private readonly person: (string | null | undefined)[] = [];
  private trained: Omit<StoredModelVersion, 'version'> | undefined;
  private table: FeatureTable | undefined;
  private drifted: ModelDrift | undefined;

  /**
   * With `current`, the job measures drift instead of training: everyone's features now, as
   * that version reads them, against its training distribution (`drift`).
   */
  constructor(
    private readonly model: StoredModel,
    private readonly deps: ModelTrainingDeps,
    private readonly current?: StoredModelVersion,
  ) {
    this.name = `model:${model.name}`;
  }

  /** The drift measured, once a job given `current` finished. */
  get drift(): ModelDrift | undefined {
    return this.drifted;
  }

  /** The version to record, once the last step fitted it. */
  get result(): Omit<StoredModelVersion, 'version'> | undefined {
    return this.trained;
  }

  /** The training table (for tests and the CLI's summary). */
  get features(): FeatureTable | undefined {
    return this.table;
  }

  /**
   * Where the run is: the phase and its units, log positions read (`read`), identifiers
   * resolved to profiles (`resolve`), then the table and the fit as one unit (`fit`).
   */
  get stage(): TrainingStage {
    switch (this.phase) {
      case 'read':
        return { phase: 'read', ...this.progress };
      case 'resolve':
        return { phase: 'resolve', done: this.resolved, total: this.keys.length };
      case 'fit':
        return { phase: 'fit', done: 0, total: 1 };
      case 'done':
        return { phase: 'done', done: 1, total: 1 };
    }
  }

  get progress(): { done: number; total: number } {
    const total = this.total ?? 0;
    return { done: this.phase === 'read' ? Math.min(this.position, total) : total, total };
  }

  async step(): Promise<JobStep> {
    switch (this.phase) {
      case 'read':
        return this.readPage();
      case 'resolve':
        return this.resolveChunk();
      case 'fit':
        if (this.current === undefined) this.fit();
        else this.measureDrift(this.current);
        this.phase = 'done';
        return { worked: 1, progress: this.progress, finished: true };
      case 'done':
        return { worked: 0, finished: true };
    }
  }

  private async readPage(): Promise<JobStep> {
    if (this.total === undefined) await this.compileTraits();
    this.total ??= (await this.deps.log.stats()).lastPosition;
    const page = await this.deps.log.read(this.position, this.deps.pageSize ?? 5000);
    for (const { message } of page) this.take(message);
    this.read += page.length;
    this.position = page[page.length - 1]?.position ?? this.position;
    if (page.length === 0 || this.position >= this.total) {
      this.keys.push(...this.identifiers.keys());
      this.phase = 'resolve';
    }
    return { worked: Math.max(page.length, 1), progress: this.progress, finished: false };
  }

  /** Compiles the computed traits the model names (an unknown one is refused before reading). */
  private async compileTraits(): Promise<void> {
    // Drift reads what the version learnt from, whatever the definition names now.
    const names =
      this.current === undefined ? this.model.features?.computed : this.current.computedTraits;
    if (names === undefined || names.length === 0) return;
    const compiled = computedTraitPlan((await this.deps.computedTraits?.()) ?? [], names);
    if (!compiled.ok)
      throw new TailorError('invalid_request', `model ${this.model.name}: ${compiled.error}`);
    this.traitPlan = compiled.value;
    this.readsTraits = compiled.value.plan.ruled.some((r) => r.readsProfile);
  }

  private take(message: StoredMessage): void {
    if (message.userId === null && message.anonymousId === null) return;
    if (messageRefusesModels(message, this.deps.purpose) || this.deps.suppressed(message)) return;
    const ids = () => ({
      user: message.userId === null ? -1 : this.idOf(`u:${message.userId}`),
      anonymous: message.anonymousId === null ? -1 : this.idOf(`a:${message.anonymousId}`),
    });
    if (this.traitPlan !== undefined) this.takeForTraits(message, this.traitPlan, ids);
    const event = timedEvent(message);
    if (event === undefined) return;
    this.latest = Math.max(this.latest, event.at);
    this.events.push({ ...ids(), event });
  }

  /**
   * Keeps what the named computed traits fold, as the pipeline feeds them: every event feeding
   * them (Tailor's own included, as the live trait counts them) and identify traits when a
   * stage's rules read the profile.
   */
  private takeForTraits(
    message: StoredMessage,
    traits: ComputedTraitPlan,
    ids: () => { user: number; anonymous: number },
  ): void {
    const at = Date.parse(message.timestamp);
    if (!Number.isFinite(at)) return;
    const event = derivedEvent(message);
    if (event?.event !== undefined && traits.plan.byEvent.has(event.event))
      this.traitEvents.push({ ...ids(), event: { at, ...event } });
    else if (this.readsTraits && message.type === 'identify' && message.traits !== undefined)
      this.traitEvents.push({ ...ids(), event: { at, traits: message.traits } });
  }

  /**
   * Adds the named computed traits to a table's rows, as they were at `at` for each of its
   * people (everyone's values at `at` make the population RFM and CLV are scored against).
   */
  private addComputed(table: FeatureTable, at: number): void {
    if (this.traitPlan === undefined) return;
    const byPerson = new Map<string, TraitFeedEvent[]>();
    for (const { user, anonymous, event } of this.traitEvents) {
      if (event.at > at) continue;
      const owner = this.ownerOf(user, anonymous);
      if (owner === null) continue;
      let list = byPerson.get(owner);
      if (list === undefined) byPerson.set(owner, (list = []));
      list.push(event);
    }
    for (const row of table.rows) if (!byPerson.has(row.id)) byPerson.set(row.id, []);
    const computed = computedTraitsAt(
      this.traitPlan,
      [...byPerson].map(([id, events]) => ({ id, events })),
      at,
    );
    for (const row of table.rows) Object.assign(row.features, computed.rows.get(row.id));
    for (const row of table.rows) for (const c of computed.columns) row.features[c] ??= null;
    const first = table.columns.findIndex((c) => c.startsWith('trait:'));
    table.columns.splice(first === -1 ? table.columns.length : first, 0, ...computed.columns);
  }

  private idOf(key: string): number {
    let id = this.identifiers.get(key);
    if (id === undefined) this.identifiers.set(key, (id = this.identifiers.size));
    return id;
  }

  private async resolveChunk(): Promise<JobStep> {
    const chunk = this.keys.slice(this.resolved, this.resolved + RESOLVE_CHUNK);
    const found = await Promise.all(
      chunk.map((key) =>
        this.deps.profiles.byIdentifier({
          type: key.startsWith('u:') ? 'userId' : 'anonymousId',
          value: key.slice(2),
        }),
      ),
    );
    chunk.forEach((key, j) => {
      const profile = found[j];
      this.person[this.resolved + j] =
        profile === undefined
          ? undefined
          : refusesModels(profile, this.deps.purpose)
            ? null
            : `p:${profile.id}`;
    });
    this.resolved += chunk.length;
    if (this.resolved >= this.keys.length) this.phase = 'fit';
    return { worked: Math.max(chunk.length, 1), progress: this.progress, finished: false };
  }

  /** Each person's events after `start` (ms), by person key; refused people left out. */
  private eventsByPerson(start: number): Map<string, TimedEvent[]> {
    const byPerson = new Map<string, TimedEvent[]>();
    for (const { user, anonymous, event } of this.events) {
      if (event.at <= start) continue;
      const owner = this.ownerOf(user, anonymous);
      if (owner === null) continue;
      let list = byPerson.get(owner);
      if (list === undefined) byPerson.set(owner, (list = []));
      list.push(event);
    }
    return byPerson;
  }

  /**
   * Everyone's features now (events in the horizon before now), as the version reads them, and
   * their scores, against the version's training distribution: PSI and KS per feature and score.
   */
  private measureDrift(version: StoredModelVersion): void {
    const reference = version.reference;
    if (reference === undefined)
      throw new TailorError(
        'conflict',
        `model ${this.model.name} version ${String(version.version)} was trained without a drift reference: train it again`,
      );
    const now = this.deps.now();
    const start = now - (this.model.horizonDays ?? DEFAULT_HORIZON_DAYS) * DAY;
    const table = pointInTimeFeatures(
      [...this.eventsByPerson(start)].map(([id, events]) => ({ id, events })),
      now,
      undefined,
      {
        events: version.countedEvents,
        ...(this.model.features?.amount === undefined
          ? {}
          : { amount: this.model.features.amount }),
      },
    );
    this.addComputed(table, now);
    const rows = table.rows.map((r) => textRow(r.features));
    const scores = rows.length === 0 ? [] : scoreRows(version.classifier, rows);
    const features = Object.entries(reference.features)
      .map(([feature, ref]) => ({
        feature,
        ...featureDrift(
          ref,
          table.rows.map((r) => r.features[feature] ?? null),
        ),
      }))
      .sort((a, b) => b.psi - a.psi);
    const score = { feature: 'score', ...featureDrift(reference.score, scores) };
    this.drifted = {
      version: version.version,
      trainedAt: version.trainedAt,
      computedAt: new Date(now).toISOString(),
      rows: rows.length,
      score,
      features,
      drifted: [score, ...features].filter((d) => d.psi >= MAJOR_PSI).map((d) => d.feature),
      matured: this.matured(version),
    };
  }

  /**
   * Calibration as outcomes mature: the version's scores at the latest cutoff whose label window
   * has passed (the latest event minus the window, as training takes it), against the labels
   * that came in it. Null until that cutoff is later than the version's own.
   */
  private matured(version: StoredModelVersion): MaturedCalibration | null {
    const model = this.model;
    const cutoff = this.latest - model.label.days * DAY;
    if (!Number.isFinite(cutoff) || cutoff <= Date.parse(version.cutoff)) return null;
    const start = cutoff - (model.horizonDays ?? DEFAULT_HORIZON_DAYS) * DAY;
    const table = pointInTimeFeatures(
      [...this.eventsByPerson(start)].map(([id, events]) => ({ id, events })),
      cutoff,
      { kind: model.type, pattern: labelPattern(model), days: model.label.days },
      {
        events: version.countedEvents,
        ...(model.features?.amount === undefined ? {} : { amount: model.features.amount }),
      },
    );
    if (table.rows.length === 0) return null;
    this.addComputed(table, cutoff);
    const scores = scoreRows(
      version.classifier,
      table.rows.map((r) => textRow(r.features)),
    );
    const labels = table.rows.map((r) => r.label ?? 0);
    const auc = rocAuc(scores, labels);
    return {
      cutoff: new Date(cutoff).toISOString(),
      labelEnd: new Date(cutoff + model.label.days * DAY).toISOString(),
      rows: labels.length,
      positives: labels.filter((l) => l === 1).length,
      auc: Number.isFinite(auc) ? auc : null,
      brier: brierScore(scores, labels),
      reliability: reliabilityTable(scores, labels),
    };
  }

  private fit(): void {
    const model = this.model;
    if (!Number.isFinite(this.latest))
      throw new TailorError('invalid_request', `model ${model.name}: the log holds no events`);
    const cutoff = this.latest - model.label.days * DAY;
    const start = cutoff - (model.horizonDays ?? DEFAULT_HORIZON_DAYS) * DAY;
    const byPerson = this.eventsByPerson(start);
    const table = pointInTimeFeatures(
      [...byPerson].map(([id, events]) => ({ id, events })),
      cutoff,
      { kind: model.type, pattern: labelPattern(model), days: model.label.days },
      {
        ...(model.features?.events === undefined ? {} : { events: model.features.events }),
        ...(model.features?.amount === undefined ? {} : { amount: model.features.amount }),
      },
    );
    this.addComputed(table, cutoff);
    this.table = table;
    const rows = table.rows.map((r) => textRow(r.features));
    const labels = table.rows.map((r) => r.label ?? 0);
    // The fairness attribute is compared across, never learnt from.
    const attribute = model.fairness && `trait:${model.fairness.attribute}`;
    const inputs = table.columns.filter((c) => c !== attribute);
    const report = trainClassifier(rows, labels, inputs);
    const fairness =
      model.fairness &&
      fairnessReport(
        model.fairness.attribute,
        table.rows.map((r) => {
          const value = r.features[attribute ?? ''];
          return value === undefined ? null : value;
        }),
        report.heldOut,
        labels,
        model.fairness.threshold ?? 0.5,
      );
    const used = new Set(report.classifier.plan.columns.map((c) => c.name));
    const reference = {
      features: Object.fromEntries(
        inputs
          .filter((c) => used.has(c))
          .map((c) => [c, featureReference(table.rows.map((r) => r.features[c] ?? null))]),
      ),
      score: featureReference(report.heldOut),
    };
    this.trained = {
      trainedAt: new Date(this.deps.now()).toISOString(),
      cutoff: new Date(cutoff).toISOString(),
      labelEnd: new Date(cutoff + model.label.days * DAY).toISOString(),
      featureStart: new Date(start).toISOString(),
      rows: report.rows,
      positives: report.positives,
      events: this.read,
      features: inputs,
      metrics: {
        ...report.cv,
        ...(fairness && { fairness }),
        reliability: reliabilityTable(report.heldOut, labels),
      },
      classifier: report.classifier,
      countedEvents: table.events,
      ...(this.traitPlan && { computedTraits: [...this.traitPlan.names] }),
      reference,
    };
  }

  /** The userId's profile, else the anonymousId's, else the identifier itself; null: refused. */
  private ownerOf(user: number, anonymous: number): string | null {
    const byUser = user === -1 ? undefined : this.person[user];
    if (byUser !== undefined) return byUser;
    const byAnonymous = anonymous === -1 ? undefined : this.person[anonymous];
    if (byAnonymous !== undefined) return byAnonymous;
    return this.keys[user === -1 ? anonymous : user] ?? null;
  }
}

/** A feature row as the classifier reads it: text cells, blank for none. */
export function textRow(features: Record<string, number | string | null>): Record<string, string> {
  const row: Record<string, string> = {};
  for (const [k, v] of Object.entries(features)) row[k] = v === null ? '' : String(v);
  return row;
}

/**
 * A message as the features read it: track, page, screen and identify; none for the rest, nor
 * for what Tailor records of its own doing: segment entries and exits, decisions and experiment
 * exposures (a model reading them would learn from its own scores: a score moves a person into a
 * segment or changes what decide shows, whose record would move the score again).
 */
export function timedEvent(message: StoredMessage): TimedEvent | undefined {
  if (OWN_SOURCES.has(message.tailor.source)) return undefined;
  const at = Date.parse(message.timestamp);
  if (!Number.isFinite(at)) return undefined;
  switch (message.type) {
    case 'track':
      return { at, event: message.event, properties: message.properties };
    case 'page':
      return { at, event: 'Page Viewed', properties: message.properties };
    case 'screen':
      return { at, event: 'Screen Viewed', properties: message.properties };
    case 'identify':
      return { at, traits: message.traits };
    default:
      return undefined;
  }
}

/**
 * Whether a profile refused analytics or the models' purpose (its events are not to be used, nor
 * scored).
 */
export function refusesModels(
  profile: Pick<StoredProfile, 'consent'>,
  purpose = MODEL_PURPOSE,
): boolean {
  const current = profile.consent.current;
  return current[MODEL_PURPOSE]?.granted === false || current[purpose]?.granted === false;
}

/** Whether a message itself says no to analytics or to the models' purpose. */
export function messageRefusesModels(message: StoredMessage, purpose = MODEL_PURPOSE): boolean {
  return ownConsent(message, MODEL_PURPOSE) === false || ownConsent(message, purpose) === false;
}
