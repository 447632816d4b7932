/** One person's place in one journey: the step they are at and when it is due. */
export interface JourneyPlace {
  journey: string;
  person: string;
  path: string;
  dueAt: number;
}

/** What became of an email step for a person: handed to SMTP, refused by it, or not sent for want of SMTP. */
export type EmailOutcome = 'sent' | 'failed' | 'skipped-no-smtp';

/** Per step path: how many entered it, are at it now, and went past it. */
export type JourneyStepStats = Record<string, { entered: number; waiting: number; done: number }>;

/**
 * The journeys' durable state: definitions, each person's place and timer, the step counts, a
 * record of each email written before it is sent (at most once), the follower's log position, and
 * a version that moves with every saved or deleted definition (so a runner on another connection
 * or node reads them again). Adapters: `SqliteJourneyStore` (embedded) and `PgJourneyStore`
 * (several nodes); one contract suite runs over both (test/journeys.test.ts).
 */
export interface JourneyStore {
  putJourney(name: string, body: unknown): Promise<void>;
  getJourney(name: string): Promise<unknown>;
  listJourneys(): Promise<{ name: string; body: unknown }[]>;
  /** Deletes a journey with everyone's place and counts in it; false when there was none. */
  deleteJourney(name: string): Promise<boolean>;
  version(): Promise<number>;
  /** Enters a person at the first step, once per person per journey (a person who finished stays recorded with no path). */
  enter(journey: string, person: string, firstPath: string, dueAt: number): Promise<boolean>;
  /** Moves a person to a step due at `dueAt` (or to the end: path undefined). */
  move(
    journey: string,
    person: string,
    path: string | undefined,
    dueAt: number | undefined,
  ): Promise<void>;
  /** Counts one more person entering a step. */
  countEntered(journey: string, path: string): Promise<void>;
  /** The places due by `now`, earliest first. */
  due(now: number, limit: number): Promise<JourneyPlace[]>;
  /** Records an email before it is sent (or that it was skipped); false when already recorded (never sent twice). */
  recordEmail(
    journey: string,
    person: string,
    path: string,
    now: number,
    outcome?: EmailOutcome,
  ): Promise<boolean>;
  /** SMTP refused an email recorded as sent. */
  emailFailed(journey: string, person: string, path: string): Promise<void>;
  /** A person's email records in a journey, by step path. */
  emails(journey: string, person: string): Promise<Record<string, EmailOutcome>>;
  stats(journey: string): Promise<JourneyStepStats>;
  getPosition(consumer: string): Promise<string | undefined>;
  setPosition(consumer: string, position: string): Promise<void>;
  /** Erasure: the person leaves every journey and their email records go. */
  erasePerson(person: string): Promise<void>;
  close(): Promise<void>;
}

/** Per step: entered, waiting now, and done (entered minus those at it now). */
export function stepStats(
  entered: readonly { path: string; entered: number }[],
  waiting: readonly { path: string; n: number }[],
): JourneyStepStats {
  const result: JourneyStepStats = {};
  for (const row of entered)
    result[row.path] = { entered: row.entered, waiting: 0, done: row.entered };
  for (const row of waiting) {
    const entry = (result[row.path] ??= { entered: 0, waiting: 0, done: 0 });
    entry.waiting = row.n;
    entry.done = Math.max(0, entry.entered - row.n);
  }
  return result;
}
