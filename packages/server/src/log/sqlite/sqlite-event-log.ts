import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import {
  decisionEventsOf,
  MAX_DECIDE_PLACEMENTS,
  type DecisionRecord,
  type StoredMessage,
} from '@tailor/core';
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
import { partitionOf, PARTITIONS } from '../event-log.js';
import { plainSealer, type Sealer } from '../../privacy/sealer.js';
import { sealedValues, type SealedValues } from '../../privacy/sealed-values.js';
import { timeOrderedId } from '../time-ordered-id.js';
import { checkBlindIndex } from './check-blind-index.js';
import { pageRows } from './page-rows.js';
import { openSqlite, type SqliteOptions } from './open-sqlite.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';

/** The table as created before versioned migrations (idempotent on such a file). */
const BASELINE = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY,
  message_id  TEXT NOT NULL UNIQUE,
  partition   INTEGER NOT NULL,
  user_id     TEXT,
  anonymous_id TEXT,
  type        TEXT NOT NULL,
  event       TEXT,
  timestamp   INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  codec       INTEGER NOT NULL,
  payload     BLOB NOT NULL
);
`;

/** The log's component in `schema_migrations` (in log.sqlite). */
export const EVENT_LOG_COMPONENT = 'event-log';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const EVENT_LOG_MIGRATIONS: readonly SqliteMigration[] = [
  { version: 1, name: 'baseline', up: BASELINE },
  {
    // A decide request's record: one row standing for its `Decision Made` events (`span` of
    // them, at the positions up to the row's own); NULL for a row holding one message. The
    // partial index keeps the events' count at open a scan of the records alone.
    version: 2,
    name: 'decision records',
    // Idempotent, as the baseline's CREATE ... IF NOT EXISTS: a file whose record of its versions
    // was lost (the migration tests drop it) already has the column.
    up: (db) => {
      const span = db
        .prepare("SELECT 1 FROM pragma_table_info('events') WHERE name = 'span'")
        .get();
      if (span === undefined) db.exec('ALTER TABLE events ADD COLUMN span INTEGER');
      db.exec('CREATE INDEX IF NOT EXISTS events_spans ON events(span) WHERE span IS NOT NULL');
    },
  },
  {
    // A person's decision records by time: what decide reads back to count exposures to capped
    // items after a restart. Records only, so collection does not pay for it.
    version: 3,
    name: 'decision records by person',
    up: `CREATE INDEX IF NOT EXISTS events_records_by_user ON events(user_id, received_at)
           WHERE span IS NOT NULL AND user_id IS NOT NULL;
         CREATE INDEX IF NOT EXISTS events_records_by_anonymous ON events(anonymous_id, received_at)
           WHERE span IS NOT NULL AND anonymous_id IS NOT NULL;`,
  },
];

/** How a row's payload was written: plain JSON, or JSON sealed by the log's sealer (the key id is inside). */
const PLAIN = 0;
const SEALED = 1;

interface Row {
  position: number;
  partition: number;
  message_id: string;
  codec: number;
  payload: string | Buffer;
  user_id: string | null;
  anonymous_id: string | null;
  /** A decision record's count of events (its positions end at `position`); null for a message. */
  span: number | null;
}

/** The columns every read selects. */
const COLUMNS = 'position, partition, message_id, codec, payload, user_id, anonymous_id, span';

interface PendingAppend {
  messages: readonly StoredMessage[];
  /** A decide request's record, appended as one row (then `messages` is empty). */
  record?: DecisionRecord;
  resolve: (stored: boolean[]) => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded event log: one SQLite table in WAL mode. Appends from concurrent requests are
 * queued and committed together in one transaction on the next turn of the event loop (group
 * commit), so many requests share one fsync; each request's promise resolves only after that
 * commit. messageId is unique, so a retried message is acknowledged and not stored twice.
 * Payloads are sealed (encrypted) by the sealer, and userId / anonymousId are kept as its blind
 * index, so one person's events are found without their ids on disk. The log indexes only
 * messageId: the index of events by userId and anonymousId is the pipeline's to keep
 * (store/sqlite/event-identifier-index.ts), off the path of every append.
 *
 * A decide request's decisions are one row (`appendDecisions`): a sealed `DecisionRecord` whose
 * `span` events take the positions up to the row's own, the positions before it being left free
 * when it is inserted. Every read gives its `Decision Made` events at those positions, as if they
 * were rows of their own: positions stay one per event for every consumer (pipeline offsets, the
 * identifier index, the projection, cursors).
 */
export class SqliteEventLog implements EventLog {
  private readonly db: Database.Database;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  /** Counted once at open, then kept current by appends (a scrape must not scan the table). */
  private eventCount: number;
  private readonly insert: Database.Statement;
  private readonly insertRecord: Database.Statement;
  /** The pipeline's read, a batch per call: prepared once. */
  private readonly readAfter: Database.Statement;
  /** The newest events before a position (the live view reads backwards). */
  private readonly readBack: Database.Statement;
  /** The row holding a position: the first at or after it (a record's span may cover it). */
  private readonly rowAt: Database.Statement;
  /** One range of positions searched for a userId / an anonymousId (no index: a scan). */
  private readonly scanRange: Record<IdentifierQuery['kind'], Database.Statement>;
  /** The last position (stats on every metrics scrape, the end of a scan). */
  private readonly last: Database.Statement;
  private readonly countPending: Database.Statement;
  private readonly commitGroup: (group: PendingAppend[]) => boolean[][];
  /** A person's decision records after a time, by userId / anonymousId. */
  private readonly recordsOf: Record<IdentifierQuery['kind'], Database.Statement>;
  /** Retention: one range of positions at a time. */
  private readonly pruneRange: Database.Statement;
  /** A range's rows of track events by name (a record's row when its span reaches into the range). */
  private readonly namedRange: Database.Statement;
  private readonly prunedEvents: Database.Statement;
  private readonly firstNewer: Database.Statement;

  /** What the log seals (payloads) and blinds (the id columns): the sealing layer. */
  private readonly sealed: SealedValues;

  constructor(
    private readonly file: string,
    sealer: Sealer = plainSealer,
    private readonly options: SqliteOptions & { flushEveryMs?: number; scanChunk?: number } = {},
  ) {
    this.db = openSqlite(file, options);
    migrateSqlite(this.db, EVENT_LOG_COMPONENT, EVENT_LOG_MIGRATIONS);
    this.sealed = sealedValues(sealer);
    checkBlindIndex(this.db, this.sealed, 'events', file);
    this.insert = this.db.prepare(
      `INSERT OR IGNORE INTO events
         (message_id, partition, user_id, anonymous_id, type, event, timestamp, received_at, codec, payload)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Inside the write transaction (either connection's): the positions up to the row's own are
    // free, as the next message takes the last position + 1.
    this.insertRecord = this.db.prepare(
      `INSERT OR IGNORE INTO events
         (position, message_id, partition, user_id, anonymous_id, type, event, timestamp, received_at, codec, payload, span)
       VALUES ((SELECT coalesce(max(position), 0) FROM events) + @span, @messageId, @partition, @userId,
               @anonymousId, 'track', 'Decision Made', @at, @at, @codec, @payload, @span)`,
    );
    this.readAfter = this.db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    );
    this.readBack = this.db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE position < ? ORDER BY position DESC LIMIT ?`,
    );
    this.rowAt = this.db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT 1`,
    );
    const scan = (column: string) =>
      this.db.prepare(
        `SELECT ${COLUMNS} FROM events
         WHERE position > ? AND position <= ? AND ${column} = ?
           AND position > coalesce(json_extract(?, '$[' || partition || ']'), 0)
         ORDER BY position LIMIT ?`,
      );
    this.scanRange = { userId: scan('user_id'), anonymousId: scan('anonymous_id') };
    const records = (column: string) =>
      this.db.prepare(
        `SELECT message_id, codec, payload, position FROM events
         WHERE ${column} = ? AND span IS NOT NULL AND received_at > ?`,
      );
    this.recordsOf = { userId: records('user_id'), anonymousId: records('anonymous_id') };
    this.last = this.db.prepare('SELECT coalesce(max(position), 0) AS last FROM events');
    // A row past a partition's position counts its events past it (a record may straddle it).
    this.countPending = this.db.prepare(
      `SELECT partition, sum(min(coalesce(span, 1), position - after)) AS n FROM (
         SELECT partition, span, position,
                coalesce(json_extract(@positions, '$[' || partition || ']'), 0) AS after
         FROM events WHERE position > @from)
       WHERE position > after GROUP BY partition ORDER BY partition`,
    );
    // A record's row is at its last position, at most MAX_DECIDE_PLACEMENTS past its first.
    this.namedRange = this.db.prepare(
      `SELECT ${COLUMNS} FROM events
       WHERE position > @after AND position <= @end + ${String(MAX_DECIDE_PLACEMENTS)}
         AND position - coalesce(span, 1) < @end
         AND type = 'track' AND event IN (SELECT value FROM json_each(@names))
       ORDER BY position`,
    );
    const pruned =
      "position > ? AND position <= ? AND type = 'track' AND event = ? AND received_at < ?";
    this.pruneRange = this.db.prepare(`DELETE FROM events WHERE ${pruned}`);
    this.prunedEvents = this.db.prepare(
      `SELECT coalesce(sum(coalesce(span, 1)), 0) AS n FROM events WHERE ${pruned}`,
    );
    this.firstNewer = this.db.prepare(
      'SELECT 1 FROM events WHERE position > ? AND position <= ? AND received_at >= ? LIMIT 1',
    );
    this.commitGroup = this.db.transaction((group: PendingAppend[]) =>
      group.map(({ messages, record }) =>
        record === undefined
          ? messages.map((m) => this.insertOne(m))
          : [this.insertDecisions(record)],
      ),
    );
    this.eventCount = (
      this.db
        .prepare(
          `SELECT (SELECT count(*) FROM events)
                + (SELECT coalesce(sum(span - 1), 0) FROM events WHERE span IS NOT NULL) AS n`,
        )
        .get() as { n: number }
    ).n;
  }

  append(messages: readonly StoredMessage[]): Promise<boolean[]> {
    if (messages.length === 0) return Promise.resolve([]);
    return this.enqueue(messages, undefined);
  }

  /**
   * Appends a decide request's record as one row, committed with the turn's group like any
   * append: its `Decision Made` events are read back from it (`decisionEventsOf`).
   */
  appendDecisions(record: DecisionRecord): Promise<void> {
    if (record.decisions.length === 0) return Promise.resolve();
    return this.enqueue([], record).then(() => undefined);
  }

  private enqueue(
    messages: readonly StoredMessage[],
    record: DecisionRecord | undefined,
  ): Promise<boolean[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ messages, ...(record && { record }), resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        const flush = () => {
          this.flush();
        };
        // By default on the next turn (the requests of one turn share a commit); a log whose
        // appends nobody waits on can gather them for longer.
        if (this.options.flushEveryMs === undefined) setImmediate(flush);
        else setTimeout(flush, this.options.flushEveryMs).unref();
      }
    });
  }

  private insertOne(m: StoredMessage): boolean {
    const info = this.insert.run(
      m.messageId,
      partitionOf(m),
      this.sealed.blind('userId', m.userId),
      this.sealed.blind('anonymousId', m.anonymousId),
      m.type,
      // Only a track names an event; any other message's stray `event` field stays in the payload.
      m.type === 'track' && typeof m.event === 'string' ? m.event : null,
      Date.parse(m.timestamp),
      Date.parse(m.receivedAt),
      this.sealed.encrypts ? SEALED : PLAIN,
      this.sealed.event.seal(m.messageId, m),
    );
    return info.changes === 1;
  }

  private insertDecisions(record: DecisionRecord): boolean {
    const messageId = timeOrderedId(record.at);
    const info = this.insertRecord.run({
      span: record.decisions.length,
      messageId,
      partition: partitionOf(record),
      userId: this.sealed.blind('userId', record.userId),
      anonymousId: this.sealed.blind('anonymousId', record.anonymousId),
      // The time with the precision of an event's timestamp (milliseconds).
      at: Math.floor(record.at),
      codec: this.sealed.encrypts ? SEALED : PLAIN,
      payload: this.sealed.decisions.seal(messageId, record),
    });
    return info.changes === 1;
  }

  /** Commits the appends waiting for their turn now (the next timer then finds nothing to do). */
  flush(): void {
    const group = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    if (group.length === 0) return;
    let results: boolean[][];
    try {
      results = this.commitGroup(group);
    } catch (error) {
      // One append's failure must not cost the others theirs: commit each alone.
      if (group.length === 1) group[0]?.reject(error);
      else for (const p of group) this.commitAlone(p);
      return;
    }
    group.forEach((p, i) => {
      this.settle(p, results[i] ?? []);
    });
  }

  private commitAlone(p: PendingAppend): void {
    let stored: boolean[] | undefined;
    try {
      stored = this.commitGroup([p])[0] ?? [];
    } catch (error) {
      p.reject(error);
      return;
    }
    this.settle(p, stored);
  }

  private settle(p: PendingAppend, stored: boolean[]): void {
    const events = p.record?.decisions.length ?? 1;
    for (const s of stored) if (s) this.eventCount += events;
    p.resolve(stored);
  }

  read(position: number, limit: number, partitions?: readonly number[]): Promise<LoggedEvent[]> {
    const rows = partitions
      ? (this.db
          .prepare(
            `SELECT ${COLUMNS} FROM events
             WHERE position > ? AND partition IN (SELECT value FROM json_each(?))
             ORDER BY position LIMIT ?`,
          )
          .all(position, JSON.stringify(partitions), limit) as Row[])
      : (this.readAfter.all(position, limit) as Row[]);
    // A row is at least one event: `limit` rows hold the first `limit` events.
    return Promise.resolve(this.eventsOf(rows, (p) => p > position).slice(0, limit));
  }

  readBefore(position: number | undefined, limit: number): Promise<LoggedEvent[]> {
    const before = position ?? Number.MAX_SAFE_INTEGER;
    const rows = this.readBack.all(before, limit) as Row[];
    // The row at or after the position may be a record whose first events come before it.
    const straddling = position === undefined ? undefined : (this.rowAt.get(position) as Row);
    if (straddling?.span != null) rows.unshift(straddling);
    const events = this.eventsOf(rows, (p) => p < before);
    events.sort((a, b) => b.position - a.position);
    return Promise.resolve(events.slice(0, limit));
  }

  /**
   * Reads the events after `query.after` one by one, in ranges of `scanChunk` positions (20,000 by
   * default, ~12 ms here), yielding to the event loop between ranges: a long scan (a pipeline far
   * behind) delays its own answer, never the requests and commits on the same thread.
   */
  async scanByIdentifier(
    query: IdentifierQuery,
  ): Promise<{ events: LoggedEvent[]; next: number | null }> {
    const chunk = this.options.scanChunk ?? 20_000;
    const blind = this.sealed.blind(query.kind, query.value);
    const last = this.lastPosition();
    const indexedTo = JSON.stringify(query.indexedTo ?? []);
    const start = Math.max(query.after, Math.min(...(query.indexedTo ?? [query.after])));
    // A record found past a partition's indexed position may hold events at or before it.
    const wanted = (partition: number) => {
      const after = Math.max(query.after, query.indexedTo?.[partition] ?? 0);
      return (p: number) => p > after;
    };
    const events: LoggedEvent[] = [];
    for (let from = start; from < last && events.length <= query.limit; from += chunk) {
      if (from > start) await new Promise((resolve) => setImmediate(resolve));
      const rows = this.scanRange[query.kind].all(
        from,
        from + chunk,
        blind,
        indexedTo,
        query.limit + 1 - events.length,
      ) as Row[];
      for (const row of rows) this.expand(row, wanted(row.partition), events);
    }
    const { page, next } = pageRows(events, query.limit, (e) => e.position);
    return { events: page, next };
  }

  /**
   * The decision records of a person's identifiers received after `since` (ms), each once, in log
   * order: found by the records' own index, not by reading the person's events.
   */
  decisionsOf(
    identifiers: readonly { kind: IdentifierQuery['kind']; value: string }[],
    since: number,
  ): Promise<DecisionRecord[]> {
    const rows = new Map<number, Pick<Row, 'message_id' | 'codec' | 'payload'>>();
    for (const { kind, value } of identifiers)
      for (const row of this.recordsOf[kind].all(this.sealed.blind(kind, value), since) as Row[])
        rows.set(row.position, row);
    return Promise.resolve(
      [...rows.entries()].sort(([a], [b]) => a - b).map(([, row]) => this.recordOf(row)),
    );
  }

  behind(after: (partition: number) => number): Promise<Behind> {
    const positions = Array.from({ length: PARTITIONS }, (_, p) => after(p));
    const rows = this.countPending.all({
      from: Math.min(...positions),
      positions: JSON.stringify(positions),
    }) as {
      partition: number;
      n: number;
    }[];
    return Promise.resolve({
      events: rows.reduce((sum, r) => sum + r.n, 0),
      partitions: rows.map((r) => r.partition),
    });
  }

  /** One query either way on SQLite: `behind`'s. */
  async partitionsPast(after: (partition: number) => number): Promise<number[]> {
    return (await this.behind(after)).partitions;
  }

  readPositions(positions: readonly number[]): Promise<LoggedEvent[]> {
    if (positions.length === 0) return Promise.resolve([]);
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM events WHERE position IN (${ROWS_AT}) ORDER BY position`)
      .all(JSON.stringify(positions)) as Row[];
    const wanted = new Set(positions);
    return Promise.resolve(this.eventsOf(rows, (p) => wanted.has(p)));
  }

  /** The events of rows in their order; a record's only at the positions `wanted` keeps. */
  private eventsOf(rows: readonly Row[], wanted: (position: number) => boolean): LoggedEvent[] {
    const events: LoggedEvent[] = [];
    for (const row of rows) this.expand(row, wanted, events);
    return events;
  }

  private expand(row: Row, wanted: (position: number) => boolean, into: LoggedEvent[]): void {
    if (row.span === null) {
      into.push(this.toEvent(row));
      return;
    }
    const first = row.position - row.span + 1;
    const record = this.recordOf(row);
    this.learnBlinds(record, row);
    decisionEventsOf(record, row.message_id).forEach((message, i) => {
      const position = first + i;
      if (wanted(position)) into.push({ position, partition: row.partition, message });
    });
  }

  private recordOf(row: Pick<Row, 'message_id' | 'codec' | 'payload'>): DecisionRecord {
    return row.codec === SEALED
      ? this.sealed.decisions.open(row.message_id, row.payload)
      : (JSON.parse(plainSealer.open(row.payload, '')) as DecisionRecord);
  }

  private toEvent(row: Row): LoggedEvent {
    if (row.codec !== SEALED)
      return {
        position: row.position,
        partition: row.partition,
        message: JSON.parse(plainSealer.open(row.payload, '')) as StoredMessage,
      };
    const message = this.sealed.event.open(row.message_id, row.payload);
    this.learnBlinds(message, row);
    return { position: row.position, partition: row.partition, message };
  }

  /** The blinds beside the payload save the reader (the pipeline) computing them again. */
  private learnBlinds(who: { userId: string | null; anonymousId: string | null }, row: Row): void {
    if (!this.sealed.encrypts) return;
    if (who.userId !== null && row.user_id !== null)
      this.sealed.learn('userId', who.userId, row.user_id);
    if (who.anonymousId !== null && row.anonymous_id !== null)
      this.sealed.learn('anonymousId', who.anonymousId, row.anonymous_id);
  }

  private lastPosition(): number {
    return (this.last.get() as { last: number }).last;
  }

  stats(): Promise<LogStats> {
    return Promise.resolve({
      events: this.eventCount,
      lastPosition: this.lastPosition(),
      bytes: fileBytes(this.file) + fileBytes(`${this.file}-wal`),
    });
  }

  erase(positions: readonly number[]): Promise<void> {
    if (positions.length > 0) {
      // The rows holding them: a record goes whole (its events are all one request's person).
      const where = `position IN (${ROWS_AT})`;
      const given = JSON.stringify(positions);
      const removed = this.db.transaction(() => {
        const { n } = this.db
          .prepare(`SELECT coalesce(sum(coalesce(span, 1)), 0) AS n FROM events WHERE ${where}`)
          .get(given) as { n: number };
        this.db.prepare(`DELETE FROM events WHERE ${where}`).run(given);
        return n;
      })();
      this.eventCount -= removed;
    }
    // secure_delete overwrote the rows in the database pages; the old page images are still in
    // the write-ahead log until it is checkpointed and truncated.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return Promise.resolve();
  }

  prune({ event, receivedBefore, after, upTo, chunk }: PruneQuery): Promise<PruneStep> {
    const end = Math.min(upTo, after + chunk);
    const deleted = this.db.transaction(() => {
      const { n } = this.prunedEvents.get(after, end, event, receivedBefore) as { n: number };
      this.pruneRange.run(after, end, event, receivedBefore);
      return n;
    })();
    this.eventCount -= deleted;
    const newer = this.firstNewer.get(after, end, receivedBefore) !== undefined;
    return Promise.resolve({ deleted, next: end, newer });
  }

  readNamed({ names, after, upTo, chunk }: NamedQuery): Promise<NamedStep> {
    const end = Math.max(after, Math.min(upTo, after + chunk));
    if (names.length === 0 || end === after) return Promise.resolve({ events: [], next: end });
    const rows = this.namedRange.all({ after, end, names: JSON.stringify(names) }) as Row[];
    return Promise.resolve({
      events: this.eventsOf(rows, (p) => p > after && p <= end),
      next: end,
    });
  }

  close(): Promise<void> {
    this.flush();
    this.db.close();
    return Promise.resolve();
  }
}

/**
 * The positions of the rows holding the positions in the JSON array `?`: for each, the first row
 * at or after it, when that row is it or a record whose span covers it.
 */
const ROWS_AT = `
  SELECT e.position FROM json_each(?) AS j
  JOIN events AS e ON e.position = (SELECT min(position) FROM events WHERE position >= j.value)
  WHERE e.position - coalesce(e.span, 1) < j.value`;

function fileBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
