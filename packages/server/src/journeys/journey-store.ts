/** A journey with a holdout: the people it treats, and those it holds out to measure its uplift. */
export type HoldoutGroup = 'treated' | 'holdout';

/** The groups' counts from rows of (group, people, converted). */
export function groupCounts(
  rows: readonly { grp: string; people: number | string; converted: number | string }[],
): Record<HoldoutGroup, { people: number; converted: number }> {
  const counts = { treated: { people: 0, converted: 0 }, holdout: { people: 0, converted: 0 } };
  for (const row of rows)
    if (row.grp === 'treated' || row.grp === 'holdout')
      counts[row.grp] = { people: Number(row.people), converted: Number(row.converted) };
  return counts;
}

/** One person's place in one journey: the step they are at and when it is due. */
export interface JourneyPlace {
  journey: string;
  person: string;
  path: string;
  dueAt: number;
  /** Which time through the journey this is (1 the first; re-entry counts up). */
  run: number;
  /** What the entry event carried that `waitFor` steps match on (`{"cartId": "c1"}`). */
  context: Record<string, unknown>;
}

/** How an entry is made: when, whether someone who finished may enter again, what to keep for matches. */
export interface EntryOptions {
  at: number;
  /** Someone who finished may enter again this long after their last entry; never when undefined. */
  reenterAfterMs?: number | undefined;
  context?: Record<string, unknown>;
}

/** A webhook step's delivery for a person: attempts so far and where it stands. */
export interface WebhookRecord {
  attempts: number;
  outcome: 'pending' | 'delivered' | 'failed' | 'skipped';
}

/** The key of a step's records for one time through the journey: the path, then `path@run` on re-entries. */
export function stepKey(path: string, run: number): string {
  return run <= 1 ? path : `${path}@${run}`;
}

/** What became of an email step for a person: handed to SMTP, refused by it, or not sent for want of SMTP. */
export type EmailOutcome = 'sent' | 'failed' | 'skipped-no-smtp' | 'capped';

/**
 * Why a person's time in a journey ended at a step: they passed its last step (or the step they
 * were at is no longer in the journey), an exit rule took them out (`waitUntil` with `ifPast:
 * "exit"`), they were erased, or the goal event came.
 */
export type LeaveReason = 'end' | 'exit' | 'erased' | 'goal';

/** How many left at a step, by reason other than the goal. */
export interface LeftBy {
  end: number;
  exit: number;
  erased: number;
}

/**
 * One step's counts: how many entered it, are at it now, went past it (`done`: entered minus
 * waiting), ended their time in the journey there (`left`, by `leftBy` reason: the step was the
 * last they reached) and reached the goal while it was the last step they had reached (`goal`).
 * `entered = waiting + left + goal + (those who went on to a next step)`.
 */
export interface StepCounts {
  entered: number;
  waiting: number;
  done: number;
  left: number;
  goal: number;
  leftBy: LeftBy;
}

/** Per step path (`0`, `1.then.0`), its counts. */
export type JourneyStepStats = Record<string, StepCounts>;

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
  /**
   * Enters a person at the first step: once per person per journey unless `reenterAfterMs` lets
   * someone who finished (recorded with no path) in again, as a new run. Never while they are in it.
   */
  enter(
    journey: string,
    person: string,
    firstPath: string,
    dueAt: number,
    options?: EntryOptions,
  ): Promise<boolean>;
  /** A person's place while they are in a journey. */
  place(journey: string, person: string): Promise<JourneyPlace | undefined>;
  /**
   * A person in the journey leaves it, having reached its goal: counted for the journey and
   * against the step they were at (the last they reached), in one transaction; false when they
   * were not in it.
   */
  reachGoal(journey: string, person: string): Promise<boolean>;
  /** How many left the journey on its goal. */
  goals(journey: string): Promise<number>;
  /**
   * Moves a person to a step due at `dueAt`, counting one more person entering each of the steps
   * `entered` on the way, in one transaction (nothing counted when they are no longer in it).
   */
  move(
    journey: string,
    person: string,
    path: string,
    dueAt: number,
    entered?: readonly string[],
  ): Promise<void>;
  /**
   * A person's time in the journey ends at step `at` (the last they reached) for `reason`:
   * counted there as `left`, with the steps `entered` on the way, in one transaction with their
   * place (nothing counted when they are no longer in it).
   */
  leave(
    journey: string,
    person: string,
    at: string,
    reason: Exclude<LeaveReason, 'goal' | 'erased'>,
    entered?: readonly string[],
  ): Promise<void>;
  /** Counts one more person entering a step. */
  countEntered(journey: string, path: string): Promise<void>;
  /** The places due by `now`, earliest first. */
  due(now: number, limit: number): Promise<JourneyPlace[]>;
  /** Records an email before it is sent (or that it was skipped); false when already recorded (never sent twice). `key` is `stepKey(path, run)`. */
  recordEmail(
    journey: string,
    person: string,
    key: string,
    now: number,
    outcome?: EmailOutcome,
  ): Promise<boolean>;
  /** SMTP refused an email recorded as sent. */
  emailFailed(journey: string, person: string, path: string): Promise<void>;
  /** A person's email records in a journey, by step key. */
  emails(journey: string, person: string): Promise<Record<string, EmailOutcome>>;
  /** Emails sent to a person since `since` (ms), in one journey or, without it, in all (frequency caps). */
  emailsSince(person: string, since: number, journey?: string): Promise<number>;
  webhook(journey: string, person: string, key: string): Promise<WebhookRecord | undefined>;
  recordWebhook(
    journey: string,
    person: string,
    key: string,
    record: WebhookRecord & { at: number },
  ): Promise<void>;
  stats(journey: string): Promise<JourneyStepStats>;
  getPosition(consumer: string): Promise<string | undefined>;
  setPosition(consumer: string, position: string): Promise<void>;
  /**
   * Records a person's group in a journey with a holdout at their first entry (`at`); false when
   * they had one already (the group is the hash's, the same every time: the record keeps when
   * their conversion window opened).
   */
  assignGroup(journey: string, person: string, group: HoldoutGroup, at: number): Promise<boolean>;
  /**
   * A goal event at `at` converts a person assigned a group, once, when it came within `windowMs`
   * of their first entry; false when it did not count.
   */
  convert(journey: string, person: string, at: number, windowMs: number): Promise<boolean>;
  /** People per group and how many of them converted. */
  groups(journey: string): Promise<Record<HoldoutGroup, { people: number; converted: number }>>;
  /**
   * Erasure: the person leaves every journey (counted `left` as `erased` at the step they were
   * at; the counts name no one) and their email and webhook records go.
   */
  erasePerson(person: string): Promise<void>;
  close(): Promise<void>;
}

/** Per step from the store's rows: entered, waiting now, done (entered minus waiting), left and goal. */
export function stepStats(
  entered: readonly { path: string; entered: number | string }[],
  waiting: readonly { path: string; n: number | string }[],
  left: readonly { path: string; reason: string; n: number | string }[],
): JourneyStepStats {
  const result: JourneyStepStats = {};
  const at = (path: string): StepCounts =>
    (result[path] ??= {
      entered: 0,
      waiting: 0,
      done: 0,
      left: 0,
      goal: 0,
      leftBy: { end: 0, exit: 0, erased: 0 },
    });
  for (const row of entered) at(row.path).entered = Number(row.entered);
  for (const row of waiting) at(row.path).waiting = Number(row.n);
  for (const row of left) {
    const counts = at(row.path);
    const n = Number(row.n);
    if (row.reason === 'goal') counts.goal += n;
    else if (row.reason === 'end' || row.reason === 'exit' || row.reason === 'erased') {
      counts.leftBy[row.reason] += n;
      counts.left += n;
    }
  }
  for (const counts of Object.values(result))
    counts.done = Math.max(0, counts.entered - counts.waiting);
  return result;
}
