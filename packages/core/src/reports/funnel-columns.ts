import { funnelResult, type FunnelOptions } from './funnel.js';
import type { FunnelResult } from './funnel.schema.js';

/**
 * Events as typed columns, grouped by person: person p's events are rows `offsets[p]` to
 * `offsets[p + 1] - 1`, in time order. One row costs 16 bytes and no object, which is what lets
 * a funnel or a retention matrix run over tens of millions of events (docs/reports.md).
 */
export interface PersonColumns {
  /** People + 1 row offsets, increasing; the last is the number of rows. */
  offsets: Int32Array;
  /** Each event's time (ms). */
  at: Float64Array;
}

/** A funnel's events as columns: the steps each event matches, the gaps it is excluded from. */
export interface FunnelColumns extends PersonColumns {
  /** Bit k: the event matches step k + 1 (up to 20 steps). 0: no step (seen by strict funnels). */
  steps: Int32Array;
  /** Bit g: the event ends an attempt that has reached step g + 1 and not step g + 2. */
  excludes?: Int32Array | undefined;
}

/**
 * computeFunnel over columns: the same people, the same answer (funnel-columns.test.ts compares
 * them on random people for every order, with and without exclusions), without one object per
 * event. Steps and gaps are bit sets, so an attempt's state is one integer.
 */
export function computeFunnelColumns(columns: FunnelColumns, options: FunnelOptions): FunnelResult {
  const m = options.steps;
  const counts = new Array<number>(m).fill(0);
  const gaps: number[][] = Array.from({ length: m }, () => []);
  const times = new Float64Array(m);
  const best = new Float64Array(m);
  const inWindow = new Int32Array(m);
  const people = columns.offsets.length - 1;
  for (let p = 0; p < people; p++) {
    const from = columns.offsets[p] as number;
    const to = columns.offsets[p + 1] as number;
    let reached: number;
    if (options.order === 'any') {
      reached = anyOrderReach(columns, from, to, m, options.windowMs, inWindow);
    } else {
      reached = furthestAttempt(columns, from, to, m, options, times, best);
      for (let k = 1; k < reached; k++)
        gaps[k]?.push((best[k] as number) - (best[k - 1] as number));
    }
    for (let k = 0; k < reached; k++) counts[k] = (counts[k] as number) + 1;
  }
  return funnelResult(people, counts, gaps);
}

/** funnel.ts's furthestAttempt on rows from..to-1: `live` bit k stands for its `live[k]`. */
function furthestAttempt(
  columns: FunnelColumns,
  from: number,
  to: number,
  m: number,
  options: FunnelOptions,
  times: Float64Array,
  best: Float64Array,
): number {
  const { at, steps, excludes } = columns;
  const strict = options.order === 'strict';
  let bestReached = 0;
  for (let start = from; start < to && bestReached < m; start++) {
    if (((steps[start] as number) & 1) === 0) continue;
    const opening = at[start] as number;
    let live = 1;
    let reached = 1;
    times[0] = opening;
    for (let i = start + 1; i < to && reached < m; i++) {
      if ((at[i] as number) - opening > options.windowMs) break;
      // Steps s > 0 this event matches whose step s - 1 stands.
      const lit = (steps[i] as number) & (live << 1);
      if (strict) live = 0;
      if (excludes !== undefined) live &= ~(excludes[i] as number);
      live |= lit;
      // Only the next step can be newly reached (live bit k implies step k was reached).
      if (((lit >>> reached) & 1) === 1) times[reached++] = at[i] as number;
      if (strict && lit === 0) break;
    }
    if (reached > bestReached) {
      bestReached = reached;
      best.set(times.subarray(0, reached));
    }
  }
  return bestReached;
}

/** funnel.ts's anyOrderReach on rows from..to-1, counting each step's events in the window. */
function anyOrderReach(
  columns: FunnelColumns,
  from: number,
  to: number,
  m: number,
  windowMs: number,
  inWindow: Int32Array,
): number {
  const { at, steps } = columns;
  inWindow.fill(0);
  let best = 0;
  let right = from;
  for (let left = from; left < to && best < m; left++) {
    const startAt = at[left] as number;
    while (right < to && (at[right] as number) - startAt <= windowMs) {
      for (let bits = steps[right] as number, s = 0; bits !== 0; bits >>>= 1, s++)
        if ((bits & 1) === 1) inWindow[s] = (inWindow[s] as number) + 1;
      right++;
    }
    let k = 0;
    while (k < m && (inWindow[k] as number) > 0) k++;
    if (k > best) best = k;
    for (let bits = steps[left] as number, s = 0; bits !== 0; bits >>>= 1, s++)
      if ((bits & 1) === 1) inWindow[s] = (inWindow[s] as number) - 1;
  }
  return best;
}
