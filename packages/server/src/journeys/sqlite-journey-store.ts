import { scheduleConsumer } from './journey-schedules.js';
import Database from 'better-sqlite3';
import { migrateSqlite, type SqliteMigration } from '../storage/sqlite/migrate-sqlite.js';
import {
  stepStats,
  groupCounts,
  type EmailOutcome,
  type EntryOptions,
  type HoldoutGroup,
  type WebhookRecord,
  type JourneyPlace,
  type JourneyStepStats,
  type JourneyStore,
  type LeaveReason,
} from './journey-store.js';

const JOURNEY_COMPONENT = 'journeys';

/**
 * `journeys.db`'s versioned schema. The first is what the file held before it was versioned
 * (tables made if missing, the re-entry columns added to a file older still), so a file from
 * then is brought to it without losing a row.
 */
export const JOURNEY_SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'journeys, places, counts, emails, webhooks, goals, groups and positions',
    up: (db) => {
      db.exec(`
        CREATE TABLE IF NOT EXISTS journeys (name TEXT PRIMARY KEY, body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS journey_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
        INSERT OR IGNORE INTO journey_version VALUES (1, 0);
        CREATE TABLE IF NOT EXISTS journey_places (
          journey TEXT NOT NULL, person TEXT NOT NULL, path TEXT, due_at INTEGER,
          PRIMARY KEY (journey, person));
        CREATE INDEX IF NOT EXISTS journey_places_due ON journey_places (due_at) WHERE path IS NOT NULL;
        CREATE TABLE IF NOT EXISTS journey_entered (
          journey TEXT NOT NULL, path TEXT NOT NULL, entered INTEGER NOT NULL,
          PRIMARY KEY (journey, path));
        CREATE TABLE IF NOT EXISTS journey_emails (
          journey TEXT NOT NULL, person TEXT NOT NULL, path TEXT NOT NULL, sent_at INTEGER NOT NULL,
          outcome TEXT NOT NULL DEFAULT 'sent', PRIMARY KEY (journey, person, path));
        CREATE TABLE IF NOT EXISTS journey_positions (consumer TEXT PRIMARY KEY, position TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS journey_emails_person ON journey_emails (person, sent_at);
        CREATE TABLE IF NOT EXISTS journey_webhooks (
          journey TEXT NOT NULL, person TEXT NOT NULL, key TEXT NOT NULL, attempts INTEGER NOT NULL,
          outcome TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (journey, person, key));
        CREATE INDEX IF NOT EXISTS journey_webhooks_person ON journey_webhooks (person);
        CREATE TABLE IF NOT EXISTS journey_goals (journey TEXT PRIMARY KEY, reached INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS journey_groups (
          journey TEXT NOT NULL, person TEXT NOT NULL, grp TEXT NOT NULL, entered_at INTEGER NOT NULL,
          converted_at INTEGER, PRIMARY KEY (journey, person));
        CREATE INDEX IF NOT EXISTS journey_groups_person ON journey_groups (person);
      `);
      // Re-entry and waitFor (added later): when the person last entered, which run, what to match on.
      const columns = new Set(
        (db.prepare('PRAGMA table_info(journey_places)').all() as { name: string }[]).map(
          (c) => c.name,
        ),
      );
      if (!columns.has('run'))
        db.exec(`
          ALTER TABLE journey_places ADD COLUMN entered_at INTEGER;
          ALTER TABLE journey_places ADD COLUMN run INTEGER NOT NULL DEFAULT 1;
          ALTER TABLE journey_places ADD COLUMN context TEXT;`);
    },
  },
  {
    version: 2,
    name: 'per step: how many left, and why, and how many reached the goal there',
    up: `CREATE TABLE journey_left (
      journey TEXT NOT NULL, path TEXT NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL,
      PRIMARY KEY (journey, path, reason))`,
  },
];

/**
 * The journey store in SQLite (`journeys.db` in the data folder). Several connections may share the
 * file (`tailor serve`'s request and background threads): `version` tells one of them that another
 * changed the definitions. Statements are synchronous (better-sqlite3); the port is async for the
 * PostgreSQL adapter's sake.
 */
export class SqliteJourneyStore implements JourneyStore {
  private readonly db: Database.Database;
  private readonly queue: {
    work: () => unknown;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }[] = [];

  /** Statements prepared once and reused: preparing parses and plans the SQL every time. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    // An erased person's rows are overwritten, not only unlinked (see `erasePerson`).
    this.db.pragma('secure_delete = ON');
    migrateSqlite(this.db, JOURNEY_COMPONENT, JOURNEY_SQLITE_MIGRATIONS);
  }

  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  putJourney(name: string, body: unknown): Promise<void> {
    this.db.transaction(() => {
      this.prepared(
        'INSERT INTO journeys VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body',
      ).run(name, JSON.stringify(body));
      this.bumpVersion();
    })();
    return Promise.resolve();
  }
  getJourney(name: string): Promise<unknown> {
    const row = this.prepared('SELECT body FROM journeys WHERE name = ?').get(name) as
      { body: string } | undefined;
    return Promise.resolve(row === undefined ? undefined : JSON.parse(row.body));
  }
  listJourneys(): Promise<{ name: string; body: unknown }[]> {
    const rows = this.prepared('SELECT name, body FROM journeys').all() as {
      name: string;
      body: string;
    }[];
    return Promise.resolve(
      rows.map((r) => ({ name: r.name, body: JSON.parse(r.body) as unknown })),
    );
  }
  deleteJourney(name: string): Promise<boolean> {
    return Promise.resolve(
      this.db.transaction(() => {
        this.prepared('DELETE FROM journey_places WHERE journey = ?').run(name);
        this.prepared('DELETE FROM journey_entered WHERE journey = ?').run(name);
        this.prepared('DELETE FROM journey_goals WHERE journey = ?').run(name);
        this.prepared('DELETE FROM journey_left WHERE journey = ?').run(name);
        this.prepared('DELETE FROM journey_webhooks WHERE journey = ?').run(name);
        this.prepared('DELETE FROM journey_groups WHERE journey = ?').run(name);
        this.prepared('DELETE FROM journey_positions WHERE consumer = ?').run(
          scheduleConsumer(name),
        );
        this.bumpVersion();
        return this.prepared('DELETE FROM journeys WHERE name = ?').run(name).changes > 0;
      })(),
    );
  }
  version(): Promise<number> {
    const row = this.prepared('SELECT version FROM journey_version').get() as { version: number };
    return Promise.resolve(row.version);
  }
  private bumpVersion(): void {
    this.prepared('UPDATE journey_version SET version = version + 1').run();
  }

  enter(
    journey: string,
    person: string,
    firstPath: string,
    dueAt: number,
    options?: EntryOptions,
  ): Promise<boolean> {
    const context = options?.context === undefined ? null : JSON.stringify(options.context);
    return Promise.resolve(
      this.db.transaction(() => {
        // A finished place (no path) is started again as the next run when the policy allows it.
        const entered =
          this.prepared(
            `INSERT INTO journey_places (journey, person, path, due_at, entered_at, run, context)
               VALUES (?, ?, ?, ?, ?, 1, ?)
               ON CONFLICT (journey, person) DO UPDATE SET path = excluded.path,
                 due_at = excluded.due_at, entered_at = excluded.entered_at,
                 run = journey_places.run + 1, context = excluded.context
               WHERE journey_places.path IS NULL AND ? IS NOT NULL
                 AND coalesce(journey_places.entered_at, 0) + ? <= excluded.entered_at`,
          ).run(
            journey,
            person,
            firstPath,
            dueAt,
            options?.at ?? dueAt,
            context,
            options?.reenterAfterMs ?? null,
            options?.reenterAfterMs ?? 0,
          ).changes > 0;
        if (entered) this.countEnteredNow(journey, firstPath);
        return entered;
      })(),
    );
  }
  place(journey: string, person: string): Promise<JourneyPlace | undefined> {
    const row = this.prepared(
      `SELECT ${PLACE} FROM journey_places WHERE journey = ? AND person = ? AND path IS NOT NULL`,
    ).get(journey, person) as PlaceRow | undefined;
    return Promise.resolve(row && placeOf(row));
  }
  reachGoal(journey: string, person: string): Promise<boolean> {
    return Promise.resolve(
      this.db.transaction(() => {
        // The step they were at is read before the place forgets it: the goal is counted there.
        const at = this.prepared(
          'SELECT path FROM journey_places WHERE journey = ? AND person = ? AND path IS NOT NULL',
        ).get(journey, person) as { path: string } | undefined;
        if (at === undefined) return false;
        this.prepared(
          'UPDATE journey_places SET path = NULL, due_at = NULL WHERE journey = ? AND person = ?',
        ).run(journey, person);
        this.prepared(
          'INSERT INTO journey_goals VALUES (?, 1) ON CONFLICT (journey) DO UPDATE SET reached = reached + 1',
        ).run(journey);
        this.countLeftNow(journey, at.path, 'goal');
        return true;
      })(),
    );
  }
  goals(journey: string): Promise<number> {
    const row = this.prepared('SELECT reached FROM journey_goals WHERE journey = ?').get(
      journey,
    ) as { reached: number } | undefined;
    return Promise.resolve(row?.reached ?? 0);
  }
  move(
    journey: string,
    person: string,
    path: string,
    dueAt: number,
    entered: readonly string[] = [],
  ): Promise<void> {
    return this.grouped(() => {
      this.placeNow(journey, person, path, dueAt, entered);
    });
  }
  leave(
    journey: string,
    person: string,
    at: string,
    reason: Exclude<LeaveReason, 'goal' | 'erased'>,
    entered: readonly string[] = [],
  ): Promise<void> {
    return this.grouped(() => {
      if (this.placeNow(journey, person, null, null, entered))
        this.countLeftNow(journey, at, reason);
    });
  }
  /**
   * Sets a place (path null: out of the journey) and counts the steps entered; false when the
   * person is no longer in the journey (erased, or out on the goal since their place was read),
   * who is then neither moved back in nor counted.
   */
  private placeNow(
    journey: string,
    person: string,
    path: string | null,
    dueAt: number | null,
    entered: readonly string[],
  ): boolean {
    const moved =
      this.prepared(
        'UPDATE journey_places SET path = ?, due_at = ? WHERE journey = ? AND person = ? AND path IS NOT NULL',
      ).run(path, dueAt, journey, person).changes > 0;
    if (moved) for (const step of entered) this.countEnteredNow(journey, step);
    return moved;
  }
  private countLeftNow(journey: string, path: string, reason: LeaveReason): void {
    this.prepared(
      'INSERT INTO journey_left VALUES (?, ?, ?, 1) ON CONFLICT (journey, path, reason) DO UPDATE SET n = n + 1',
    ).run(journey, path, reason);
  }

  /**
   * Group commit: writes asked for in the same turn of the event loop (the runner moves 16 people
   * side by side) go in one transaction, one fsync, and each caller's promise resolves only once
   * it is committed, so an email's record is still on disk before the email is sent.
   */
  private grouped<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length === 1)
        setImmediate(() => {
          this.flush();
        });
    });
  }
  private flush(): void {
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const item of batch) {
          try {
            results.push({ ok: true, value: item.work() });
          } catch (error) {
            results.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const result = results[i];
      if (result?.ok === true) item.resolve(result.value);
      else item.reject(result?.error);
    });
  }
  countEntered(journey: string, path: string): Promise<void> {
    this.countEnteredNow(journey, path);
    return Promise.resolve();
  }
  private countEnteredNow(journey: string, path: string): void {
    this.prepared(
      'INSERT INTO journey_entered VALUES (?, ?, 1) ON CONFLICT (journey, path) DO UPDATE SET entered = entered + 1',
    ).run(journey, path);
  }
  due(now: number, limit: number): Promise<JourneyPlace[]> {
    return Promise.resolve(
      (
        this.prepared(
          `SELECT ${PLACE} FROM journey_places WHERE path IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?`,
        ).all(now, limit) as PlaceRow[]
      ).map(placeOf),
    );
  }

  recordEmail(
    journey: string,
    person: string,
    path: string,
    now: number,
    outcome: EmailOutcome = 'sent',
  ): Promise<boolean> {
    return this.grouped(
      () =>
        this.prepared('INSERT OR IGNORE INTO journey_emails VALUES (?, ?, ?, ?, ?)').run(
          journey,
          person,
          path,
          now,
          outcome,
        ).changes > 0,
    );
  }
  emailFailed(journey: string, person: string, path: string): Promise<void> {
    this.prepared(
      "UPDATE journey_emails SET outcome = 'failed' WHERE journey = ? AND person = ? AND path = ?",
    ).run(journey, person, path);
    return Promise.resolve();
  }
  emails(journey: string, person: string): Promise<Record<string, EmailOutcome>> {
    const rows = this.prepared(
      'SELECT path, outcome FROM journey_emails WHERE journey = ? AND person = ?',
    ).all(journey, person) as { path: string; outcome: EmailOutcome }[];
    return Promise.resolve(Object.fromEntries(rows.map((r) => [r.path, r.outcome])));
  }
  emailsSince(person: string, since: number, journey?: string): Promise<number> {
    const row = this.prepared(
      `SELECT COUNT(*) AS n FROM journey_emails WHERE person = ? AND sent_at > ? AND outcome = 'sent'${
        journey === undefined ? '' : ' AND journey = ?'
      }`,
    ).get(person, since, ...(journey === undefined ? [] : [journey])) as { n: number };
    return Promise.resolve(row.n);
  }
  webhook(journey: string, person: string, key: string): Promise<WebhookRecord | undefined> {
    const row = this.prepared(
      'SELECT attempts, outcome FROM journey_webhooks WHERE journey = ? AND person = ? AND key = ?',
    ).get(journey, person, key) as WebhookRecord | undefined;
    return Promise.resolve(row);
  }
  recordWebhook(
    journey: string,
    person: string,
    key: string,
    record: WebhookRecord & { at: number },
  ): Promise<void> {
    this.prepared(
      `INSERT INTO journey_webhooks VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (journey, person, key)
         DO UPDATE SET attempts = excluded.attempts, outcome = excluded.outcome, at = excluded.at`,
    ).run(journey, person, key, record.attempts, record.outcome, record.at);
    return Promise.resolve();
  }

  stats(journey: string): Promise<JourneyStepStats> {
    const entered = this.prepared(
      'SELECT path, entered FROM journey_entered WHERE journey = ?',
    ).all(journey) as { path: string; entered: number }[];
    const waiting = this.prepared(
      'SELECT path, COUNT(*) AS n FROM journey_places WHERE journey = ? AND path IS NOT NULL GROUP BY path',
    ).all(journey) as { path: string; n: number }[];
    const left = this.prepared('SELECT path, reason, n FROM journey_left WHERE journey = ?').all(
      journey,
    ) as { path: string; reason: string; n: number }[];
    return Promise.resolve(stepStats(entered, waiting, left));
  }

  getPosition(consumer: string): Promise<string | undefined> {
    const row = this.prepared('SELECT position FROM journey_positions WHERE consumer = ?').get(
      consumer,
    ) as { position: string } | undefined;
    return Promise.resolve(row?.position);
  }
  setPosition(consumer: string, position: string): Promise<void> {
    this.prepared(
      'INSERT INTO journey_positions VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET position = excluded.position',
    ).run(consumer, position);
    return Promise.resolve();
  }

  /**
   * The person leaves every journey and their email records go, overwritten in the file
   * (secure_delete) and the write-ahead log emptied, so no copy of their identifier stays.
   */
  assignGroup(journey: string, person: string, group: HoldoutGroup, at: number): Promise<boolean> {
    const added = this.prepared(
      'INSERT OR IGNORE INTO journey_groups VALUES (?, ?, ?, ?, NULL)',
    ).run(journey, person, group, at);
    return Promise.resolve(added.changes > 0);
  }
  convert(journey: string, person: string, at: number, windowMs: number): Promise<boolean> {
    const converted = this.prepared(
      `UPDATE journey_groups SET converted_at = ? WHERE journey = ? AND person = ?
          AND converted_at IS NULL AND entered_at <= ? AND ? - entered_at <= ?`,
    ).run(at, journey, person, at, at, windowMs);
    return Promise.resolve(converted.changes > 0);
  }
  groups(journey: string): Promise<Record<HoldoutGroup, { people: number; converted: number }>> {
    const rows = this.prepared(
      `SELECT grp, count(*) AS people, count(converted_at) AS converted FROM journey_groups
          WHERE journey = ? GROUP BY grp`,
    ).all(journey) as { grp: string; people: number; converted: number }[];
    return Promise.resolve(groupCounts(rows));
  }
  erasePerson(person: string): Promise<void> {
    const erased = this.db.transaction(() => {
      this.prepared('DELETE FROM journey_groups WHERE person = ?').run(person);
      // Counted as leaving where they were (the counts name no one), before the places go.
      this.prepared(
        `INSERT INTO journey_left SELECT journey, path, 'erased', 1 FROM journey_places
           WHERE person = ? AND path IS NOT NULL
           ON CONFLICT (journey, path, reason) DO UPDATE SET n = n + 1`,
      ).run(person);
      const places = this.prepared('DELETE FROM journey_places WHERE person = ?').run(person);
      const emails = this.prepared('DELETE FROM journey_emails WHERE person = ?').run(person);
      const hooks = this.prepared('DELETE FROM journey_webhooks WHERE person = ?').run(person);
      return places.changes + emails.changes + hooks.changes;
    })();
    if (erased > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.flush(); // writes still waiting for their turn
    this.db.close();
    return Promise.resolve();
  }
}

const PLACE = 'journey, person, path, due_at AS dueAt, run, context';
type PlaceRow = Omit<JourneyPlace, 'context'> & { context: string | null };

function placeOf(row: PlaceRow): JourneyPlace {
  return {
    ...row,
    context: row.context === null ? {} : (JSON.parse(row.context) as Record<string, unknown>),
  };
}
