import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { StoredMessage } from '@tailor/core';
import type {
  Behind,
  EventLog,
  IdentifierQuery,
  LoggedEvent,
  LogStats,
  PruneQuery,
  PruneStep,
} from '../event-log.js';
import { partitionOf, PARTITIONS } from '../event-log.js';
import { plainSealer, type Sealer } from '../../privacy/sealer.js';
import { sealedValues, type SealedValues } from '../../privacy/sealed-values.js';
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
}

interface PendingAppend {
  messages: readonly StoredMessage[];
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
 */
export class SqliteEventLog implements EventLog {
  private readonly db: Database.Database;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  /** Counted once at open, then kept current by appends (a scrape must not scan the table). */
  private eventCount: number;
  private readonly insert: Database.Statement;
  /** The pipeline's read, a batch per call: prepared once. */
  private readonly readAfter: Database.Statement;
  /** The newest events before a position (the live view reads backwards). */
  private readonly readBack: Database.Statement;
  /** One range of positions searched for a userId / an anonymousId (no index: a scan). */
  private readonly scanRange: Record<IdentifierQuery['kind'], Database.Statement>;
  /** The last position (stats on every metrics scrape, the end of a scan). */
  private readonly last: Database.Statement;
  private readonly countPending: Database.Statement;
  private readonly commitGroup: (group: PendingAppend[]) => boolean[][];
  /** Retention: one range of positions at a time. */
  private readonly pruneRange: Database.Statement;
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
    this.readAfter = this.db.prepare(
      'SELECT position, partition, message_id, codec, payload, user_id, anonymous_id FROM events WHERE position > ? ORDER BY position LIMIT ?',
    );
    this.readBack = this.db.prepare(
      'SELECT position, partition, message_id, codec, payload, user_id, anonymous_id FROM events WHERE position < ? ORDER BY position DESC LIMIT ?',
    );
    const scan = (column: string) =>
      this.db.prepare(
        `SELECT position, partition, message_id, codec, payload, user_id, anonymous_id FROM events
         WHERE position > ? AND position <= ? AND ${column} = ?
           AND position > coalesce(json_extract(?, '$[' || partition || ']'), 0)
         ORDER BY position LIMIT ?`,
      );
    this.scanRange = { userId: scan('user_id'), anonymousId: scan('anonymous_id') };
    this.last = this.db.prepare('SELECT coalesce(max(position), 0) AS last FROM events');
    this.countPending = this.db.prepare(
      `SELECT partition, count(*) AS n FROM events
       WHERE position > ? AND position > coalesce(json_extract(?, '$[' || partition || ']'), 0)
       GROUP BY partition ORDER BY partition`,
    );
    this.pruneRange = this.db.prepare(
      "DELETE FROM events WHERE position > ? AND position <= ? AND type = 'track' AND event = ? AND received_at < ?",
    );
    this.firstNewer = this.db.prepare(
      'SELECT 1 FROM events WHERE position > ? AND position <= ? AND received_at >= ? LIMIT 1',
    );
    this.commitGroup = this.db.transaction((group: PendingAppend[]) =>
      group.map(({ messages }) => messages.map((m) => this.insertOne(m))),
    );
    this.eventCount = (
      this.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }
    ).n;
  }

  append(messages: readonly StoredMessage[]): Promise<boolean[]> {
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ messages, resolve, reject });
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
    for (const s of stored) if (s) this.eventCount++;
    p.resolve(stored);
  }

  read(position: number, limit: number, partitions?: readonly number[]): Promise<LoggedEvent[]> {
    const rows = partitions
      ? (this.db
          .prepare(
            `SELECT position, partition, message_id, codec, payload, user_id, anonymous_id FROM events
             WHERE position > ? AND partition IN (SELECT value FROM json_each(?))
             ORDER BY position LIMIT ?`,
          )
          .all(position, JSON.stringify(partitions), limit) as Row[])
      : (this.readAfter.all(position, limit) as Row[]);
    return Promise.resolve(rows.map((r) => this.toEvent(r)));
  }

  readBefore(position: number | undefined, limit: number): Promise<LoggedEvent[]> {
    const rows = this.readBack.all(position ?? Number.MAX_SAFE_INTEGER, limit) as Row[];
    return Promise.resolve(rows.map((r) => this.toEvent(r)));
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
    const rows: Row[] = [];
    for (let from = start; from < last && rows.length <= query.limit; from += chunk) {
      if (from > start) await new Promise((resolve) => setImmediate(resolve));
      rows.push(
        ...(this.scanRange[query.kind].all(
          from,
          from + chunk,
          blind,
          indexedTo,
          query.limit + 1 - rows.length,
        ) as Row[]),
      );
    }
    const { page, next } = pageRows(rows, query.limit, (r) => r.position);
    return { events: page.map((r) => this.toEvent(r)), next };
  }

  behind(after: (partition: number) => number): Promise<Behind> {
    const positions = Array.from({ length: PARTITIONS }, (_, p) => after(p));
    const rows = this.countPending.all(Math.min(...positions), JSON.stringify(positions)) as {
      partition: number;
      n: number;
    }[];
    return Promise.resolve({
      events: rows.reduce((sum, r) => sum + r.n, 0),
      partitions: rows.map((r) => r.partition),
    });
  }

  readPositions(positions: readonly number[]): Promise<LoggedEvent[]> {
    if (positions.length === 0) return Promise.resolve([]);
    const rows = this.db
      .prepare(
        `SELECT position, partition, message_id, codec, payload, user_id, anonymous_id FROM events
         WHERE position IN (SELECT value FROM json_each(?)) ORDER BY position`,
      )
      .all(JSON.stringify(positions)) as Row[];
    return Promise.resolve(rows.map((r) => this.toEvent(r)));
  }

  private toEvent(row: Row): LoggedEvent {
    if (row.codec !== SEALED)
      return {
        position: row.position,
        partition: row.partition,
        message: JSON.parse(plainSealer.open(row.payload, '')) as StoredMessage,
      };
    const message = this.sealed.event.open(row.message_id, row.payload);
    // The blinds beside the payload save the reader (the pipeline) computing them again.
    if (message.userId !== null && row.user_id !== null)
      this.sealed.learn('userId', message.userId, row.user_id);
    if (message.anonymousId !== null && row.anonymous_id !== null)
      this.sealed.learn('anonymousId', message.anonymousId, row.anonymous_id);
    return { position: row.position, partition: row.partition, message };
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
      const removed = this.db
        .prepare('DELETE FROM events WHERE position IN (SELECT value FROM json_each(?))')
        .run(JSON.stringify(positions)).changes;
      this.eventCount -= removed;
    }
    // secure_delete overwrote the rows in the database pages; the old page images are still in
    // the write-ahead log until it is checkpointed and truncated.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return Promise.resolve();
  }

  prune({ event, receivedBefore, after, upTo, chunk }: PruneQuery): Promise<PruneStep> {
    const end = Math.min(upTo, after + chunk);
    const { changes } = this.pruneRange.run(after, end, event, receivedBefore);
    this.eventCount -= changes;
    const newer = this.firstNewer.get(after, end, receivedBefore) !== undefined;
    return Promise.resolve({ deleted: changes, next: end, newer });
  }

  close(): Promise<void> {
    this.flush();
    this.db.close();
    return Promise.resolve();
  }
}

function fileBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
