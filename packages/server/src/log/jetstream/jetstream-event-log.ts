import type { StoredMessage } from '@tailor/core';
import {
  AckPolicy,
  DeliverPolicy,
  jetstreamManager,
  type JetStreamManager,
  type StoredMsg,
} from '@nats-io/jetstream';
import { connect, nanos, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type {
  Behind,
  EventLog,
  IdentifierQuery,
  LoggedEvent,
  NamedQuery,
  NamedStep,
  LogStats,
  PruneQuery,
  PruneStep,
} from '../event-log.js';
import { partitionFor } from '../event-log.js';
import { pageRows } from '../sqlite/page-rows.js';
import { plainSealer, sealedUnder, type Sealer } from '../../privacy/sealer.js';
import { sealedValues, type SealedValues } from '../../privacy/sealed-values.js';
import type { PgDatabase } from '../../storage/postgres/pg-database.js';
import { ensureEventStream, partitionSubject, streamName } from './event-stream.js';
import { HEADER, headerOf, isSealed, openEnvelope } from './event-envelope.js';
import { eraseMessages } from './erase-messages.js';
import { MessageIds } from './message-ids.js';
import { natsConnectionOptions } from '../../scale-out/nats-connection-options.js';
import { AckPublisher } from './ack-publisher.js';
import { publishGroup, type PendingAppend } from './publish-group.js';
import { filtersManySubjects, StreamReader, type StreamMessage } from './read-stream.js';

export interface JetStreamEventLogOptions {
  /** A connection to use (the caller closes it), or the servers to connect to (closed by close()). */
  nc?: NatsConnection;
  servers?: string | string[];
  /** Names the stream (`<prefix>_events`) and its subjects (`<prefix>.events.<partition>`). */
  prefix: string;
  /** Holds the durable dedup (table message_ids, migrated at open). */
  db: PgDatabase;
  /** Seals payloads at rest, as the SQLite log does (plain when absent). */
  sealer?: Sealer;
  /** Fixed when the stream is created (16 by default); a stream with another count is refused. */
  partitions?: number;
  /** Copies of each message in a NATS cluster (1 by default; with 3 an ack means a quorum has it). */
  replicas?: number;
  /** JetStream's own dedup window (24 h by default: longer than any client's retries; at least 100 ms). */
  duplicateWindowMs?: number;
  /**
   * Stream limits. When maxBytes or maxMsgs is reached, appends are refused (503, retry later):
   * nothing old is dropped to make room. maxAgeMs is retention: JetStream removes older messages.
   */
  maxBytes?: number;
  maxAgeMs?: number;
  maxMsgs?: number;
  /** How long an append waits for each JetStream ack (5 s by default). */
  publishTimeoutMs?: number;
  /** Messages read per step of an identifier's scan (5,000 by default). */
  scanChunk?: number;
}

export const DEFAULT_STREAM_PARTITIONS = 16;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Opens (creating when missing) an installation's event log on NATS JetStream. */
export async function openJetStreamEventLog(
  options: JetStreamEventLogOptions,
): Promise<JetStreamEventLog> {
  const { servers } = options;
  if (options.nc === undefined && servers === undefined)
    throw new Error('openJetStreamEventLog: give a NATS connection (nc) or servers');
  const owned = options.nc === undefined;
  const nc = options.nc ?? (await connect(natsConnectionOptions(servers ?? [])));
  try {
    const jsm = await jetstreamManager(nc);
    const partitions = options.partitions ?? DEFAULT_STREAM_PARTITIONS;
    await ensureEventStream(jsm, {
      prefix: options.prefix,
      partitions,
      replicas: options.replicas ?? 1,
      duplicateWindowMs: options.duplicateWindowMs ?? DAY_MS,
      maxBytes: options.maxBytes,
      maxAgeMs: options.maxAgeMs,
      maxMsgs: options.maxMsgs,
    });
    const ids = await MessageIds.open(options.db);
    return new JetStreamEventLog(nc, owned, jsm, ids, partitions, options);
  } catch (error) {
    if (owned) await nc.close();
    throw error;
  }
}

/**
 * The event log on a JetStream stream: positions are stream sequences, a person's partition is a
 * subject. Appends gathered in one turn of the event loop share their PostgreSQL queries
 * (publish-group.ts); reads use a short-lived consumer (read-stream.ts).
 */
export class JetStreamEventLog implements EventLog {
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stream: string;
  private readonly reader: StreamReader;
  private readonly sealed: SealedValues;
  private readonly publisher: AckPublisher;

  constructor(
    private readonly nc: NatsConnection,
    private readonly ownsConnection: boolean,
    private readonly jsm: JetStreamManager,
    private readonly ids: MessageIds,
    readonly partitions: number,
    private readonly options: JetStreamEventLogOptions,
  ) {
    this.stream = streamName(options.prefix);
    this.reader = new StreamReader(nc, jsm, this.stream);
    this.sealed = sealedValues(options.sealer ?? plainSealer);
    this.publisher = new AckPublisher(nc);
  }

  /** The partition of a message's person in this stream. */
  partitionOf(message: Pick<StoredMessage, 'userId' | 'anonymousId'>): number {
    return partitionFor(message, this.partitions);
  }

  append(messages: readonly StoredMessage[]): Promise<boolean[]> {
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ messages, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => {
        this.flush();
      });
    });
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    if (group.length === 0) return;
    const done = publishGroup(group, {
      publisher: this.publisher,
      ids: this.ids,
      sealed: this.sealed,
      subjectOf: (m) => partitionSubject(this.options.prefix, this.partitionOf(m)),
      publishTimeoutMs: this.options.publishTimeoutMs ?? 5000,
    }).catch((error: unknown) => {
      for (const p of group) p.reject(error);
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /**
   * Events after `position` in stream order. One partition is filtered by the server; several are
   * too on NATS 2.10+ (filter_subjects), and on older servers by reading every subject here.
   */
  async read(
    position: number,
    limit: number,
    partitions?: readonly number[],
  ): Promise<LoggedEvent[]> {
    const wanted = new Set((partitions ?? []).filter((p) => p >= 0 && p < this.partitions));
    const all = partitions === undefined || wanted.size === this.partitions;
    if (!all && wanted.size === 0) return [];
    const subjects = all ? [] : [...wanted].map((p) => partitionSubject(this.options.prefix, p));
    const serverFilters = subjects.length <= 1 || filtersManySubjects(this.nc.info?.version);
    const events: LoggedEvent[] = [];
    for (let after = position; events.length < limit;) {
      const ask = serverFilters ? limit - events.length : limit;
      const page = await this.reader.read({
        after,
        limit: ask,
        ...(serverFilters ? { subjects } : {}),
      });
      for (const m of page) {
        if (serverFilters || wanted.has(partitionIn(m.subject)))
          events.push(this.toEvent(m.seq, m.subject, m.headers, m.data));
        if (events.length >= limit) break;
      }
      const last = page[page.length - 1];
      if (last === undefined || page.length < ask) break;
      after = last.seq;
    }
    return events;
  }

  /**
   * A stream is read forwards only: the range of `limit` sequences ending before `position` is
   * read, then the range before it, until `limit` events are found (erased sequences leave gaps)
   * or the stream's first is reached.
   */
  async readBefore(position: number | undefined, limit: number): Promise<LoggedEvent[]> {
    const { state } = await this.jsm.streams.info(this.stream);
    const events: LoggedEvent[] = [];
    if (state.messages === 0 || limit <= 0) return events;
    let end = Math.min(position ?? Number.POSITIVE_INFINITY, state.last_seq + 1);
    while (events.length < limit && end > state.first_seq) {
      const start = Math.max(state.first_seq, end - (limit - events.length));
      const page = await this.reader.read({ after: start - 1, limit: end - start, once: true });
      for (let i = page.length - 1; i >= 0; i--) {
        const m = page[i] as StreamMessage;
        if (m.seq < end) events.push(this.toEvent(m.seq, m.subject, m.headers, m.data));
      }
      end = start;
    }
    return events.slice(0, limit);
  }

  /**
   * Scans headers only (no payloads) for the identifier's blind index, `scanChunk` messages a
   * step, then reads the payloads of the matches. With `indexedTo`, only the partitions whose last
   * message is past it (asked of the stream, a request each) are read, from the lowest of theirs.
   */
  async scanByIdentifier(
    query: IdentifierQuery,
  ): Promise<{ events: LoggedEvent[]; next: number | null }> {
    const chunk = this.options.scanChunk ?? 5000;
    const blind = this.sealed.blind(query.kind, query.value);
    const header = query.kind === 'userId' ? HEADER.user : HEADER.anonymous;
    const skipTo = (partition: number): number =>
      Math.max(query.after, query.indexedTo?.[partition] ?? 0);
    let start = query.after;
    let subjects: string[] = [];
    if (query.indexedTo !== undefined) {
      const behind = await this.partitionsPast(skipTo);
      if (behind.length === 0) return { events: [], next: null };
      start = Math.min(...behind.map(skipTo));
      if (behind.length < this.partitions)
        subjects = behind.map((p) => partitionSubject(this.options.prefix, p));
    }
    // One subject, or several on NATS 2.10+, is filtered by the server; else every message is read.
    const serverFilters = subjects.length <= 1 || filtersManySubjects(this.nc.info?.version);
    const found: number[] = [];
    for (let after = start; found.length <= query.limit;) {
      const page = await this.reader.read({
        after,
        limit: chunk,
        headersOnly: true,
        ...(serverFilters && { subjects }),
      });
      for (const m of page) {
        if (m.seq <= skipTo(partitionIn(m.subject))) continue;
        if (headerOf(m.headers, header) === blind) found.push(m.seq);
        if (found.length > query.limit) break;
      }
      const last = page[page.length - 1];
      if (last === undefined || page.length < chunk) break;
      after = last.seq;
    }
    const { page, next } = pageRows(found, query.limit, (seq) => seq);
    return { events: await this.readPositions(page), next };
  }

  /**
   * Counted by the server: for each partition whose last message is past its position, a consumer
   * from there says how many it holds (and is deleted).
   */
  async behind(after: (partition: number) => number): Promise<Behind> {
    let pending = 0;
    const partitions = await this.partitionsPast(after);
    for (const partition of partitions) {
      const info = await this.jsm.consumers.add(this.stream, {
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: after(partition) + 1,
        filter_subject: partitionSubject(this.options.prefix, partition),
        mem_storage: true,
        num_replicas: 1,
        inactive_threshold: nanos(30_000),
      });
      pending += info.num_pending;
      await this.jsm.consumers.delete(this.stream, info.name).catch(() => undefined);
    }
    return { events: pending, partitions };
  }

  /** The partitions whose last message is past `after(partition)`. */
  async partitionsPast(after: (partition: number) => number): Promise<number[]> {
    const lasts = await Promise.all(
      Array.from(
        { length: this.partitions },
        (_, p) =>
          this.jsm.streams
            .getMessage(this.stream, { last_by_subj: partitionSubject(this.options.prefix, p) })
            .then((m) => m?.seq ?? 0), // null: none in that partition
      ),
    );
    return lasts.flatMap((last, p) => (last > after(p) ? [p] : []));
  }

  /**
   * Gets by sequence, 256 in flight at a time, answered by the stream's leader: a direct get (any
   * replica) could miss a message a lagging replica has not yet, and scans read just-appended ones.
   */
  async readPositions(positions: readonly number[]): Promise<LoggedEvent[]> {
    const seqs = [...new Set(positions)].sort((a, b) => a - b);
    const events: LoggedEvent[] = [];
    for (let i = 0; i < seqs.length; i += 256) {
      const got = await Promise.all(
        seqs.slice(i, i + 256).map((seq) => this.jsm.streams.getMessage(this.stream, { seq })),
      );
      for (const m of got) if (m !== null) events.push(this.storedToEvent(m));
    }
    return events;
  }

  private storedToEvent(m: StoredMsg): LoggedEvent {
    return this.toEvent(m.seq, m.subject, m.header, m.data);
  }

  private toEvent(
    seq: number,
    subject: string,
    h: MsgHdrs | undefined,
    data: Uint8Array,
  ): LoggedEvent {
    return {
      position: seq,
      partition: partitionIn(subject),
      message: openEnvelope(h, data, this.sealed),
    };
  }

  /**
   * The data keys the stream's payloads are sealed under: per key, how many messages and when the
   * oldest of them was received. Reads the whole stream (every payload's first bytes), a page at a
   * time; `progress` is told the position reached and the stream's last.
   */
  async sealingKeys(
    progress?: (at: number, last: number) => void,
  ): Promise<Map<number, { messages: number; oldestReceived: number }>> {
    const keys = new Map<number, { messages: number; oldestReceived: number }>();
    const { state } = await this.jsm.streams.info(this.stream);
    for (let after = Math.max(0, state.first_seq - 1); after < state.last_seq;) {
      const page = await this.reader.read({ after, limit: 1000 });
      for (const m of page) {
        const key = isSealed(m.headers) ? sealedUnder(m.data) : undefined;
        if (key === undefined) continue;
        const received = Number(headerOf(m.headers, HEADER.received) ?? Number.NaN);
        const seen = keys.get(key);
        if (seen === undefined) keys.set(key, { messages: 1, oldestReceived: received });
        else {
          seen.messages++;
          if (received < seen.oldestReceived) seen.oldestReceived = received;
        }
      }
      const last = page[page.length - 1];
      if (last === undefined) break;
      after = last.seq;
      progress?.(after, state.last_seq);
    }
    return keys;
  }

  async stats(): Promise<LogStats> {
    const { state } = await this.jsm.streams.info(this.stream);
    return { events: state.messages, bytes: state.bytes, lastPosition: state.last_seq };
  }

  /**
   * JetStream's secure delete: the message is overwritten with random data in its block, not just
   * marked deleted. Its messageId stays in message_ids (not personal data): a resend of the erased
   * message is refused rather than stored again.
   */
  erase(positions: readonly number[]): Promise<void> {
    return eraseMessages(this.jsm, this.stream, positions, true);
  }

  /** Reads the range's headers only; retention's deletes need no secure erase. */
  async prune({ event, receivedBefore, after, upTo, chunk }: PruneQuery): Promise<PruneStep> {
    const end = Math.min(upTo, after + chunk);
    const doomed: number[] = [];
    let newer = false;
    for (let from = after; from < end;) {
      const page = await this.reader.read({
        after: from,
        limit: end - from,
        headersOnly: true,
      });
      for (const m of page.filter((p) => p.seq <= end)) {
        const received = Number(m.headers?.get(HEADER.received));
        if (!(received < receivedBefore)) newer = true;
        else if (
          headerOf(m.headers, HEADER.type) === 'track' &&
          headerOf(m.headers, HEADER.event) === event
        )
          doomed.push(m.seq);
      }
      const last = page[page.length - 1];
      if (last === undefined || last.seq >= end || page.length < end - from) break;
      from = last.seq;
    }
    await eraseMessages(this.jsm, this.stream, doomed, false);
    return { deleted: doomed.length, next: end, newer };
  }

  /**
   * The range's headers are read (type and event name), and the payloads of the messages named
   * are then got by sequence; when they are most of the range (a page of decisions for the
   * bandits), the range is read whole instead, fewer requests than a get each.
   */
  async readNamed({ names, after, upTo, chunk }: NamedQuery): Promise<NamedStep> {
    const end = Math.max(after, Math.min(upTo, after + chunk));
    const wanted = new Set(names);
    const named = (type: string | null, event: string | null | undefined) =>
      type === 'track' && typeof event === 'string' && wanted.has(event);
    const found: number[] = [];
    let scanned = 0;
    for (let from = after; wanted.size > 0 && from < end;) {
      const page = await this.reader.read({ after: from, limit: end - from, headersOnly: true });
      for (const m of page) {
        if (m.seq > end) break;
        scanned++;
        if (named(headerOf(m.headers, HEADER.type), headerOf(m.headers, HEADER.event)))
          found.push(m.seq);
      }
      const last = page[page.length - 1];
      if (last === undefined || last.seq >= end || page.length < end - from) break;
      from = last.seq;
    }
    if (found.length === 0) return { events: [], next: end };
    if (found.length * 2 < scanned) return { events: await this.readPositions(found), next: end };
    const events: LoggedEvent[] = [];
    for (let from = after; from < end;) {
      const page = await this.read(from, end - from);
      for (const e of page)
        if (e.position <= end && named(e.message.type, e.message.event)) events.push(e);
      const last = page[page.length - 1];
      if (last === undefined || last.position >= end || page.length < end - from) break;
      from = last.position;
    }
    return { events, next: end };
  }

  async close(): Promise<void> {
    if (this.pending.length > 0) this.flush();
    await Promise.all([...this.inFlight]);
    this.publisher.close();
    await this.reader.close();
    if (this.ownsConnection) await this.nc.drain();
  }
}

/** The partition a subject `<prefix>.events.<partition>` names. */
function partitionIn(subject: string): number {
  return Number(subject.slice(subject.lastIndexOf('.') + 1));
}
