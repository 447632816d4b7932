import { scheduleConsumer } from './journey-schedules.js';
import { migratePostgres, type PgMigration } from '../storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../storage/postgres/pg-database.js';
import {
  groupCounts,
  stepStats,
  type HoldoutGroup,
  type EmailOutcome,
  type EntryOptions,
  type WebhookRecord,
  type JourneyPlace,
  type JourneyStepStats,
  type JourneyStore,
  type LeaveReason,
} from './journey-store.js';

const JOURNEY_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'journeys, places, counts, emails and positions',
    up: `
      CREATE TABLE journeys (name text COLLATE "C" PRIMARY KEY, body jsonb NOT NULL);
      CREATE TABLE journey_version (id int PRIMARY KEY CHECK (id = 1), version int8 NOT NULL);
      INSERT INTO journey_version VALUES (1, 0);
      CREATE TABLE journey_places (
        journey text COLLATE "C" NOT NULL, person text COLLATE "C" NOT NULL, path text, due_at int8,
        PRIMARY KEY (journey, person));
      CREATE INDEX journey_places_due ON journey_places (due_at) WHERE path IS NOT NULL;
      CREATE INDEX journey_places_person ON journey_places (person);
      CREATE TABLE journey_entered (
        journey text COLLATE "C" NOT NULL, path text COLLATE "C" NOT NULL, entered int8 NOT NULL,
        PRIMARY KEY (journey, path));
      CREATE TABLE journey_emails (
        journey text COLLATE "C" NOT NULL, person text COLLATE "C" NOT NULL,
        path text COLLATE "C" NOT NULL, sent_at int8 NOT NULL, outcome text NOT NULL,
        PRIMARY KEY (journey, person, path));
      CREATE INDEX journey_emails_person ON journey_emails (person);
      CREATE TABLE journey_positions (consumer text PRIMARY KEY, position text NOT NULL);`,
  },
  {
    version: 2,
    name: 're-entry, waitFor matches, webhook records, goals, frequency caps',
    up: `
      ALTER TABLE journey_places ADD COLUMN entered_at int8,
        ADD COLUMN run int4 NOT NULL DEFAULT 1, ADD COLUMN context jsonb;
      CREATE INDEX journey_emails_sent ON journey_emails (person, sent_at);
      CREATE TABLE journey_webhooks (
        journey text COLLATE "C" NOT NULL, person text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL, attempts int4 NOT NULL, outcome text NOT NULL,
        at int8 NOT NULL, PRIMARY KEY (journey, person, key));
      CREATE INDEX journey_webhooks_person ON journey_webhooks (person);
      CREATE TABLE journey_goals (journey text COLLATE "C" PRIMARY KEY, reached int8 NOT NULL);`,
  },
  {
    version: 3,
    name: 'holdout groups and their conversions',
    up: `
      CREATE TABLE journey_groups (
        journey text COLLATE "C" NOT NULL, person text COLLATE "C" NOT NULL, grp text NOT NULL,
        entered_at int8 NOT NULL, converted_at int8, PRIMARY KEY (journey, person));
      CREATE INDEX journey_groups_person ON journey_groups (person);`,
  },
  {
    version: 4,
    name: 'per step: how many left, and why, and how many reached the goal there',
    up: `
      CREATE TABLE journey_left (
        journey text COLLATE "C" NOT NULL, path text COLLATE "C" NOT NULL, reason text NOT NULL,
        n int8 NOT NULL, PRIMARY KEY (journey, path, reason));`,
  },
];

/** The journey store on PostgreSQL, shared by every node (the same tables as on SQLite). */
export class PgJourneyStore implements JourneyStore {
  private constructor(private readonly db: PgDatabase) {}

  /** Brings the journeys' tables to the newest version; the pool stays the caller's. */
  static async open(db: PgDatabase): Promise<PgJourneyStore> {
    await migratePostgres(db, 'journeys', JOURNEY_MIGRATIONS);
    return new PgJourneyStore(db);
  }

  async putJourney(name: string, body: unknown): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query(
        'INSERT INTO journeys VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body',
        [name, JSON.stringify(body)],
      );
      await client.query('UPDATE journey_version SET version = version + 1');
    });
  }
  async getJourney(name: string): Promise<unknown> {
    const { rows } = await this.db.query<{ body: unknown }>(
      'SELECT body FROM journeys WHERE name = $1',
      [name],
    );
    return rows[0]?.body;
  }
  async listJourneys(): Promise<{ name: string; body: unknown }[]> {
    const { rows } = await this.db.query<{ name: string; body: unknown }>(
      'SELECT name, body FROM journeys',
    );
    return rows;
  }
  deleteJourney(name: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      await client.query('DELETE FROM journey_places WHERE journey = $1', [name]);
      await client.query('DELETE FROM journey_entered WHERE journey = $1', [name]);
      await client.query('DELETE FROM journey_goals WHERE journey = $1', [name]);
      await client.query('DELETE FROM journey_left WHERE journey = $1', [name]);
      await client.query('DELETE FROM journey_webhooks WHERE journey = $1', [name]);
      await client.query('DELETE FROM journey_groups WHERE journey = $1', [name]);
      await client.query('DELETE FROM journey_positions WHERE consumer = $1', [
        scheduleConsumer(name),
      ]);
      await client.query('UPDATE journey_version SET version = version + 1');
      const deleted = await client.query('DELETE FROM journeys WHERE name = $1', [name]);
      return (deleted.rowCount ?? 0) > 0;
    });
  }
  async version(): Promise<number> {
    const { rows } = await this.db.query<{ version: number }>(
      'SELECT version FROM journey_version',
    );
    return rows[0]?.version ?? 0;
  }

  enter(
    journey: string,
    person: string,
    firstPath: string,
    dueAt: number,
    options?: EntryOptions,
  ): Promise<boolean> {
    return this.db.transaction(async (client) => {
      // A finished place (no path) is started again as the next run when the policy allows it.
      const entered = await client.query(
        `INSERT INTO journey_places (journey, person, path, due_at, entered_at, run, context)
         VALUES ($1, $2, $3, $4, $5, 1, $6)
         ON CONFLICT (journey, person) DO UPDATE SET path = EXCLUDED.path,
           due_at = EXCLUDED.due_at, entered_at = EXCLUDED.entered_at,
           run = journey_places.run + 1, context = EXCLUDED.context
         WHERE journey_places.path IS NULL AND $7::int8 IS NOT NULL
           AND coalesce(journey_places.entered_at, 0) + $7::int8 <= EXCLUDED.entered_at`,
        [
          journey,
          person,
          firstPath,
          dueAt,
          options?.at ?? dueAt,
          options?.context === undefined ? null : JSON.stringify(options.context),
          options?.reenterAfterMs ?? null,
        ],
      );
      if ((entered.rowCount ?? 0) === 0) return false;
      await client.query(COUNT_ENTERED, [journey, firstPath]);
      return true;
    });
  }
  async place(journey: string, person: string): Promise<JourneyPlace | undefined> {
    const { rows } = await this.db.query<PlaceRow>(
      `SELECT ${PLACE} FROM journey_places WHERE journey = $1 AND person = $2 AND path IS NOT NULL`,
      [journey, person],
    );
    return rows[0] && placeOf(rows[0]);
  }
  async reachGoal(journey: string, person: string): Promise<boolean> {
    // One statement (one round trip, atomic): the place leaves, returning the step it was at
    // (the joined row is the one before the update), where the goal is counted.
    const { rows } = await this.db.query<{ n: number }>(
      `WITH moved AS (
         UPDATE journey_places p SET path = NULL, due_at = NULL FROM journey_places o
          WHERE p.journey = $1 AND p.person = $2 AND p.path IS NOT NULL
            AND o.journey = p.journey AND o.person = p.person
         RETURNING o.path),
       goal AS (
         INSERT INTO journey_goals SELECT $1::text, 1 FROM moved
         ON CONFLICT (journey) DO UPDATE SET reached = journey_goals.reached + 1),
       counted AS (
         INSERT INTO journey_left SELECT $1::text, path, 'goal', 1 FROM moved
         ON CONFLICT (journey, path, reason) DO UPDATE SET n = journey_left.n + 1)
       SELECT count(*)::int AS n FROM moved`,
      [journey, person],
    );
    return (rows[0]?.n ?? 0) > 0;
  }
  async goals(journey: string): Promise<number> {
    const { rows } = await this.db.query<{ reached: string }>(
      'SELECT reached FROM journey_goals WHERE journey = $1',
      [journey],
    );
    return Number(rows[0]?.reached ?? 0);
  }
  async move(
    journey: string,
    person: string,
    path: string,
    dueAt: number,
    entered: readonly string[] = [],
  ): Promise<void> {
    if (entered.length === 0) {
      await this.db.query(MOVE, [journey, person, path, dueAt]);
      return;
    }
    // One statement: the steps are counted only when the person moved (still in the journey).
    await this.db.query(`WITH moved AS (${MOVE} RETURNING 1), ${COUNT_ENTERED_MOVED} SELECT 1`, [
      journey,
      person,
      path,
      dueAt,
      entered,
    ]);
  }
  async leave(
    journey: string,
    person: string,
    at: string,
    reason: Exclude<LeaveReason, 'goal' | 'erased'>,
    entered: readonly string[] = [],
  ): Promise<void> {
    // One statement: nothing is counted for a person out of the journey meanwhile (counted
    // where they went out).
    await this.db.query(
      `WITH moved AS (${MOVE} RETURNING 1), ${COUNT_ENTERED_MOVED},
         counted AS (
           INSERT INTO journey_left SELECT $1::text, $6::text, $7::text, 1 FROM moved
           ON CONFLICT (journey, path, reason) DO UPDATE SET n = journey_left.n + 1)
       SELECT 1`,
      [journey, person, null, null, entered, at, reason],
    );
  }
  async countEntered(journey: string, path: string): Promise<void> {
    await this.db.query(COUNT_ENTERED, [journey, path]);
  }
  async due(now: number, limit: number): Promise<JourneyPlace[]> {
    const { rows } = await this.db.query<PlaceRow>(
      `SELECT ${PLACE} FROM journey_places
        WHERE path IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT $2`,
      [now, limit],
    );
    return rows.map(placeOf);
  }

  async recordEmail(
    journey: string,
    person: string,
    path: string,
    now: number,
    outcome: EmailOutcome = 'sent',
  ): Promise<boolean> {
    const inserted = await this.db.query(
      'INSERT INTO journey_emails VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [journey, person, path, now, outcome],
    );
    return (inserted.rowCount ?? 0) > 0;
  }
  async emailFailed(journey: string, person: string, path: string): Promise<void> {
    await this.db.query(
      "UPDATE journey_emails SET outcome = 'failed' WHERE journey = $1 AND person = $2 AND path = $3",
      [journey, person, path],
    );
  }
  async emails(journey: string, person: string): Promise<Record<string, EmailOutcome>> {
    const { rows } = await this.db.query<{ path: string; outcome: EmailOutcome }>(
      'SELECT path, outcome FROM journey_emails WHERE journey = $1 AND person = $2',
      [journey, person],
    );
    return Object.fromEntries(rows.map((r) => [r.path, r.outcome]));
  }
  async emailsSince(person: string, since: number, journey?: string): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM journey_emails
        WHERE person = $1 AND sent_at > $2 AND outcome = 'sent' AND ($3::text IS NULL OR journey = $3)`,
      [person, since, journey ?? null],
    );
    return Number(rows[0]?.n ?? 0);
  }
  async webhook(journey: string, person: string, key: string): Promise<WebhookRecord | undefined> {
    const { rows } = await this.db.query<WebhookRecord>(
      'SELECT attempts, outcome FROM journey_webhooks WHERE journey = $1 AND person = $2 AND key = $3',
      [journey, person, key],
    );
    return rows[0];
  }
  async recordWebhook(
    journey: string,
    person: string,
    key: string,
    record: WebhookRecord & { at: number },
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO journey_webhooks VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (journey, person, key)
       DO UPDATE SET attempts = EXCLUDED.attempts, outcome = EXCLUDED.outcome, at = EXCLUDED.at`,
      [journey, person, key, record.attempts, record.outcome, record.at],
    );
  }

  async stats(journey: string): Promise<JourneyStepStats> {
    const [entered, waiting, left] = await Promise.all([
      this.db.query<{ path: string; entered: number }>(
        'SELECT path, entered FROM journey_entered WHERE journey = $1',
        [journey],
      ),
      this.db.query<{ path: string; n: number }>(
        `SELECT path, count(*)::int8 AS n FROM journey_places
          WHERE journey = $1 AND path IS NOT NULL GROUP BY path`,
        [journey],
      ),
      this.db.query<{ path: string; reason: string; n: string }>(
        'SELECT path, reason, n FROM journey_left WHERE journey = $1',
        [journey],
      ),
    ]);
    return stepStats(entered.rows, waiting.rows, left.rows);
  }

  async getPosition(consumer: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ position: string }>(
      'SELECT position FROM journey_positions WHERE consumer = $1',
      [consumer],
    );
    return rows[0]?.position;
  }
  async setPosition(consumer: string, position: string): Promise<void> {
    await this.db.query(
      `INSERT INTO journey_positions VALUES ($1, $2)
       ON CONFLICT (consumer) DO UPDATE SET position = EXCLUDED.position`,
      [consumer, position],
    );
  }

  async assignGroup(
    journey: string,
    person: string,
    group: HoldoutGroup,
    at: number,
  ): Promise<boolean> {
    const added = await this.db.query(
      `INSERT INTO journey_groups VALUES ($1, $2, $3, $4, NULL)
        ON CONFLICT (journey, person) DO NOTHING`,
      [journey, person, group, at],
    );
    return (added.rowCount ?? 0) > 0;
  }
  async convert(journey: string, person: string, at: number, windowMs: number): Promise<boolean> {
    const converted = await this.db.query(
      `UPDATE journey_groups SET converted_at = $3 WHERE journey = $1 AND person = $2
        AND converted_at IS NULL AND entered_at <= $3 AND $3 - entered_at <= $4`,
      [journey, person, at, windowMs],
    );
    return (converted.rowCount ?? 0) > 0;
  }
  async groups(
    journey: string,
  ): Promise<Record<HoldoutGroup, { people: number; converted: number }>> {
    const { rows } = await this.db.query<{ grp: string; people: string; converted: string }>(
      `SELECT grp, count(*) AS people, count(converted_at) AS converted FROM journey_groups
        WHERE journey = $1 GROUP BY grp`,
      [journey],
    );
    return groupCounts(rows);
  }
  async erasePerson(person: string): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query('DELETE FROM journey_groups WHERE person = $1', [person]);
      // Counted as leaving where they were (the counts name no one), before the places go.
      await client.query(
        `INSERT INTO journey_left
           SELECT journey, path, 'erased', 1 FROM journey_places WHERE person = $1 AND path IS NOT NULL
           ON CONFLICT (journey, path, reason) DO UPDATE SET n = journey_left.n + EXCLUDED.n`,
        [person],
      );
      await client.query('DELETE FROM journey_places WHERE person = $1', [person]);
      await client.query('DELETE FROM journey_emails WHERE person = $1', [person]);
      await client.query('DELETE FROM journey_webhooks WHERE person = $1', [person]);
    });
  }

  /** The pool belongs to the storage, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const COUNT_ENTERED = `INSERT INTO journey_entered VALUES ($1, $2, 1)
  ON CONFLICT (journey, path) DO UPDATE SET entered = journey_entered.entered + 1`;

/** In a statement whose `moved` has a row when the person moved: one more entering each step of `$5`. */
const COUNT_ENTERED_MOVED = `entered AS (
  INSERT INTO journey_entered SELECT $1::text, u.step, 1 FROM moved, unnest($5::text[]) AS u(step)
  ON CONFLICT (journey, path) DO UPDATE SET entered = journey_entered.entered + 1)`;

/** A person still in the journey moves; one out of it since their place was read (goal, erasure) stays out. */
const MOVE = `UPDATE journey_places SET path = $3, due_at = $4
  WHERE journey = $1 AND person = $2 AND path IS NOT NULL`;

const PLACE = 'journey, person, path, due_at AS "dueAt", run, context';
type PlaceRow = Omit<JourneyPlace, 'context' | 'dueAt'> & {
  dueAt: string | number;
  context: Record<string, unknown> | null;
};

/** A place as read (int8 comes back as text from node-postgres unless parsed). */
function placeOf(row: PlaceRow): JourneyPlace {
  return { ...row, dueAt: Number(row.dueAt), context: row.context ?? {} };
}
