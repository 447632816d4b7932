import type { FunnelOrder, FunnelResult } from './funnel.schema.js';

/**
 * One event of a person's timeline as a funnel reads it: its time (ms) and the steps it matches
 * (indices into the funnel's steps; empty for an event that matches none, which only `strict`
 * funnels need to see).
 */
export interface FunnelEvent {
  at: number;
  steps: readonly number[];
  /**
   * The gaps this event is excluded from: g ends an attempt that has reached step g + 1 (0-based
   * g) and not yet step g + 2. Absent or empty: excluded from none.
   */
  excludes?: readonly number[];
  /**
   * False: this event matches step 1 but may not start an attempt (a breakdown's other groups);
   * it still counts for later steps it matches. Absent: it may.
   */
  starts?: boolean;
}

export interface FunnelOptions {
  /** The number of steps. */
  steps: number;
  /** The conversion window: every step reached within this long of the first (ms). */
  windowMs: number;
  order: FunnelOrder;
}

/** How far one person got, and when they reached each step (ordered and strict funnels). */
interface Progress {
  reached: number;
  times: number[];
}

/**
 * A conversion funnel over people's time-ordered events. A person reaches step k when, within
 * the window from their first step, they did steps 1..k:
 * - `ordered`: in that order, other events in between allowed;
 * - `strict`: in that order with none of their other events in between;
 * - `any`: in any order (each step by a distinct event).
 * Each of a person's step-1 events starts an attempt; the person counts with their furthest
 * attempt (the earliest of equals), so a later, successful attempt is not hidden by an abandoned
 * one. Times to convert are those of that attempt (ordered and strict).
 */
export function computeFunnel(
  people: Iterable<readonly FunnelEvent[]>,
  options: FunnelOptions,
): FunnelResult {
  const m = options.steps;
  const counts = new Array<number>(m).fill(0);
  const gaps: number[][] = Array.from({ length: m }, () => []);
  let total = 0;
  for (const events of people) {
    total++;
    const progress =
      options.order === 'any'
        ? { reached: anyOrderReach(events, m, options.windowMs), times: [] }
        : furthestAttempt(events, m, options.windowMs, options.order === 'strict');
    for (let k = 0; k < progress.reached; k++) counts[k] = (counts[k] as number) + 1;
    for (let k = 1; k < progress.times.length; k++)
      gaps[k]?.push((progress.times[k] as number) - (progress.times[k - 1] as number));
  }
  return funnelResult(total, counts, gaps);
}

/**
 * The answer from each step's count and each person's time from the previous step (ms); the
 * computeFunnel variants share it.
 */
export function funnelResult(total: number, counts: number[], gaps: number[][]): FunnelResult {
  const first = counts[0] as number;
  return {
    people: total,
    steps: counts.map((count, k) => {
      const previous = k === 0 ? first : (counts[k - 1] as number);
      const times = gaps[k] as number[];
      return {
        step: k + 1,
        count,
        conversionRate: first === 0 ? 0 : count / first,
        stepConversionRate: previous === 0 ? 0 : count / previous,
        dropOff: previous - count,
        medianSecondsFromPrevious: k === 0 || times.length === 0 ? null : median(times) / 1000,
        meanSecondsFromPrevious:
          k === 0 || times.length === 0
            ? null
            : times.reduce((s, t) => s + t, 0) / times.length / 1000,
      };
    }),
  };
}

/**
 * The furthest attempt from any step-1 event. From one start, step k + 1 is reached by an event
 * matching it when step k has been reached by an earlier event with no event excluded from gap k
 * since (strict: by the event just before it). `live[k]` says whether such a step-k event stands;
 * an excluded event puts it out, a later step-k event lights it again, so every choice of events
 * is considered, not only the earliest. Each step's time is the earliest at which it was reached.
 */
function furthestAttempt(
  events: readonly FunnelEvent[],
  m: number,
  windowMs: number,
  strict: boolean,
): Progress {
  let best: Progress = { reached: 0, times: [] };
  const live = new Array<boolean>(m).fill(false);
  for (let start = 0; start < events.length && best.reached < m; start++) {
    const opening = events[start] as FunnelEvent;
    if (opening.starts === false || !opening.steps.includes(0)) continue;
    live.fill(false);
    live[0] = true;
    const times = [opening.at];
    for (let i = start + 1; i < events.length && times.length < m; i++) {
      const event = events[i] as FunnelEvent;
      if (event.at - opening.at > windowMs) break;
      const lit: number[] = [];
      for (const s of event.steps) if (s > 0 && live[s - 1] === true) lit.push(s);
      if (strict) live.fill(false);
      for (const g of event.excludes ?? []) live[g] = false;
      for (const s of lit) {
        live[s] = true;
        if (times.length === s) times.push(event.at);
      }
      if (strict && lit.length === 0) break;
    }
    if (times.length > best.reached) best = { reached: times.length, times };
  }
  return best;
}

/**
 * The most steps 1..k a person did, in any order, each by a distinct event, all within one window:
 * a sliding window over their events counting each step's events in it (the steps of an `any`
 * funnel are distinct, so an event matches one step at most).
 */
function anyOrderReach(events: readonly FunnelEvent[], m: number, windowMs: number): number {
  const inWindow = new Array<number>(m).fill(0);
  let best = 0;
  let right = 0;
  for (let left = 0; left < events.length && best < m; left++) {
    const start = events[left] as FunnelEvent;
    while (right < events.length && (events[right] as FunnelEvent).at - start.at <= windowMs) {
      const event = events[right] as FunnelEvent;
      for (const s of event.steps)
        if (s !== 0 || event.starts !== false) inWindow[s] = (inWindow[s] as number) + 1;
      right++;
    }
    let k = 0;
    while (k < m && (inWindow[k] as number) > 0) k++;
    best = Math.max(best, k);
    for (const s of start.steps)
      if (s !== 0 || start.starts !== false) inWindow[s] = (inWindow[s] as number) - 1;
  }
  return best;
}

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
