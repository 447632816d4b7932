import {
  DEFAULT_PII_POLICY,
  maskMessage,
  ownConsent,
  type PiiPolicy,
  type StoredMessage,
} from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import { BackgroundLoop } from '../pipeline/background-loop.js';
import { piiReplacer } from '../privacy/pii-replacer.js';
import type { Channel, ChannelRegistry, ChannelResult } from './channel.js';
import type { Delivery, Destination, DestinationStore, Outcome } from './destination-store.js';

export interface DispatcherOptions {
  log: EventLog;
  store: DestinationStore;
  /** How each destination type is delivered (webhook, ...); the dispatcher closes them when it stops. */
  channels: ChannelRegistry;
  now?: () => number;
  /** How often to look for new events and due retries, in ms. */
  pollMs?: number;
  /** Attempts before a delivery is marked failed. */
  maxAttempts?: number;
  /** A request's whole time (connect, answer, body), in ms; 10 s by default. */
  timeoutMs?: number;
  /** Requests in flight per destination (8 by default): a slow destination holds only its own. */
  concurrency?: number;
  /** How long delivered and failed deliveries are kept, in ms (pending ones are kept until settled); forever when absent. */
  retentionMs?: number;
  onError?: (error: unknown) => void;
  /** Told the details of each failed attempt (the server log), which readers of the delivery do not see. */
  onFailure?: (destination: string, error: unknown) => void;
  /** The person's consent, for the message's profile (`properties.profileId`) or identifiers; undefined when unknown. */
  consentOf?: (message: StoredMessage) => Promise<Record<string, boolean> | undefined>;
  /** Which fields are personal now (the defaults and the tracking plans' marks); the defaults alone when absent. */
  pii?: () => PiiPolicy;
  /** Whether a message names a suppressed (erased) person: such a message is never sent. */
  suppressed?: (message: StoredMessage) => boolean;
}

/** Retry delay after `attempts` failures: 1 s doubling, capped at an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

/** How often finished deliveries past their retention are deleted (and on the first step). */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * How long the list of destinations is kept between reads when nobody says it changed: a change
 * through the API is told at once (`destinationsChanged`, on every node); this bounds the delay for
 * a writer that cannot tell (another process on the same folder).
 */
const LIST_KEPT_MS = 5000;

/** A destination's requests in flight and the deliveries they carry. */
interface InFlight {
  requests: number;
  ids: Set<number>;
}

/**
 * Delivers events to destinations: takes each destination's matching events from the log into its
 * durable outbox, then hands them to the channel of its type (channel.ts), retrying with backoff:
 * one event per attempt, or, for a destination with a `batchSize`, as many of its due events as
 * that in one attempt (batches form only when events wait, so an idle destination still gets each
 * event at once). Each destination has its own attempts in flight (`concurrency`), each with a
 * timeout, so a destination that hangs holds back only itself. A destination whose type no channel
 * here delivers is still queued, and left pending for a node that can deliver it.
 */
export class Dispatcher {
  private readonly loop: BackgroundLoop;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly requests = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private unsettled: Outcome[] = [];
  private settling: Promise<void> | undefined;
  private prunedAt = -Infinity;
  private listed: { destinations: Destination[]; at: number } | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.loop = new BackgroundLoop(() => this.step(), {
      pollMs: options.pollMs ?? 100,
      onError: options.onError,
    });
  }

  /** The channels by destination type, which also check a destination's configuration. */
  get channels(): ChannelRegistry {
    return this.options.channels;
  }

  start(): void {
    this.loop.start();
  }

  /** New events are in the log: deliver them soon (once started; `drain` works without). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops looking for work and abandons the attempts in flight (their deliveries stay pending). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop.stop();
    await Promise.all(this.requests);
    await this.options.channels.close();
  }

  /** A destination was defined, changed or deleted: read the list again, and deliver soon. */
  destinationsChanged(): void {
    this.listed = undefined;
    this.loop.wake();
  }

  /** Queues and sends everything due now, and waits for the answers (tests and the CLI use it). */
  async drain(): Promise<void> {
    await this.loop.idle();
    this.listed = undefined;
    for (;;) {
      if ((await this.step()) > 0) continue;
      if (this.requests.size === 0) return;
      await Promise.race(this.requests);
    }
  }

  /** Prunes when due, takes new events into every destination's outbox, then starts what is due; returns the work done. */
  private async step(): Promise<number> {
    await this.prune();
    const destinations = await this.destinations();
    let work = 0;
    for (const destination of destinations) work += await this.enqueue(destination);
    for (const destination of destinations) work += await this.sendDue(destination);
    return work;
  }

  /** The destinations, as last read when that is recent and nobody said they changed since. */
  private async destinations(): Promise<Destination[]> {
    const now = Date.now();
    if (this.listed === undefined || now - this.listed.at >= LIST_KEPT_MS) {
      const listed = { destinations: await this.options.store.list(), at: now };
      this.listed = listed;
      return listed.destinations;
    }
    return this.listed.destinations;
  }

  private async prune(): Promise<void> {
    const { retentionMs } = this.options;
    const now = this.now();
    if (retentionMs === undefined || now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    await this.options.store.prune(now - retentionMs);
  }
  /** Moves one destination forward over up to 1,000 log events; returns the events read. */
  private async enqueue(destination: Destination): Promise<number> {
    const { log, store } = this.options;
    const from = await store.position(destination.name);
    const events = await log.read(from, 1000);
    const last = events[events.length - 1];
    if (last === undefined) return 0;
    const all = destination.events.includes('*');
    // A warehouse with `*` takes every message (identifies, pages...); otherwise track events by name.
    const everyType = all && destination.type === 'warehouse';
    const candidates = events
      .map((e) => e.message)
      .filter(
        (m) =>
          m.tailor.erase === undefined && // an instruction to the pipeline, not an event to share
          (m.type === 'track'
            ? m.event !== undefined && (all || destination.events.includes(m.event))
            : everyType) &&
          this.options.suppressed?.(m) !== true,
      );
    const matching = await this.consented(candidates, destination.purpose ?? 'marketing');
    await store.enqueue(
      destination.name,
      { from, to: last.position },
      this.withoutPii(matching, destination),
      this.now(),
    );
    return events.length;
  }

  /**
   * The messages as the destination may see them (`pii`, `mask` by default): masked or hashed
   * before they enter the outbox, so the outbox holds no more personal data than the receiver gets.
   */
  private withoutPii(messages: StoredMessage[], destination: Destination): StoredMessage[] {
    const replace = piiReplacer(destination.pii ?? 'mask');
    if (replace === undefined || messages.length === 0) return messages;
    const policy = this.options.pii?.() ?? DEFAULT_PII_POLICY;
    return messages.map((m) => maskMessage(m, policy, replace));
  }

  /** Leaves out the messages of people who refused the destination's purpose. */
  private async consented(messages: StoredMessage[], purpose: string): Promise<StoredMessage[]> {
    const consentOf = this.options.consentOf;
    const kept: StoredMessage[] = [];
    for (const m of messages) {
      if (ownConsent(m, purpose) === false) continue;
      if (consentOf !== undefined && (await consentOf(m))?.[purpose] === false) continue;
      kept.push(m);
    }
    return kept;
  }

  /** Starts as many of a destination's due deliveries as its free request slots take; returns the deliveries started. */
  private async sendDue(destination: Destination): Promise<number> {
    const channel = this.options.channels.get(destination.type);
    if (channel === undefined) return 0;
    const slots = this.options.concurrency ?? 8;
    const size = destination.batchSize ?? 1;
    const before = this.inFlight.get(destination.name);
    if ((before?.requests ?? 0) >= slots) return 0;
    const limit = (before?.ids.size ?? 0) + (slots - (before?.requests ?? 0)) * size;
    const due = await this.options.store.due(this.now(), limit, destination.name);
    // Read again after the await: another step may have started some of these meanwhile.
    const flight = this.inFlight.get(destination.name) ?? { requests: 0, ids: new Set<number>() };
    this.inFlight.set(destination.name, flight);
    const waiting = due.filter((d) => !flight.ids.has(d.id));
    let started = 0;
    for (let i = 0; i < waiting.length && flight.requests < slots; i += size) {
      const group = waiting.slice(i, i + size);
      for (const d of group) flight.ids.add(d.id);
      flight.requests++;
      started += group.length;
      const sent: Promise<void> = this.send(channel, group, destination)
        .then((outcomes) => (outcomes === undefined ? undefined : this.settle(outcomes)))
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          for (const d of group) flight.ids.delete(d.id);
          flight.requests--;
          this.requests.delete(sent);
          this.loop.wake();
        });
      this.requests.add(sent);
    }
    return started;
  }

  /** Records outcomes: those of the requests answered in one turn of the event loop go in one commit. */
  private settle(outcomes: readonly Outcome[]): Promise<void> {
    this.unsettled.push(...outcomes);
    this.settling ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const all = this.unsettled;
      this.unsettled = [];
      this.settling = undefined;
      return this.options.store.settle(all);
    });
    return this.settling;
  }

  /** One attempt at one event, or at a batch: the outcome of each delivery in it (none when stopping). */
  private async send(
    channel: Channel,
    group: readonly Delivery[],
    destination: Destination,
  ): Promise<Outcome[] | undefined> {
    let result: ChannelResult;
    try {
      result = await channel.deliver(destination, group, {
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.timeoutMs())]),
        now: this.now(),
      });
    } catch (cause) {
      // A channel answers failures as values; one that throws is treated as a failed attempt.
      result = { delivered: false, error: 'delivery failed', failure: 'retryable', detail: cause };
    }
    if (result.delivered) return group.map((d) => ({ id: d.id, delivered: true, at: this.now() }));
    if (this.stopping.signal.aborted) return undefined;
    if (result.detail !== undefined) this.options.onFailure?.(destination.name, result.detail);
    const { error, failure } = result;
    return group.map((d) => {
      const attempts = d.attempts + 1;
      return {
        id: d.id,
        delivered: false,
        error,
        nextAt: this.now() + backoffMs(attempts),
        giveUp: failure === 'permanent' || attempts >= (this.options.maxAttempts ?? 15),
      };
    });
  }

  private timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
