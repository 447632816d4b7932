import {
  liveComputedTraits,
  ProfileGraph,
  refreshScores,
  scorePerson,
  type CompiledDefinitions,
  type ModelScore,
  type ScoringVersion,
  type TimedEvent,
} from '@tailor/core';
import type { Job, JobStep } from '../jobs/job.js';
import type { EventLog } from '../log/event-log.js';
import type { FoldStore, ProfileReader, StoredProfile } from '../store/profile-store.js';
import type { ModelStore } from '../store/model-store.js';
import {
  DEFAULT_HORIZON_DAYS,
  messageRefusesModels,
  refusesModels,
  timedEvent,
} from './model-training.js';

/** Profiles scored per step. */
const PAGE = 50;
/** Log events looked at per step for people whose events changed. */
const FOLLOW_PAGE = 1000;
/** Events read per person per query. */
const EVENTS_PAGE = 1000;

export interface ModelScoringDeps {
  /** The registry, and where the job's position is saved (so a restart resumes). */
  models: Pick<ModelStore, 'list' | 'version' | 'jobState' | 'saveJobState'>;
  profiles: Pick<ProfileReader, 'live' | 'byId' | 'byIdentifier' | 'eventPositions'> &
    Pick<FoldStore, 'refresh'>;
  log: Pick<EventLog, 'read' | 'readPositions' | 'stats'>;
  /** How far the pipelines have folded: per log partition, the last position folded. */
  folded: () => Promise<(partition: number) => number>;
  /** The pipeline's definitions: segments reading a score are evaluated again when it changes. */
  plan: () => Promise<CompiledDefinitions | undefined>;
  /** Reports profiles whose scores were written (caches drop them, segment entries go out). */
  changed: (profiles: string[]) => Promise<void>;
  now: () => number;
  /** Every profile is scored again this often (features move with time alone), in ms. */
  rescoreMs: number;
  /** How often the registry is read for a promotion, a rollback or a deleted model, in ms. */
  checkMs: number;
  /** The consent purpose models serve (default analytics): people refusing it are not scored. */
  purpose?: string;
}

/** A promoted version ready to score, with what the model definition adds. */
interface Scoring extends ScoringVersion {
  name: string;
}

/** The job's name, and the key its position is saved under. */
const JOB = 'model-scoring';

/** A pass over every live profile, a page per step. */
interface Pass {
  cursor: number;
  /** The log position when it began: people with later events are scored again after it. */
  from: number;
  /** The promoted versions when it began (a promotion during the pass starts another after it). */
  signature: string;
}

/** Where the job stands, as saved after each step that moved it (JSON). */
interface Position {
  pass: Pass | null;
  scoredWith: string | null;
  /** When the last pass ended (ms), null before the first. */
  passEndedAt: number | null;
  followed: number | null;
  again: string[];
}

/**
 * Keeps every profile's model scores current (docs/models.md), as a `Job` of the pipeline's
 * upkeep: the promoted version of each registry model scores each person from their own events,
 * as training built its table (point-in-time features at now), and the scores are written into
 * the profile's derived state with the segments reading them evaluated again (entries and exits
 * announced as any other).
 *
 * - A promotion, a rollback, a new or deleted model (the registry is read every `checkMs`), and
 *   every `rescoreMs` (windows slide, days since the last event grow), start a pass over every live
 *   profile, a page per step.
 * - Between passes, the log is followed: a person with events folded since is scored again.
 * - People who refused analytics or the models' purpose (`models.purpose`) are not scored, and
 *   lose the scores they had.
 *
 * Its position (the pass under way and its page, what the last pass scored with and when, how
 * far the log was followed, people waiting to be scored again) is saved in the model store after
 * each step that moved it, so a restart, or another node taking the upkeep over, resumes there.
 */
export class ModelScoringJob implements Job {
  readonly name = JOB;
  private scorings: Scoring[] = [];
  /** The promoted versions the last pass scored with (`name@version`, sorted). */
  private scoredWith: string | undefined;
  private checkedAt = -Infinity;
  private passEndedAt = -Infinity;
  private pass: Pass | undefined;
  /** The log position up to which people with new events were scored again. */
  private followed: number | undefined;
  /** People to score again (their events moved on while they were scored). */
  private readonly again = new Set<string>();
  /** Whether the saved position was read (on the first step). */
  private restored = false;

  constructor(private readonly deps: ModelScoringDeps) {}

  async step(): Promise<JobStep> {
    if (!this.restored) await this.restore();
    const now = this.deps.now();
    // Checked on the machine's clock: reading the registry is load, not part of the scores.
    if (performance.now() - this.checkedAt >= this.deps.checkMs) {
      this.checkedAt = performance.now();
      await this.readRegistry();
      const signature = this.signature();
      if (
        this.pass === undefined &&
        (signature !== this.scoredWith ||
          (this.scorings.length > 0 && now - this.passEndedAt >= this.deps.rescoreMs))
      )
        this.pass = {
          cursor: 0,
          from: (await this.deps.log.stats()).lastPosition,
          signature,
        };
    }
    if (this.pass !== undefined) return this.passStep(this.pass);
    if (this.again.size > 0) {
      const ids = [...this.again].slice(0, PAGE);
      for (const id of ids) this.again.delete(id);
      const people = (await Promise.all(ids.map((id) => this.deps.profiles.byId(id)))).filter(
        (p): p is StoredProfile => p !== undefined,
      );
      await this.score(people);
      await this.save();
      return { worked: Math.max(ids.length, 1), finished: this.again.size === 0 };
    }
    return this.follow();
  }

  /** Scores one page of every live profile; the last page ends the pass. */
  private async passStep(pass: Pass): Promise<JobStep> {
    const page = await this.deps.profiles.live(pass.cursor, PAGE);
    await this.score(page.profiles);
    pass.cursor = page.profiles[page.profiles.length - 1]?.rank ?? pass.cursor;
    if (page.next === null) {
      this.pass = undefined;
      this.scoredWith = pass.signature;
      this.passEndedAt = this.deps.now();
      this.followed = pass.from;
    }
    await this.save();
    return { worked: Math.max(page.profiles.length, 1), finished: page.next === null };
  }

  /**
   * People whose events were folded since the last look are scored again: the log after the
   * followed position, up to the first event no pipeline has folded yet.
   */
  private async follow(): Promise<JobStep> {
    const idle = { worked: 0, finished: true };
    if (this.followed === undefined || this.scorings.length === 0) return idle;
    const { lastPosition } = await this.deps.log.stats();
    if (lastPosition <= this.followed) return idle;
    const folded = await this.deps.folded();
    const events = await this.deps.log.read(this.followed, FOLLOW_PAGE);
    const identifiers = new Map<string, { type: 'userId' | 'anonymousId'; value: string }>();
    let to = this.followed;
    for (const { position, partition, message } of events) {
      if (folded(partition) < position) break;
      to = position;
      if (message.userId !== null)
        identifiers.set(`u:${message.userId}`, { type: 'userId', value: message.userId });
      else if (message.anonymousId !== null)
        identifiers.set(`a:${message.anonymousId}`, {
          type: 'anonymousId',
          value: message.anonymousId,
        });
    }
    if (to === this.followed) return idle;
    const found = await Promise.all(
      [...identifiers.values()].map((i) => this.deps.profiles.byIdentifier(i)),
    );
    const people = new Map<string, StoredProfile>();
    for (const p of found) if (p !== undefined) people.set(p.id, p);
    for (let i = 0; i < people.size; i += PAGE)
      await this.score([...people.values()].slice(i, i + PAGE));
    this.followed = to;
    await this.save();
    return { worked: Math.max(people.size, 1), finished: false };
  }

  /** Scores people by every promoted model and writes what changed. */
  private async score(people: readonly StoredProfile[]): Promise<void> {
    const now = this.deps.now();
    const scores = new Map<string, Record<string, ModelScore>>();
    const lastEvents = new Map<string, number>();
    const plan = this.scorings.some((s) => s.computedTraits !== undefined)
      ? await this.deps.plan()
      : undefined;
    for (const person of people) {
      const next: Record<string, ModelScore> = {};
      if (this.scorings.length > 0 && !refusesModels(person, this.deps.purpose)) {
        const { events, last } = await this.eventsOf(person.id);
        lastEvents.set(person.id, last);
        for (const scoring of this.scorings) {
          const computed =
            scoring.computedTraits === undefined
              ? {}
              : liveComputedTraits(plan, scoring.computedTraits, person.computed, now);
          const score = scorePerson(scoring, events, now, computed);
          if (score !== undefined) next[scoring.name] = score;
        }
      }
      if (!sameScores(person.scores, next)) scores.set(person.id, next);
    }
    if (scores.size === 0) return;
    const definitions = plan ?? (await this.deps.plan());
    const moved = await this.deps.profiles.refresh(
      [...scores.keys()],
      (snapshot) => {
        const graph = new ProfileGraph(snapshot);
        for (const [id, next] of scores) {
          const profile = graph.find(id);
          if (profile !== undefined) refreshScores(graph, profile, next, definitions, now);
        }
        return graph.changes;
      },
      new Map([...lastEvents].filter(([id]) => scores.has(id))),
    );
    for (const id of moved) this.again.add(id);
    await this.deps.changed([...scores.keys()].filter((id) => !moved.includes(id)));
  }

  /** A person's events as features read them (merged profiles' included), and the last position. */
  private async eventsOf(profileId: string): Promise<{ events: TimedEvent[]; last: number }> {
    const events: TimedEvent[] = [];
    let last = 0;
    for (let after = 0; ;) {
      const page = await this.deps.profiles.eventPositions(profileId, after, EVENTS_PAGE);
      for (const { message } of await this.deps.log.readPositions(page.positions)) {
        if (messageRefusesModels(message, this.deps.purpose)) continue;
        const event = timedEvent(message);
        if (event !== undefined) events.push(event);
      }
      last = page.positions[page.positions.length - 1] ?? last;
      if (page.next === null) return { events, last };
      after = page.next;
    }
  }

  /** Reads the saved position (none: a pass scores everyone, as on a first start). */
  private async restore(): Promise<void> {
    const saved = (await this.deps.models.jobState(JOB)) as Position | undefined;
    this.restored = true;
    if (saved === undefined) return;
    this.pass = saved.pass ?? undefined;
    this.scoredWith = saved.scoredWith ?? undefined;
    this.passEndedAt = saved.passEndedAt ?? -Infinity;
    this.followed = saved.followed ?? undefined;
    for (const id of saved.again) this.again.add(id);
  }

  private save(): Promise<void> {
    const position: Position = {
      pass: this.pass ?? null,
      scoredWith: this.scoredWith ?? null,
      passEndedAt: Number.isFinite(this.passEndedAt) ? this.passEndedAt : null,
      followed: this.followed ?? null,
      again: [...this.again],
    };
    return this.deps.models.saveJobState(JOB, position);
  }

  /** The promoted version of every model. */
  private async readRegistry(): Promise<void> {
    const scorings: Scoring[] = [];
    for (const model of await this.deps.models.list()) {
      if (model.promoted === undefined) continue;
      const version = await this.deps.models.version(model.name, model.promoted);
      if (version === undefined) continue;
      scorings.push({
        name: model.name,
        version: version.version,
        classifier: version.classifier,
        countedEvents: version.countedEvents,
        computedTraits: version.computedTraits,
        amount: model.features?.amount,
        horizonDays: model.horizonDays ?? DEFAULT_HORIZON_DAYS,
      });
    }
    this.scorings = scorings.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** What the scores depend on besides events and time: each version and how features read. */
  private signature(): string {
    return JSON.stringify(
      this.scorings.map((s) => [s.name, s.version, s.horizonDays, s.amount ?? null]),
    );
  }
}

/** Whether two sets of scores say the same (their times and explanations apart). */
function sameScores(a: Record<string, ModelScore>, b: Record<string, ModelScore>): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every(
    (name) => a[name]?.version === b[name]?.version && a[name]?.score === b[name]?.score,
  );
}
