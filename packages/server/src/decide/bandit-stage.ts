import { DECIDE_SOURCE, type IdentifierRef, type StoredMessage } from '@tailor/core';
import type { EventLog, LoggedEvent } from '../log/event-log.js';
import type { PipelineStage } from '../pipeline/profile-pipeline.js';
import type { ArmUpdate, BanditMetric, BanditStore } from '../store/bandit-store.js';

export interface BanditStageOptions {
  log: Pick<EventLog, 'readNamed'>;
  store: BanditStore;
  /** The placements that optimize, with their metrics, as they are now. */
  metrics: () => readonly BanditMetric[];
  /** Told after a commit that changed counts. */
  onCounted?: () => void;
  /** Positions read a page when catching up. */
  pageSize?: number;
  /** How a person is kept: the stores' blind index of the identifier (a keyed hash when encryption is on). */
  personKey: (type: string, value: string) => string;
}

/** The decisions that are exposures: the decider's own records (not events a client sent). */
const EXPOSURE = 'Decision Made';
/** Positions a stage may run ahead of its stored one before it writes it without counts to write. */
const PERSIST_EVERY = 50_000;

/**
 * Keeps the bandits' counts current: follows the profile pipeline's batches (reading the log
 * itself when it is behind), and turns `Decision Made` events of optimized placements into
 * exposures and their metric events into conversions, in its own transaction with its own log
 * position. A person is their userId, else their anonymousId, as on the decision; a metric event
 * counts for either of its identifiers. A batch with nothing to count is not written (the position
 * is kept in memory, and written at least every 50,000 positions), so the stage costs the pipeline
 * a commit only when there is something to count.
 */
export class BanditStage implements PipelineStage {
  /** Where this stage has counted to (undefined: read it from the store). */
  private position: number | undefined;
  /** The position last written. */
  private stored = 0;

  constructor(private readonly options: BanditStageOptions) {}

  async follow(events: readonly LoggedEvent[], range: { from: number; to: number }): Promise<void> {
    for (;;) {
      let at = this.position;
      if (at === undefined) at = this.position = this.stored = await this.options.store.position();
      if (at >= range.to) return;
      if (this.options.metrics().length === 0) {
        // No placement optimizes: every event would be read (and decrypted) only to be passed over.
        await this.count([], { from: at, to: range.to });
        continue;
      }
      if (at < range.from) {
        await this.catchUp(at, range.from); // behind: a restart, an erasure, another process
        continue;
      }
      const from = at;
      await this.count(from === range.from ? events : events.filter((e) => e.position > from), {
        from,
        to: range.to,
      });
    }
  }

  async erase(identifiers: readonly IdentifierRef[]): Promise<void> {
    await this.options.store.erase(identifiers.map((i) => this.options.personKey(i.type, i.value)));
    this.options.onCounted?.();
  }

  /**
   * Counts a range of the log after `at` (`pageSize` positions, up to `upTo` at most): only the
   * exposures and the metrics' events are read, the others passed over unopened.
   */
  private async catchUp(at: number, upTo: number): Promise<void> {
    const names = new Set([EXPOSURE, ...this.options.metrics().map((m) => m.event)]);
    const { events, next } = await this.options.log.readNamed({
      names: [...names],
      after: at,
      upTo,
      chunk: this.options.pageSize ?? 1000,
    });
    await this.count(events, { from: at, to: next });
  }

  private async count(
    events: readonly LoggedEvent[],
    range: { from: number; to: number },
  ): Promise<void> {
    const updates = this.updatesOf(events);
    if (updates.length === 0 && range.to - this.stored < PERSIST_EVERY) {
      this.position = range.to;
      return;
    }
    if (await this.options.store.fold(range, updates)) {
      this.position = this.stored = range.to;
      if (updates.length > 0) this.options.onCounted?.();
    } else {
      this.position = undefined; // another process counted further: read where the store is
    }
  }

  private updatesOf(events: readonly LoggedEvent[]): ArmUpdate[] {
    const metrics = this.options.metrics();
    if (metrics.length === 0) return [];
    const byPlacement = new Map(metrics.map((m) => [m.placement, m]));
    const conversions = new Set(metrics.map((m) => m.event));
    const updates: ArmUpdate[] = [];
    const { personKey } = this.options;
    for (const { message } of events) {
      if (message.type !== 'track' || message.event === undefined) continue;
      if (message.event === EXPOSURE && message.tailor.source === DECIDE_SOURCE) {
        const exposure = exposureOf(message, byPlacement, personKey);
        if (exposure !== undefined) updates.push(exposure);
      }
      if (conversions.has(message.event)) {
        const people = [];
        if (message.userId !== null) people.push(personKey('userId', message.userId));
        if (message.anonymousId !== null)
          people.push(personKey('anonymousId', message.anonymousId));
        const at = Date.parse(message.timestamp);
        if (people.length > 0 && Number.isFinite(at))
          updates.push({ kind: 'conversion', event: message.event, people, at });
      }
    }
    return updates;
  }
}

/** A decision that showed an optimized placement's item (not its default as a fallback, not the holdout's). */
function exposureOf(
  message: StoredMessage,
  byPlacement: ReadonlyMap<string, BanditMetric>,
  personKey: BanditStageOptions['personKey'],
): ArmUpdate | undefined {
  const { placement, itemId, fallback, holdout } = message.properties ?? {};
  const metric = typeof placement === 'string' ? byPlacement.get(placement) : undefined;
  if (metric === undefined || typeof itemId !== 'string' || fallback === true || holdout === true)
    return undefined;
  const person =
    message.userId !== null
      ? personKey('userId', message.userId)
      : message.anonymousId !== null
        ? personKey('anonymousId', message.anonymousId)
        : undefined;
  const at = Date.parse(message.timestamp);
  return person === undefined || !Number.isFinite(at)
    ? undefined
    : { kind: 'exposure', metric, itemId, person, at };
}
