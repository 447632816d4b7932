import { createHmac } from 'node:crypto';
import { DEFAULT_PII_POLICY, maskMessage, ownConsent, type PiiPolicy, type StoredMessage } from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import { BackgroundLoop } from '../pipeline/background-loop.js';
import { piiReplacer } from '../privacy/pii-replacer.js';
import type { Delivery, Destination, DestinationStore, Outcome } from './destination-store.js';

export interface DispatcherOptions {
  log: EventLog;
  store: DestinationStore;
  now?: () => number;
  /** How often to look for new events and due retries, in ms. */
  pollMs?: number;
  /** Attempts before a delivery is marked failed. */
  maxAttempts?: number;
  timeoutMs?: number;
  onError?: (error: unknown) => void;
  /** The person's consent, for the message's profile (`properties.profileId`) or identifiers; undefined when unknown. */
  consentOf?: (message: StoredMessage) => Promise<Record<string, boolean> | undefined>;
  /** Which fields are personal now (the defaults and the tracking plans' marks); the defaults alone when absent. */
  pii?: () => PiiPolicy;
}

/** The signature a receiver checks: hex HMAC-SHA256 of the exact body under the destination's secret. */
export function signBody(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Retry delay after `attempts` failures: 1 s doubling, capped at an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Delivers events to webhook destinations: takes each destination's matching events from the log
 * into its durable outbox, then POSTs them, signed, retrying with backoff: one event per request,
 * or, for a destination with a `batchSize`, as many of its due events as that in one request
 * (batches form only when events wait, so an idle destination still gets each event at once).
 * Up to 16 requests run at a time.
 */
export class Dispatcher {
  private readonly loop: BackgroundLoop;

  constructor(private readonly options: DispatcherOptions) {
    this.loop = new BackgroundLoop(() => this.step(), {
      pollMs: options.pollMs ?? 100,
      onError: options.onError,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** New events are in the log: deliver them soon (once started; `drain` works without). */
  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Queues and sends everything due now (tests and the CLI use it to wait for deliveries). */
  async drain(): Promise<void> {
    await this.loop.idle();
    while ((await this.step()) > 0) {
      /* more */
    }
  }

  /** Takes new events into every destination's outbox, then sends what is due; returns the work done. */
  private async step(): Promise<number> {
    const destinations = await this.options.store.list();
    let work = 0;
    for (const destination of destinations) work += await this.enqueue(destination);
    return work + (await this.sendDue(new Map(destinations.map((d) => [d.name, d]))));
  }

  /** Moves one destination forward over up to 1,000 log events; returns the events read. */
  private async enqueue(destination: Destination): Promise<number> {
    const { log, store } = this.options;
    const from = await store.position(destination.name);
    const events = await log.read(from, 1000);
    const last = events[events.length - 1];
    if (last === undefined) return 0;
    const all = destination.events.includes('*');
    const candidates = events
      .map((e) => e.message)
      .filter(
        (m) =>
          m.type === 'track' &&
          m.event !== undefined &&
          m.tailor.erase === undefined && // an instruction to the pipeline, not an event to share
          (all || destination.events.includes(m.event)),
      );
    const matching = await this.consented(candidates, destination.purpose ?? 'marketing');
    await store.enqueue(destination.name, { from, to: last.position }, this.withoutPii(matching, destination), this.now());
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

  private async sendDue(destinations: ReadonlyMap<string, Destination>): Promise<number> {
    const due = await this.options.store.due(this.now(), 256);
    if (due.length === 0) return 0;
    const requests = batches(due, destinations);
    for (let i = 0; i < requests.length; i += 16) {
      const outcomes = await Promise.all(requests.slice(i, i + 16).map(([destination, group]) => this.send(group, destination)));
      await this.options.store.settle(outcomes.flat()); // one commit for up to 16 requests
    }
    return due.length;
  }

  /** One POST of one event, or of a batch; the outcome of each delivery in it. */
  private async send(group: readonly Delivery[], destination: Destination): Promise<Outcome[]> {
    const batched = (destination.batchSize ?? 1) > 1;
    const body = JSON.stringify(batched ? { batch: group.map((d) => d.message) } : group[0]?.message);
    let error: string;
    try {
      const response = await fetch(destination.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-tailor-signature': signBody(body, destination.secret),
          'x-tailor-delivery': group.map((d) => d.id).join(','),
          'user-agent': 'Tailor-Webhooks',
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      if (response.ok) return group.map((d) => ({ id: d.id, delivered: true, at: this.now() }));
      error = `HTTP ${response.status}`;
    } catch (cause) {
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    return group.map((d) => {
      const attempts = d.attempts + 1;
      return { id: d.id, delivered: false, error, nextAt: this.now() + backoffMs(attempts), giveUp: attempts >= (this.options.maxAttempts ?? 15) };
    });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/**
 * Groups due deliveries into requests: per destination, in order, up to its batch size each.
 * Deliveries of a destination deleted meanwhile are dropped (they go with it).
 */
function batches(due: readonly Delivery[], destinations: ReadonlyMap<string, Destination>): [Destination, Delivery[]][] {
  const open = new Map<string, Delivery[]>();
  const requests: [Destination, Delivery[]][] = [];
  for (const delivery of due) {
    const destination = destinations.get(delivery.destination);
    if (destination === undefined) continue;
    let group = open.get(destination.name);
    if (group === undefined || group.length >= (destination.batchSize ?? 1)) {
      group = [];
      open.set(destination.name, group);
      requests.push([destination, group]);
    }
    group.push(delivery);
  }
  return requests;
}
