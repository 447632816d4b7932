import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

export interface StreamReader {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
}

export interface RangeRead {
  /** Messages after this stream sequence. */
  after: number;
  /** At most this many messages. */
  limit: number;
  /** Only these subjects (one subject, or several on NATS 2.10+); all when absent. */
  subjects?: readonly string[];
  /** Only headers, no payloads (retention and scans read only what the headers say). */
  headersOnly?: boolean;
}

/** How long a fetch waits for messages the consumer said were there (deleted meanwhile: fewer). */
const FETCH_EXPIRES_MS = 2000;

/**
 * Reads stored messages in stream order with an ephemeral pull consumer made for this read: its
 * creation answers how many messages are pending after `after` (0: nothing to wait for), and one
 * fetch delivers up to `limit` of them. Measured here (nats-server 2.9.10, 400-byte events): about
 * 50,000 events/s in reads of 1,000 (70,000 in reads of 5,000), 1.2 ms for a read with nothing new;
 * direct gets, one request per position, reached 17,000/s. The consumer lives in memory and is
 * deleted after the read (the server drops it after 30 s of inactivity if that delete is lost).
 */
export async function readRange(reader: StreamReader, read: RangeRead): Promise<JsMsg[]> {
  const { js, jsm, stream } = reader;
  const subjects = read.subjects ?? [];
  const info = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, read.after + 1),
    ...(subjects.length === 1
      ? { filter_subject: subjects[0] }
      : subjects.length > 1
        ? { filter_subjects: [...subjects] }
        : {}),
    headers_only: read.headersOnly ?? false,
    inactive_threshold: nanos(30_000),
    mem_storage: true,
    num_replicas: 1,
  });
  const wanted = Math.min(read.limit, info.num_pending);
  const messages: JsMsg[] = [];
  try {
    if (wanted > 0) {
      const consumer = js.consumers.getConsumerFromInfo(info);
      const fetched = await consumer.fetch({ max_messages: wanted, expires: FETCH_EXPIRES_MS });
      for await (const m of fetched) {
        messages.push(m);
        if (messages.length >= wanted) break;
      }
    }
  } finally {
    jsm.consumers.delete(stream, info.name).catch(() => undefined);
  }
  return messages;
}

/** Whether the server filters a consumer by several subjects (NATS 2.10 and later). */
export function filtersManySubjects(version: string | undefined): boolean {
  const [major = 0, minor = 0] = (version ?? '').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}
