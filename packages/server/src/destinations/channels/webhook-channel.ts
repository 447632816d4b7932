import { createHash, createHmac } from 'node:crypto';
import { request, type Agent } from 'undici';
import {
  NO_INTERNAL,
  parseAllowlist,
  urlRefusal,
  type InternalAllowlist,
} from '../address-policy.js';
import type { Channel, ChannelResult, DeliverContext } from '../channel.js';
import { failureClass, statusClass } from '../delivery-failure.js';
import type { Delivery, Destination } from '../destination-store.js';
import { webhookAgent, type Resolve } from './webhook-agent.js';

export interface WebhookChannelOptions {
  /** Internal addresses and host names webhooks may reach (`destinations.allowInternal`); none by default. */
  allowInternal?: readonly string[] | undefined;
  /** The longest a connection may take to open, in ms (the dispatcher's request timeout). */
  connectTimeoutMs: number;
  /** How host names are resolved (tests); the system resolver by default. */
  resolve?: Resolve | undefined;
}

/** The body signature (`X-Tailor-Signature`): hex HMAC-SHA256 of the exact body under the destination's secret. */
export function signBody(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * The timestamped signature (`Tailor-Signature: t=SECONDS,v1=HEX`): HEX is the HMAC-SHA256 of
 * `SECONDS.BODY` under the secret, so a receiver that checks the time refuses replays.
 */
export function signTimestamped(body: string, secret: string, seconds: number): string {
  return `t=${seconds},v1=${createHmac('sha256', secret).update(`${seconds}.${body}`).digest('hex')}`;
}

/**
 * The `Idempotency-Key` of a POST: the message's id for one message (a journey webhook's
 * `journey-webhook:JOURNEY:PERSON:STEP`, an event's messageId), else the SHA-256 of the ids.
 */
export function idempotencyKey(batch: readonly Delivery[]): string {
  if (batch.length === 1 && batch[0] !== undefined) return batch[0].message.messageId;
  return createHash('sha256')
    .update(batch.map((d) => d.message.messageId).join('\n'))
    .digest('hex');
}

/**
 * Webhooks: a batch is POSTed as JSON, signed (`X-Tailor-Signature`, `Tailor-Signature`), one
 * event as the body or, for a destination with a `batchSize` above 1, `{"batch": [event...]}`.
 * A 2xx answer delivers it; anything else is retried (a 4xx may be a receiver mid-deploy), and
 * readers see only the class of failure. Requests go through an agent that refuses internal
 * addresses at connect time and never follows redirects.
 */
export class WebhookChannel implements Channel {
  readonly type = 'webhook';
  private readonly allow: InternalAllowlist;
  private readonly agent: Agent;

  constructor(options: WebhookChannelOptions) {
    this.allow =
      options.allowInternal === undefined ? NO_INTERNAL : parseAllowlist(options.allowInternal);
    this.agent = webhookAgent(this.allow, {
      connectTimeoutMs: options.connectTimeoutMs,
      ...(options.resolve && { resolve: options.resolve }),
    });
  }

  refusal(destination: Destination): string | undefined {
    return urlRefusal(destination.url, this.allow);
  }

  async deliver(
    destination: Destination,
    batch: readonly Delivery[],
    { signal, now }: DeliverContext,
  ): Promise<ChannelResult> {
    const batched = (destination.batchSize ?? 1) > 1;
    const body = JSON.stringify(
      batched ? { batch: batch.map((d) => d.message) } : batch[0]?.message,
    );
    try {
      const response = await request(destination.url, {
        dispatcher: this.agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-tailor-signature': signBody(body, destination.secret),
          'tailor-signature': signTimestamped(body, destination.secret, Math.floor(now / 1000)),
          'x-tailor-delivery': batch.map((d) => d.id).join(','),
          // The same on every attempt: a receiver may drop a repeat (deliveries are at least once).
          'idempotency-key': idempotencyKey(batch),
          'user-agent': 'Tailor-Webhooks',
        },
        body,
        signal,
      });
      await response.body.dump({ limit: 64 * 1024 });
      if (response.statusCode >= 200 && response.statusCode < 300) return { delivered: true };
      return { delivered: false, error: statusClass(response.statusCode), failure: 'retryable' };
    } catch (cause) {
      return { delivered: false, error: failureClass(cause), failure: 'retryable', detail: cause };
    }
  }

  close(): Promise<void> {
    return this.agent.destroy();
  }
}
