import type { JourneySchedule } from './journey-definition.js';
import type { JourneyRunner } from './journey-runner.js';
import type { JourneyStore } from './journey-store.js';

/** People entered a turn per scheduled journey: a run pages through its segment between other work. */
export const SCHEDULE_PAGE = 500;

/**
 * Where a journey's scheduled runs stand, kept in the store as a position (`schedule:NAME`), like
 * the follower's: the moment of the latest run, and how far it has entered the segment's members
 * (the last profile id entered; null once the run is done).
 */
interface ScheduleState {
  runAt: number;
  cursor: string | null;
}

export function scheduleConsumer(journey: string): string {
  return `schedule:${journey}`;
}

/**
 * The moment of the run to make now or next: the latest slot at or before `now` not run yet (a
 * node down for three runs makes one, not three), else the next one. Slots are `start` plus
 * multiples of `every`; without a start, the first run is `now` and the others follow it.
 */
export function nextRun(
  schedule: JourneySchedule,
  lastRun: number | undefined,
  now: number,
): number {
  const { everyMs } = schedule;
  const base = schedule.start ?? lastRun ?? now;
  if (now < base) return base;
  const latest = base + Math.floor((now - base) / everyMs) * everyMs;
  if (lastRun === undefined || latest > lastRun) return latest;
  return base + (Math.floor((lastRun - base) / everyMs) + 1) * everyMs;
}

function readState(text: string | undefined): ScheduleState | undefined {
  if (text === undefined) return undefined;
  const state = JSON.parse(text) as ScheduleState;
  return typeof state.runAt === 'number' ? state : undefined;
}

/**
 * Runs the journeys entered on a schedule: when a run falls due, it is recorded (its moment, the
 * cursor at the start), then every member of the segment at that time is entered a page a turn,
 * as the journey's re-entry policy allows, each page's progress saved after it. A restart resumes a
 * run at its cursor; a page read again (a crash before its progress was saved) enters again only
 * someone re-entry lets in and who already finished this run (a journey without a wait).
 * Returns how many members it read (more work: the loop turns again at once).
 */
export async function runSchedules(options: {
  runner: JourneyRunner;
  store: JourneyStore;
  /** A segment's members now, in profile id order after `after`. */
  members: (
    segment: string,
    after: string,
    limit: number,
  ) => Promise<{ profiles: string[]; next: string | null }>;
  now: () => number;
  /** Members entered a turn per journey (`SCHEDULE_PAGE`). */
  pageSize?: number;
}): Promise<number> {
  const { runner, store } = options;
  await runner.refresh(); // journeys saved through another connection or node
  let read = 0;
  for (const { name, segment, schedule } of runner.schedules()) {
    const consumer = scheduleConsumer(name);
    let state = readState(await store.getPosition(consumer));
    if (state === undefined || state.cursor === null) {
      const runAt = nextRun(schedule, state?.runAt, options.now());
      if (runAt > options.now()) continue;
      state = { runAt, cursor: '' };
      await store.setPosition(consumer, JSON.stringify(state));
    }
    const page = await options.members(
      segment,
      state.cursor ?? '',
      options.pageSize ?? SCHEDULE_PAGE,
    );
    for (const person of page.profiles) await runner.enterScheduled(name, person, state.runAt);
    read += page.profiles.length;
    await store.setPosition(
      consumer,
      JSON.stringify({ runAt: state.runAt, cursor: page.next } satisfies ScheduleState),
    );
  }
  return read;
}
