import {
  AckPolicy,
  DeliverPolicy,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

export interface RangeRead {
  /** Messages after this stream sequence. */
  after: number;
  /** At most this many messages. */
  limit: number;
  /** Only these subjects (one subject, or several on NATS 2.10+); all when absent. */
  subjects?: readonly string[];
  /** Only headers, no payloads (retention and scans read only what the headers say). */
  headersOnly?: boolean;
  /**
   * No read continues from where this one ends (a read backwards): its consumer is deleted
   * rather than kept, so it does not push out those of the pipelines following the log.
   */
  once?: boolean;
}

/** A consumer between reads: where it stands (its last delivered sequence), and what it reads. */
interface Cursor {
  key: string;
  name: string;
  consumer: Consumer;
  at: number;
}

/** How long a fetch waits for messages the consumer said were there (deleted meanwhile: fewer). */
const FETCH_EXPIRES_MS = 2000;
/** The server deletes a consumer left unused this long (one kept by a process that died). */
const IDLE_MS = 30_000;
/** Consumers kept between reads (the pipelines of a node read a few partitions each). */
const KEPT = 64;

/**
 * Reads stored messages in stream order with pull consumers of the reader's own: ack-less, in
 * memory, one replica. A consumer's creation (or, for one kept from the read before, its info)
 * says how many messages are pending after the position (0: nothing to wait for), and one fetch
 * delivers up to `limit` of them. A read that starts where one ended, with the same filter (a
 * pipeline following the log), continues with that consumer, so following the log creates no
 * consumers; any other read creates one. Measured here (nats-server 2.9.10, 2 shared cores,
 * 400-byte events): about 50,000 events/s decoded in reads of 1,000 (34,000 sealed), 0.3 ms for a
 * read with nothing new (0.8 ms with a new consumer each time); direct gets, one request per
 * position, reached 17,000/s.
 */
export class StreamReader {
  private readonly idle = new Map<string, Cursor>();
  private closed = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
  ) {}

  async read(read: RangeRead): Promise<JsMsg[]> {
    const key = `${read.headersOnly === true ? 'h' : 'm'} ${(read.subjects ?? []).join(' ')}`;
    let cursor = this.idle.get(`${key}@${String(read.after)}`);
    let pending: number | undefined;
    if (cursor !== undefined) {
      this.idle.delete(`${key}@${String(read.after)}`);
      // Gone when idle too long (the server deleted it): a new one is made below.
      pending = await cursor.consumer.info().then(
        (info) => info.num_pending,
        () => undefined,
      );
    }
    if (cursor === undefined || pending === undefined) {
      ({ cursor, pending } = await this.create(key, read));
    }
    const messages: JsMsg[] = [];
    const wanted = Math.min(read.limit, pending);
    try {
      if (wanted > 0) {
        const fetched = await cursor.consumer.fetch({
          max_messages: wanted,
          expires: FETCH_EXPIRES_MS,
        });
        for await (const m of fetched) {
          messages.push(m);
          if (messages.length >= wanted) break;
        }
      }
    } catch (error) {
      this.drop(cursor);
      throw error;
    }
    cursor.at = messages[messages.length - 1]?.seq ?? cursor.at;
    if (read.once === true) this.drop(cursor);
    else this.keep(cursor);
    return messages;
  }

  private async create(key: string, read: RangeRead): Promise<{ cursor: Cursor; pending: number }> {
    const subjects = read.subjects ?? [];
    const info = await this.jsm.consumers.add(this.stream, {
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, read.after + 1),
      ...(subjects.length === 1
        ? { filter_subject: subjects[0] }
        : subjects.length > 1
          ? { filter_subjects: [...subjects] }
          : {}),
      headers_only: read.headersOnly ?? false,
      inactive_threshold: nanos(IDLE_MS),
      mem_storage: true,
      num_replicas: 1,
    });
    const consumer = this.js.consumers.getConsumerFromInfo(info);
    return {
      cursor: { key, name: info.name, consumer, at: read.after },
      pending: info.num_pending,
    };
  }

  /** Keeps a consumer for the read that starts where it stands; the oldest kept is let go. */
  private keep(cursor: Cursor): void {
    if (this.closed) {
      this.drop(cursor);
      return;
    }
    const slot = `${cursor.key}@${String(cursor.at)}`;
    const there = this.idle.get(slot);
    if (there !== undefined) this.drop(there);
    this.idle.set(slot, cursor);
    if (this.idle.size > KEPT) {
      const [oldest] = this.idle.keys();
      if (oldest !== undefined) {
        const evicted = this.idle.get(oldest);
        this.idle.delete(oldest);
        if (evicted !== undefined) this.drop(evicted);
      }
    }
  }

  private drop(cursor: Cursor): void {
    this.jsm.consumers.delete(this.stream, cursor.name).catch(() => undefined);
  }

  /** Deletes the consumers kept (the server would after IDLE_MS). */
  async close(): Promise<void> {
    this.closed = true;
    const kept = [...this.idle.values()];
    this.idle.clear();
    await Promise.all(
      kept.map((c) => this.jsm.consumers.delete(this.stream, c.name).catch(() => undefined)),
    );
  }
}

/** Whether the server filters a consumer by several subjects (NATS 2.10 and later). */
export function filtersManySubjects(version: string | undefined): boolean {
  const [major = 0, minor = 0] = (version ?? '').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}
