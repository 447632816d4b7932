import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';

/** A message to publish to a stream, with the messageId JetStream dedups it by. */
export interface Publication {
  subject: string;
  payload: Uint8Array | string;
  headers: MsgHdrs;
  msgId: string;
}

/** What JetStream answered for one publication. */
export type PublishResult =
  { ok: true; seq: number; duplicate: boolean } | { ok: false; reason: string };

interface Waiting {
  settle: (result: PublishResult) => void;
}

interface PubAck {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; description?: string };
}

/**
 * Publishes to JetStream with one reply subscription for every acknowledgement, as the Go client's
 * PublishAsync does. The library's `js.publish` makes a request per message: a muxed reply entry,
 * a timer, and on every success a `RequestError("cancelled")` with its stack that nobody reads; in
 * a profile of a node under ingestion (thousands of publishes a second) that was 4-5 % of its
 * busy time and much of its garbage. Here a group of publications shares one timer, and each ack
 * finds its waiter by the reply subject's token. What JetStream stores and answers is the same:
 * `Nats-Msg-Id` for its dedup, the ack's sequence, `duplicate`, or its error.
 */
export class AckPublisher {
  private readonly inbox = createInbox();
  private readonly waiting = new Map<string, Waiting>();
  private readonly subscription: Subscription;
  private next = 0;

  constructor(private readonly nc: NatsConnection) {
    this.subscription = nc.subscribe(`${this.inbox}.*`, {
      callback: (error, msg) => {
        this.answered(error, msg);
      },
    });
  }

  /**
   * Publishes every item (in order, on the one connection) and resolves once each has its answer,
   * or `timeoutMs` passed for those without (`ok: false`: not acknowledged, so maybe not stored).
   */
  publishAll(items: readonly Publication[], timeoutMs: number): Promise<PublishResult[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const results: PublishResult[] = new Array<PublishResult>(items.length);
      const tokens: string[] = [];
      let left = items.length;
      const timer = setTimeout(() => {
        for (const [i, token] of tokens.entries()) {
          if (!this.waiting.delete(token)) continue;
          results[i] = { ok: false, reason: 'no acknowledgement in time (timeout)' };
          left--;
        }
        resolve(results);
      }, timeoutMs);
      for (const [i, item] of items.entries()) {
        const token = (this.next++).toString(36);
        tokens.push(token);
        this.waiting.set(token, {
          settle: (result) => {
            results[i] = result;
            if (--left === 0) {
              clearTimeout(timer);
              resolve(results);
            }
          },
        });
        item.headers.set('Nats-Msg-Id', item.msgId);
        try {
          this.nc.publish(item.subject, item.payload, {
            reply: `${this.inbox}.${token}`,
            headers: item.headers,
          });
        } catch (error) {
          this.waiting.get(token)?.settle({ ok: false, reason: String(error) });
          this.waiting.delete(token);
        }
      }
    });
  }

  close(): void {
    this.subscription.unsubscribe();
  }

  private answered(error: Error | null, msg: Msg): void {
    if (error !== null) return; // the subscription closed: the waiters' timers answer them
    const token = msg.subject.slice(this.inbox.length + 1);
    const waiting = this.waiting.get(token);
    if (waiting === undefined) return; // answered after its timeout
    this.waiting.delete(token);
    waiting.settle(resultOf(msg));
  }
}

/** An ack as a result: a status without data (503: no stream listens on the subject), an API error, or the sequence. */
function resultOf(msg: Msg): PublishResult {
  if (msg.data.length === 0) {
    const code = msg.headers?.code ?? 0;
    return {
      ok: false,
      reason: code === 503 ? 'no stream answered (503 no responders)' : `status ${String(code)}`,
    };
  }
  let ack: PubAck;
  try {
    ack = msg.json<PubAck>();
  } catch {
    return { ok: false, reason: 'an unreadable acknowledgement' };
  }
  if (ack.error !== undefined)
    return {
      ok: false,
      reason: `${ack.error.description ?? 'error'} (${String(ack.error.code ?? '')})`,
    };
  if (typeof ack.seq !== 'number' || !ack.stream) return { ok: false, reason: 'an invalid ack' };
  return { ok: true, seq: ack.seq, duplicate: ack.duplicate === true };
}
