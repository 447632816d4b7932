import Database from 'better-sqlite3';

/** One person's place in one journey: the step they are at and when it is due. */
export interface JourneyPlace {
  journey: string;
  person: string;
  path: string;
  dueAt: number;
}

/** What became of an email step for a person: handed to SMTP, refused by it, or not sent for want of SMTP. */
export type EmailOutcome = 'sent' | 'failed' | 'skipped-no-smtp';

/**
 * The journeys' durable state in SQLite: definitions, each person's place and timer, the step counts,
 * and a record of each email written before it is sent (at most once). Several connections may share
 * the file (`tailor serve`'s request and background threads): `version` tells one of them that
 * another changed the definitions.
 */
export class SqliteJourneyStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    // An erased person's rows are overwritten, not only unlinked (see `erasePerson`).
    this.db.pragma('secure_delete = ON');
    this.db.exec(`
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
    `);
  }

  putJourney(name: string, body: unknown): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO journeys VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body',
        )
        .run(name, JSON.stringify(body));
      this.bumpVersion();
    })();
  }
  /** Moves on each time a journey is saved or deleted (through any connection to the file). */
  version(): number {
    return (this.db.prepare('SELECT version FROM journey_version').get() as { version: number })
      .version;
  }
  private bumpVersion(): void {
    this.db.prepare('UPDATE journey_version SET version = version + 1').run();
  }
  getJourney(name: string): unknown {
    const row = this.db.prepare('SELECT body FROM journeys WHERE name = ?').get(name) as
      { body: string } | undefined;
    return row === undefined ? undefined : JSON.parse(row.body);
  }
  listJourneys(): { name: string; body: unknown }[] {
    return (
      this.db.prepare('SELECT name, body FROM journeys').all() as { name: string; body: string }[]
    ).map((r) => ({ name: r.name, body: JSON.parse(r.body) as unknown }));
  }
  deleteJourney(name: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM journey_places WHERE journey = ?').run(name);
      this.db.prepare('DELETE FROM journey_entered WHERE journey = ?').run(name);
      this.bumpVersion();
      return this.db.prepare('DELETE FROM journeys WHERE name = ?').run(name).changes > 0;
    })();
  }

  /** Enters a person at the first step, once per person per journey (a person who finished stays recorded with no path). */
  enter(journey: string, person: string, firstPath: string, dueAt: number): boolean {
    return this.db.transaction(() => {
      const inserted =
        this.db
          .prepare('INSERT OR IGNORE INTO journey_places VALUES (?, ?, ?, ?)')
          .run(journey, person, firstPath, dueAt).changes > 0;
      if (inserted) this.countEntered(journey, firstPath);
      return inserted;
    })();
  }

  /** Moves a person to a step due at `dueAt` (or to the end: path undefined). */
  move(journey: string, person: string, path: string | undefined, dueAt: number | undefined): void {
    this.db
      .prepare('UPDATE journey_places SET path = ?, due_at = ? WHERE journey = ? AND person = ?')
      .run(path ?? null, dueAt ?? null, journey, person);
  }

  /** Counts one more person entering a step. */
  countEntered(journey: string, path: string): void {
    this.db
      .prepare(
        'INSERT INTO journey_entered VALUES (?, ?, 1) ON CONFLICT (journey, path) DO UPDATE SET entered = entered + 1',
      )
      .run(journey, path);
  }

  /** The places due by `now`, earliest first. */
  due(now: number, limit: number): JourneyPlace[] {
    return this.db
      .prepare(
        'SELECT journey, person, path, due_at AS dueAt FROM journey_places WHERE path IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?',
      )
      .all(now, limit) as JourneyPlace[];
  }

  /**
   * Records an email before it is sent (or that it was skipped); false when it was already recorded
   * (so it is never sent twice).
   */
  recordEmail(
    journey: string,
    person: string,
    path: string,
    now: number,
    outcome: EmailOutcome = 'sent',
  ): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO journey_emails VALUES (?, ?, ?, ?, ?)')
        .run(journey, person, path, now, outcome).changes > 0
    );
  }
  /** SMTP refused an email recorded as sent. */
  emailFailed(journey: string, person: string, path: string): void {
    this.db
      .prepare(
        "UPDATE journey_emails SET outcome = 'failed' WHERE journey = ? AND person = ? AND path = ?",
      )
      .run(journey, person, path);
  }
  /** A person's email records in a journey, by step path. */
  emails(journey: string, person: string): Record<string, EmailOutcome> {
    const rows = this.db
      .prepare('SELECT path, outcome FROM journey_emails WHERE journey = ? AND person = ?')
      .all(journey, person) as { path: string; outcome: EmailOutcome }[];
    return Object.fromEntries(rows.map((r) => [r.path, r.outcome]));
  }

  /** Per step: how many entered it, how many are at it now (waiting), and how many went past it (done). */
  stats(journey: string): Record<string, { entered: number; waiting: number; done: number }> {
    const result: Record<string, { entered: number; waiting: number; done: number }> = {};
    for (const row of this.db
      .prepare('SELECT path, entered FROM journey_entered WHERE journey = ?')
      .all(journey) as { path: string; entered: number }[])
      result[row.path] = { entered: row.entered, waiting: 0, done: row.entered };
    for (const row of this.db
      .prepare(
        'SELECT path, COUNT(*) AS n FROM journey_places WHERE journey = ? AND path IS NOT NULL GROUP BY path',
      )
      .all(journey) as { path: string; n: number }[]) {
      const entry = (result[row.path] ??= { entered: 0, waiting: 0, done: 0 });
      entry.waiting = row.n;
      entry.done = Math.max(0, entry.entered - row.n);
    }
    return result;
  }

  getPosition(consumer: string): string | undefined {
    return (
      this.db.prepare('SELECT position FROM journey_positions WHERE consumer = ?').get(consumer) as
        { position: string } | undefined
    )?.position;
  }
  setPosition(consumer: string, position: string): void {
    this.db
      .prepare(
        'INSERT INTO journey_positions VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET position = excluded.position',
      )
      .run(consumer, position);
  }

  /**
   * Erasure: the person leaves every journey and their email records go, overwritten in the file
   * (secure_delete) and the write-ahead log emptied, so no copy of their identifier stays.
   */
  erasePerson(person: string): void {
    const erased = this.db.transaction(() => {
      const places = this.db.prepare('DELETE FROM journey_places WHERE person = ?').run(person);
      const emails = this.db.prepare('DELETE FROM journey_emails WHERE person = ?').run(person);
      return places.changes + emails.changes;
    })();
    if (erased > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.db.close();
  }
}
