import type { Delivery, Destination } from './destination-store.js';

/** How one attempt at a batch went: delivered, or failed and whether trying again may help. */
export type ChannelResult =
  | { delivered: true }
  | {
      delivered: false;
      /** The class of failure its readers see (`HTTP 503`, `timed out`), never network details. */
      error: string;
      /** `retryable` is tried again with backoff; `permanent` marks the deliveries failed at once. */
      failure: 'retryable' | 'permanent';
      /** What went wrong in full, for the server log only (the dispatcher's `onFailure`). */
      detail?: unknown;
    };

/** What an attempt is given beside its destination and batch. */
export interface DeliverContext {
  /** Aborted when the attempt's time is up or the dispatcher stops; the channel abandons the attempt. */
  signal: AbortSignal;
  /** The dispatcher's clock at the attempt (ms), for timestamps such as a signature's. */
  now: number;
}

/**
 * What a destination type provides to deliver (the `Channel` extension point): a check of its
 * destination's configuration, and the delivery of a batch of queued messages. The dispatcher keeps
 * everything else (reading the log, consent, suppression and PII masking, the durable outbox,
 * batching, per-destination concurrency, timeouts, retries with backoff and statuses), and calls
 * the channel registered for the destination's `type`. A batch is delivered or fails as a whole
 * (a destination without `batchSize` gets batches of one), and `deliver` answers failures as values,
 * classified retryable or permanent. Email plugs in as one more implementation: an `EmailChannel`
 * registered for `type: 'email'` renders each message and hands it to a pooled SMTP transport
 * (nodemailer), answering 4xx SMTP replies and connection errors as retryable and 5xx as permanent.
 */
export interface Channel {
  /** The destination `type` it delivers. */
  readonly type: string;
  /** Why a destination's configuration is refused (checked when it is defined), or undefined. */
  refusal(destination: Destination): string | undefined;
  deliver(
    destination: Destination,
    batch: readonly Delivery[],
    context: DeliverContext,
  ): Promise<ChannelResult>;
  /** Releases connections and pools; no delivery starts after it. */
  close(): Promise<void>;
}

/** The channels a dispatcher delivers through, by destination `type`. */
export class ChannelRegistry {
  private readonly byType = new Map<string, Channel>();

  constructor(channels: readonly Channel[]) {
    for (const channel of channels) {
      if (this.byType.has(channel.type))
        throw new Error(`two channels deliver destinations of type ${channel.type}`);
      this.byType.set(channel.type, channel);
    }
  }

  get(type: string): Channel | undefined {
    return this.byType.get(type);
  }

  /** Why a destination is refused: an unknown type, or its channel's reason; undefined when accepted. */
  refusal(destination: Destination): string | undefined {
    const channel = this.byType.get(destination.type);
    return channel === undefined
      ? `no channel delivers destinations of type ${destination.type}`
      : channel.refusal(destination);
  }

  async close(): Promise<void> {
    await Promise.all([...this.byType.values()].map((channel) => channel.close()));
  }
}
