import Database from 'better-sqlite3';

/** One person's place in one journey: the step they are at and when it is due. */
export interface JourneyPlace {
  journey: string;
  person: string;
  path: string;
  dueAt: number;
}

/**
 * The journeys' durable state in SQLite: definitions, each person's place and timer, the step counts,
 * and a record of each email written before it is sent (at most once).
 */
export class SqliteJourneyStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS journeys (name TEXT PRIMARY KEY, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS journey_places (
        journey TEXT NOT NULL, person TEXT NOT NULL, path TEXT, due_at INTEGER,
        PRIMARY KEY (journey, person));
      CREATE INDEX IF NOT EXISTS journey_places_due ON journey_places (due_at) WHERE path IS NOT NULL;
      CREATE TABLE IF NOT EXISTS journey_entered (
        journey TEXT NOT NULL, path TEXT NOT NULL, entered INTEGER NOT NULL,
        PRIMARY KEY (journey, path));
      CREATE TABLE IF NOT EXISTS journey_emails (
        journey TEXT NOT NULL, person TEXT NOT NULL, path TEXT NOT NULL, sent_at INTEGER NOT NULL,
        PRIMARY KEY (journey, person, path));
      CREATE TABLE IF NOT EXISTS journey_positions (consumer TEXT PRIMARY KEY, position TEXT NOT NULL);
    `);
  }

  putJourney(name: string, body: unknown): void {
    this.db
      .prepare(
        'INSERT INTO journeys VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body',
      )
      .run(name, JSON.stringify(body));
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

  /** Records an email before it is sent; false when it was already recorded (so it is never sent twice). */
  recordEmail(journey: string, person: string, path: string, now: number): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO journey_emails VALUES (?, ?, ?, ?)')
        .run(journey, person, path, now).changes > 0
    );
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

  /** Erasure: the person leaves every journey and their email records go. */
  erasePerson(person: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM journey_places WHERE person = ?').run(person);
      this.db.prepare('DELETE FROM journey_emails WHERE person = ?').run(person);
    })();
  }

  close(): void {
    this.db.close();
  }
}
