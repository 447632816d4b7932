import {
  extractIdentifiers,
  foldEvents,
  ProfileGraph,
  rebuildDerived,
  refreshDue,
  sourceRanker,
  type CompiledDefinitions,
  type StoredMessage,
  type IdentifierRef,
  type IdentityRules,
  type TraitPolicy,
} from '@tailor/core';
import type { EventLog, LoggedEvent } from '../log/event-log.js';
import { BackgroundLoop } from './background-loop.js';
import type { Backfill } from '../store/backfill-jobs.js';
import type { BatchKeys, ProfileStore } from '../store/profile-store.js';

export interface PipelineOptions {
  log: EventLog;
  store: ProfileStore;
  rules: IdentityRules;
  policy: TraitPolicy;
  /** Events folded per transaction. */
  batchSize?: number;
  /** How often to look for events appended by another process (an import), in ms. */
  pollMs?: number;
  now?: () => number;
  /** Called after each folded batch with its size and the age of its newest event's receipt. */
  onBatch?: (events: number, lagSeconds: number) => void;
  onError?: (error: unknown) => void;
  /** The current computed traits and segments (changes as definitions change). */
  definitions?: () => CompiledDefinitions | undefined;
  /** Called after the pipeline appended events of its own (segment entries and exits). */
  onAppended?: () => void;
}

/** The pipeline's name as a log consumer. */
export const PROFILES_CONSUMER = 'profiles';
const CONSUMER = PROFILES_CONSUMER;

/**
 * Folds the event log into the identity graph and profiles, in log order, a batch per transaction.
 * The consumer's position moves in the same transaction as the state, so a crash or a second
 * process (a CLI catching up while the server runs) never folds an event twice.
 */
export class ProfilePipeline {
  private readonly loop: BackgroundLoop;
  private readonly rank: (source: string) => number;

  constructor(private readonly options: PipelineOptions) {
    this.rank = sourceRanker(options.policy);
    this.loop = new BackgroundLoop(() => this.next(), { pollMs: options.pollMs ?? 250, onError: options.onError });
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
      await this.backfillStep();
      const now = await this.options.store.backfills.latest(job.names[0] ?? '');
      if (now) onProgress(now);
    }
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One unit of work: a batch of events, else people due for re-evaluation, else a backfill page. */
  private async next(): Promise<number> {
    return (await this.step()) || (await this.sweep()) || this.backfillStep();
  }

  /** Re-evaluates people whose segments or computed traits change by time alone now. */
  private async sweep(): Promise<number> {
    const plan = this.options.definitions?.();
    if (plan === undefined) return 0;
    const now = (this.options.now ?? Date.now)();
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
    await this.flushOutbox();
    return due.length;
  }

  /**
   * Advances the oldest running backfill by a page of profiles: each is rebuilt from all its
   * events under the current definitions. It runs between batches, so no event is folded while a
   * profile is being rebuilt, and a rebuilt profile is exact (nothing counted twice).
   */
  private async backfillStep(): Promise<number> {
    const { store, log } = this.options;
    const job = await store.backfills.next();
    if (job === undefined) return 0;
    const now = (this.options.now ?? Date.now)();
    const page = await store.live(job.cursor, 200);
    const plan = this.options.definitions?.();
    if (plan !== undefined && page.profiles.length > 0) {
      const events = new Map<string, StoredMessage[]>();
      for (const p of page.profiles) {
        const { positions } = await store.eventPositions(p.id, 0, Number.MAX_SAFE_INTEGER - 1);
        events.set(p.id, (await log.readPositions(positions)).map((e) => e.message));
      }
      await store.refresh([...events.keys()], (snapshot) => {
        const graph = new ProfileGraph(snapshot);
        for (const [id, messages] of events) {
          const profile = graph.find(id);
          if (profile) rebuildDerived(graph, profile, messages, plan, now);
        }
        return graph.changes;
      });
      await this.flushOutbox();
    }
    const last = page.profiles[page.profiles.length - 1];
    await store.backfills.advance(job.id, {
      cursor: last?.rank ?? job.cursor,
      processed: page.profiles.length,
      finishedAt: page.next === null ? new Date(now).toISOString() : undefined,
    });
    return Math.max(1, page.profiles.length);
  }

  /** Appends the segment entries and exits decided so far to the log (idempotent by messageId). */
  private async flushOutbox(): Promise<void> {
    const { log, store } = this.options;
    for (let pending = await store.outbox(500); pending.length > 0; pending = await store.outbox(500)) {
      await log.append(pending.map((p) => p.message));
      await store.ackOutbox(pending[pending.length - 1]?.seq ?? 0);
      this.options.onAppended?.();
    }
  }

  /** Folds one batch; returns how many events it folded (0 when caught up). */
  private async step(): Promise<number> {
    const { log, store } = this.options;
    const from = await store.position(CONSUMER);
    const events = await log.read(from, this.options.batchSize ?? 1000);
    const last = events[events.length - 1];
    if (last === undefined) return 0;
    const keys = batchKeys(events, this.options.rules);
    const now = (this.options.now ?? Date.now)();
    const plan = this.options.definitions?.();
    const folded = await store.foldBatch(CONSUMER, { from, to: last.position }, keys, (snapshot) =>
      foldEvents(new ProfileGraph(snapshot), events, { rules: this.options.rules, rank: this.rank, now, ...(plan && { plan }) }),
    );
    if (!folded) return 1; // another process moved the position: read again from where it is now
    await this.flushOutbox();
    this.options.onBatch?.(events.length, Math.max(0, now - Date.parse(last.message.receivedAt)) / 1000);
    return events.length;
  }
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
      identifiers.push({ type: 'userId', value: extracted.previousId }, { type: 'anonymousId', value: extracted.previousId });
    }
    if (message.type === 'group' && message.groupId !== undefined) groups.push(message.groupId);
  }
  return { identifiers, groups, profiles };
}
