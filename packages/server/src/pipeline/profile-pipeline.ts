import {
  consentValues,
  extractIdentifiers,
  foldEvents,
  ProfileGraph,
  refreshDue,
  sourceRanker,
  type CompiledDefinitions,
  type GraphChanges,
  type ProfileState,
  type TraitPopulation,
  type StoredMessage,
  type IdentifierRef,
  type IdentityRules,
  type TraitPolicy,
} from '@tailor/core';
import type { EventLog, LoggedEvent } from '../log/event-log.js';
import { JobRunner, type Job } from '../jobs/job.js';
import { BackfillJob } from './backfill-job.js';
import { PopulationJob } from './population-job.js';
import { BackgroundLoop } from './background-loop.js';
import type { Backfill } from '../store/backfill-jobs.js';
import type { BatchKeys, PendingErasure, ProfileStore } from '../store/profile-store.js';
import { ERASURE_GRACE_MS, ErasureJob } from './erasure-job.js';
import { ErasureCoordinator } from '../privacy/erasure-coordinator.js';

export interface PipelineOptions {
  log: EventLog;
  store: ProfileStore;
  rules: IdentityRules;
  policy: TraitPolicy;
  /** Events folded per transaction. */
  batchSize?: number;
  /**
   * Its name as a log consumer (`profiles` by default). Nodes on JetStream run one pipeline per
   * partition they hold, each with its own name and position (`profiles/3`).
   */
  consumer?: string;
  /** Fold only the events of these partitions of the log (all by default). */
  partitions?: readonly number[];
  /**
   * The partitions a node holds now (they move between nodes): each is folded under its own
   * consumer (`partitionConsumer`), all of them together, a transaction per batch moving each
   * one's position, so a node holding several pays a transaction's round trips once. Replaces
   * `consumer` and `partitions`; such a pipeline runs no stages.
   */
  held?: () => readonly number[];
  /**
   * Which of its work this pipeline does: folding events, and the upkeep that is not per
   * partition (time sweeps, backfills, RFM cuts). Both by default; on several nodes each
   * partition's pipeline folds and one pipeline in the installation (its lease holder) does the upkeep.
   */
  work?: { fold: boolean; upkeep: boolean };
  /** How often to look for events appended by another process (an import), in ms. */
  pollMs?: number;
  /**
   * After a fold of fewer events than `batchSize` (the log caught up), wait this long before
   * reading again, so that the events arriving meanwhile fold together: fewer and larger
   * transactions. 0 (the default; the embedded store) reads again at once. A backlog (a full
   * batch) is read on without waiting.
   */
  gatherMs?: number;
  now?: () => number;
  /** Called after each folded batch with its size and the age of its newest event's receipt. */
  onBatch?: (events: number, lagSeconds: number) => void;
  onError?: (error: unknown) => void;
  /** Reads the definitions from the store again (before a backfill: see BackfillJob). */
  reloadDefinitions?: () => Promise<void>;
  /** The current computed traits and segments (changes as definitions change). */
  definitions?: () => CompiledDefinitions | undefined;
  /** Called after the pipeline appended events of its own (segment entries and exits). */
  onAppended?: () => void;
  /** Appends the pipeline's own events (segment entries and exits); `log.append` by default. */
  append?: (messages: readonly StoredMessage[]) => Promise<unknown>;
  /** Told after each commit which profiles and identifiers it changed (decide's cache drops them). */
  onChanged?: (profiles: string[], identifiers: IdentifierRef[]) => void;
  /**
   * Completes erasures once the profile store's part is done: asks the log and every other owner
   * (deliveries, counts, suppressions, audit). Without one, the log alone is asked.
   */
  erasures?: ErasureCoordinator;
  /** The consent purposes kept on profiles. */
  purposes?: readonly string[];
  /** How old an RFM population's quintile cuts may grow before they are computed again, in ms. */
  populationRefreshMs?: number;
  /** Further consumers of the log that follow each folded batch, in order (the bandits' counts). */
  stages?: readonly PipelineStage[];
  /**
   * Whether a message names a suppressed (erased) person: it is not folded (no profile is made or
   * changed for them) and is erased from the log, wherever it came from (one appended before the
   * erasure was known, another process's).
   */
  suppressed?: (message: StoredMessage) => boolean;
  /**
   * Further upkeep jobs, run after the built-in ones (the model scoring job), given what they need
   * of this pipeline: its definitions, and how to report profiles they changed.
   */
  upkeepJobs?: (pipeline: UpkeepContext) => readonly Job[];
}

/** What an upkeep job of the options' `upkeepJobs` can ask of the pipeline running it. */
export interface UpkeepContext {
  /** The current definitions, with the populations this pipeline knows attached. */
  plan: () => Promise<CompiledDefinitions | undefined>;
  /** Profiles the job changed through `refresh`: caches drop them, segment changes go out. */
  changed: (profiles: string[]) => Promise<void>;
}

/**
 * A consumer of the log run by the pipeline after each batch it folds. It keeps its own position
 * (moved with its own state), never goes past the pipeline's, and reads the log itself when it is
 * behind (after a restart or an erasure).
 */
export interface PipelineStage {
  /** The pipeline folded the events in (range.from, range.to], with what the fold changed. */
  follow(
    events: readonly LoggedEvent[],
    range: { from: number; to: number },
    changes?: GraphChanges,
  ): Promise<void>;
}

/** The pipeline's name as a log consumer. */
export const PROFILES_CONSUMER = 'profiles';

/** How long an erasure left unfinished here waits before this pipeline tries it again (then twice as long). */
const RETRY_ERASURE_MS = 2000;

/** The consumer name of the pipeline folding one partition of a partitioned log. */
export const partitionConsumer = (partition: number): string =>
  `${PROFILES_CONSUMER}/${String(partition)}`;

/**
 * Folds the event log into the identity graph and profiles, in log order, a batch per transaction.
 * The consumer's position moves in the same transaction as the state, so a crash or a second
 * process (a CLI catching up while the server runs) never folds an event twice.
 */
export class ProfilePipeline {
  private readonly loop: BackgroundLoop;
  private readonly rank: (source: string) => number;
  /** The RFM cuts known so far (loaded once, then kept by this pipeline) and the plan they were given to. */
  private populations: Map<string, TraitPopulation> | undefined;
  private planWithPopulations: CompiledDefinitions | undefined;

  private readonly consumer: string;
  /** Where this pipeline's consumers have folded to, as far as it knows (else read from the store). */
  private readonly positions = new Map<string, number>();
  /** Whether the outbox was emptied after the last fold that could have added to it. */
  private outboxChecked = false;
  /** The definitions generation this pipeline's definitions were read at (with `reloadDefinitions`). */
  private definitionsRead: number | undefined;
  /** The upkeep's jobs, a step at a time between batches: backfills first, then RFM cuts. */
  private readonly backfill: BackfillJob;
  private readonly jobs: JobRunner;
  private readonly erasures: ErasureCoordinator;
  /**
   * Erasures this pipeline began whose other owners failed (the log's delete timing out, say):
   * tried again between batches, waiting longer after each failure, rather than only by the
   * erasure job after its grace period. Lost with the process; the job finishes them then.
   */
  private readonly unfinished: { erasure: PendingErasure; at: number; waitMs: number }[] = [];

  constructor(private readonly options: PipelineOptions) {
    this.erasures =
      options.erasures ??
      new ErasureCoordinator(
        [{ name: 'the log', erase: (person) => options.log.erase(person.positions) }],
        options.store,
      );
    this.consumer = options.consumer ?? PROFILES_CONSUMER;
    this.backfill = new BackfillJob({
      store: options.store,
      log: options.log,
      plan: () => this.plan(),
      now: () => this.now(),
      ...(options.purposes && { purposes: options.purposes }),
      ...(options.reloadDefinitions && { reload: options.reloadDefinitions }),
      rebuilt: async (profiles) => {
        this.options.onChanged?.(profiles, []);
        await this.flushOutbox();
      },
    });
    this.jobs = new JobRunner([
      new ErasureJob({
        store: options.store,
        now: () => this.now(),
        complete: (erasure) => this.completeErasure(erasure),
      }),
      this.backfill,
      new PopulationJob({
        store: options.store,
        plan: () => this.plan(),
        now: () => this.now(),
        refreshMs: options.populationRefreshMs ?? 3_600_000,
        computed: (key, population) => this.populations?.set(key, population),
      }),
      ...(options.upkeepJobs?.({
        plan: () => this.plan(),
        changed: async (profiles) => {
          if (profiles.length > 0) this.options.onChanged?.(profiles, []);
          await this.flushOutbox();
        },
      }) ?? []),
    ]);
    this.rank = sourceRanker(options.policy);
    const gatherMs = options.gatherMs ?? 0;
    const batchSize = options.batchSize ?? 1000;
    this.loop = new BackgroundLoop(() => this.next(), {
      pollMs: options.pollMs ?? 250,
      onError: options.onError,
      ...(gatherMs > 0 && { restMs: (done) => (done < batchSize ? gatherMs : 0) }),
    });
  }

  /** Starts folding: now, whenever `wake` is called, and on a poll for other writers. */
  start(): void {
    this.loop.start();
  }

  /** New events were appended: fold them soon (once started). */
  wake(): void {
    this.loop.wake();
  }

  /** Folds everything in the log now; resolves when caught up. */
  async catchUp(): Promise<void> {
    await this.loop.idle();
    while ((await this.next()) > 0) {
      /* next batch */
    }
  }

  /**
   * Runs the pending backfills to the end now (the CLI's `segments backfill`), reporting each
   * step's progress. Folds the log first, so the rebuild sees every event.
   */
  async runBackfills(onProgress: (job: Backfill) => void): Promise<void> {
    await this.catchUp();
    for (;;) {
      const job = await this.options.store.backfills.next();
      if (job === undefined) return;
      await this.backfill.step();
      const now = await this.options.store.backfills.latest(job.names[0] ?? '');
      if (now) onProgress(now);
    }
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * One unit of work: a batch of events, else people due for re-evaluation, else a backfill page,
   * else a page of an RFM population's re-scoring.
   */
  private async next(): Promise<number> {
    const { fold, upkeep } = this.options.work ?? { fold: true, upkeep: true };
    if (fold && !upkeep) return this.step();
    if (upkeep && !fold) {
      return (await this.sweep()) || this.jobs.step();
    }
    return (await this.step()) || (await this.sweep()) || this.jobs.step();
  }

  /** The current definitions, with the RFM cuts this pipeline knows attached. */
  private async plan(): Promise<CompiledDefinitions | undefined> {
    const plan = this.options.definitions?.();
    if (plan === undefined) return undefined;
    this.populations ??= await this.options.store.populations();
    if (plan !== this.planWithPopulations) {
      for (const [key, population] of this.populations) plan.populations.set(key, population);
      this.planWithPopulations = plan;
    }
    return plan;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Re-evaluates people whose segments or computed traits change by time alone now. */
  private async sweep(): Promise<number> {
    const plan = await this.plan();
    if (plan === undefined) return 0;
    const now = this.now();
    const due = await this.options.store.due(now, 500);
    if (due.length === 0) return 0;
    await this.options.store.refresh(due, (snapshot) => {
      const graph = new ProfileGraph(snapshot);
      for (const id of due) {
        const profile = graph.find(id);
        if (profile) refreshDue(graph, profile, plan, now);
        else graph.changes.timers.set(id, null);
      }
      return graph.changes;
    });
    this.options.onChanged?.(due, []);
    await this.flushOutbox();
    return due.length;
  }

  /**
   * Tells `onChanged` what a fold changed that a reader of profiles can see: profiles whose traits,
   * computed traits, segments, groups or consent changed, merged profiles, and every identifier linked. A
   * profile whose events only moved counters (its own `Decision Made` events feeding exposure
   * counts, which decide keeps track of itself) is not reported, so decide's cache keeps it; nor is
   * one the fold never read (only its times moved).
   */
  private reportChanges(changes: GraphChanges, before: ReadonlyMap<string, string>): void {
    const onChanged = this.options.onChanged;
    if (onChanged === undefined) return;
    const profiles = new Set<string>(changes.created.map((p) => p.id));
    for (const [id, profile] of changes.touched) {
      const was = before.get(id);
      if (was !== undefined && was !== visibleState(profile)) profiles.add(id);
    }
    for (const m of changes.merges) profiles.add(m.into).add(m.from);
    onChanged(
      [...profiles],
      changes.attached.map(({ type, value }) => ({ type, value })),
    );
  }

  /**
   * Erases a person: every table of the profile store (one transaction, which also moves past the
   * instruction and records what is left to erase), then the rest (`completeErasure`).
   */
  private async erase(instruction: LoggedEvent, consumer: string, from: number): Promise<number> {
    const { store } = this.options;
    const order = instruction.message.tailor.erase;
    if (order === undefined) return 0;
    this.positions.clear(); // moved by the erasure's transaction (or by another process)
    const erased = await store.erase(
      order.profileId,
      consumer,
      { from, to: instruction.position },
      {
        requestId: order.requestId,
        requestedBy: instruction.message.tailor.source,
        at: this.now(),
      },
    );
    if (erased === undefined) return 1; // another process moved the position
    try {
      await this.completeErasure(erased);
    } catch (error) {
      this.unfinished.push({
        erasure: erased,
        at: this.now() + RETRY_ERASURE_MS,
        waitMs: RETRY_ERASURE_MS,
      });
      throw error;
    }
    return 1;
  }

  /** Tries again the erasures left unfinished here that are due; a failure waits twice as long. */
  private async retryUnfinished(): Promise<void> {
    const now = this.now();
    for (const item of [...this.unfinished]) {
      if (item.at > now) continue;
      try {
        await this.completeErasure(item.erasure);
        this.unfinished.splice(this.unfinished.indexOf(item), 1);
      } catch (error) {
        item.waitMs = Math.min(item.waitMs * 2, ERASURE_GRACE_MS);
        item.at = now + item.waitMs;
        this.options.onError?.(error); // folding goes on meanwhile
      }
    }
  }

  /**
   * Has every other owner erase what it holds of a person the profile store erased (the
   * coordinator then marks the erasure done); run again by the erasure job when a process stopped
   * between.
   */
  private async completeErasure(erased: PendingErasure): Promise<void> {
    await this.erasures.complete(erased);
    this.options.onChanged?.(erased.profiles, erased.identifiers);
  }

  /** The events that name no suppressed person; the others are erased from the log. */
  private async withoutSuppressed(events: readonly LoggedEvent[]): Promise<readonly LoggedEvent[]> {
    const suppressed = this.options.suppressed;
    if (suppressed === undefined) return events;
    const dropped: number[] = [];
    const kept = events.filter((e) =>
      suppressed(e.message) ? (dropped.push(e.position), false) : true,
    );
    if (dropped.length > 0) await this.options.log.erase(dropped);
    return kept;
  }

  /** Appends the segment entries and exits decided so far to the log (idempotent by messageId). */
  private async flushOutbox(): Promise<void> {
    const { log, store } = this.options;
    for (
      let pending = await store.outbox(500);
      pending.length > 0;
      pending = await store.outbox(500)
    ) {
      const messages = pending.map((p) => p.message);
      await (this.options.append ? this.options.append(messages) : log.append(messages));
      await store.ackOutbox(pending[pending.length - 1]?.seq ?? 0);
      this.options.onAppended?.();
    }
  }

  /**
   * Reads the definitions again, after their generation: a change saved before that generation
   * moved is in what is read. Folds then name the generation, and one folded under older
   * definitions (another node or thread changed them; the news has not come) is refused.
   */
  private async readDefinitions(): Promise<void> {
    const generation = await this.options.store.definitions.generation();
    await this.options.reloadDefinitions?.();
    this.definitionsRead = generation;
  }

  /** Folds one batch; returns how many events it folded (0 when caught up). */
  private async step(): Promise<number> {
    const { log, store } = this.options;
    if (this.unfinished.length > 0) await this.retryUnfinished();
    if (this.definitionsRead === undefined && this.options.reloadDefinitions)
      await this.readDefinitions();
    // One consumer over its partitions, or one per partition the node holds, folded together.
    const held = this.options.held?.();
    const sources =
      held === undefined
        ? [{ consumer: this.consumer, partitions: this.options.partitions }]
        : held.map((p) => ({ consumer: partitionConsumer(p), partitions: [p] }));
    if (sources.length === 0) return 0;
    // Kept between batches; a fold refused as moved (another process folded first) reads them again.
    const froms = await Promise.all(
      sources.map(async ({ consumer }) => {
        const known = this.positions.get(consumer);
        if (known !== undefined) return known;
        const at = await store.position(consumer);
        this.positions.set(consumer, at);
        return at;
      }),
    );
    const batchSize = this.options.batchSize ?? 1000;
    const reads = await Promise.all(
      sources.map((source, i) => log.read(froms[i] ?? 0, batchSize, source.partitions)),
    );
    const taken: LoggedEvent[] = [];
    const moves: { consumer: string; from: number; to: number }[] = [];
    for (const [i, read] of reads.entries()) {
      const consumer = sources[i]?.consumer ?? this.consumer;
      const from = froms[i] ?? 0;
      // An erasure is carried out alone, at its place in the log: what came before is folded first.
      const eraseAt = read.findIndex((e) => e.message.tailor.erase !== undefined);
      if (eraseAt === 0 && read[0] !== undefined) return this.erase(read[0], consumer, from);
      const part = eraseAt > 0 ? read.slice(0, eraseAt) : read;
      const last = part[part.length - 1];
      if (last === undefined) continue;
      taken.push(...part);
      moves.push({ consumer, from, to: last.position });
    }
    const first = moves[0];
    if (first === undefined) return 0;
    if (moves.length > 1) taken.sort((a, b) => a.position - b.position);
    const newest = taken[taken.length - 1] as LoggedEvent;
    const events = await this.withoutSuppressed(taken);
    const keys = batchKeys(events, this.options.rules);
    const now = this.now();
    const plan = await this.plan();
    let changes: GraphChanges | undefined;
    // What readers saw of each profile the fold read, taken as it first reads it.
    const before = new Map<string, string>();
    const outcome = await store.foldBatch({
      moves,
      keys,
      fold: (snapshot) => {
        before.clear();
        changes = foldEvents(new ProfileGraph(snapshot), events, {
          rules: this.options.rules,
          rank: this.rank,
          now,
          ...(plan && { plan }),
          ...(this.options.purposes && { purposes: this.options.purposes }),
        });
        return changes;
      },
      read:
        this.options.onChanged &&
        ((profile) => {
          before.set(profile.id, visibleState(profile));
        }),
      identified: events.map(({ position, message }) => ({
        position,
        userId: message.userId,
        anonymousId: message.anonymousId,
      })),
      ...(this.definitionsRead !== undefined && { definitions: this.definitionsRead }),
    });
    if (outcome === 'moved') {
      this.positions.clear(); // another process moved a position: read again from where they are now
      return 1;
    }
    if (outcome === 'stale') {
      await this.readDefinitions();
      return 1;
    }
    for (const move of moves) this.positions.set(move.consumer, move.to);
    if (changes !== undefined) this.reportChanges(changes, before);
    // Stages keep one position over the log: they follow a pipeline of one consumer only.
    if (held === undefined)
      for (const stage of this.options.stages ?? [])
        await stage.follow(events, { from: first.from, to: first.to }, changes);
    // Entries, exits and stage changes go to the outbox; one left by a failed flush or a crash is sent first.
    if (
      !this.outboxChecked ||
      (changes?.memberships.length ?? 0) > 0 ||
      (changes?.announced.length ?? 0) > 0
    ) {
      this.outboxChecked = false;
      await this.flushOutbox();
      this.outboxChecked = true;
    }
    this.options.onBatch?.(
      events.length,
      Math.max(0, now - Date.parse(newest.message.receivedAt)) / 1000,
    );
    return taken.length;
  }
}

/** What readers of a profile see of it, as one string to compare before and after a fold. */
function visibleState(profile: ProfileState): string {
  return JSON.stringify([
    profile.traits,
    profile.groups,
    profile.derived.computed,
    profile.derived.segments,
    consentValues(profile.consent),
  ]);
}

/** Every identifier and groupId a batch may look up (an alias's previousId as either type). */
function batchKeys(events: readonly LoggedEvent[], rules: IdentityRules): BatchKeys {
  const identifiers: IdentifierRef[] = [];
  const groups: string[] = [];
  const profiles: string[] = [];
  for (const { message } of events) {
    if (message.tailor.merge) profiles.push(...message.tailor.merge.profiles);
    const extracted = extractIdentifiers(message, rules);
    identifiers.push(...extracted.identifiers);
    if (extracted.previousId !== undefined) {
      identifiers.push(
        { type: 'userId', value: extracted.previousId },
        { type: 'anonymousId', value: extracted.previousId },
      );
    }
    if (message.type === 'group' && message.groupId !== undefined) groups.push(message.groupId);
  }
  return { identifiers, groups, profiles };
}
