import type { PersonColumns } from './funnel-columns.js';
import {
  periodStart,
  periodsBetween,
  retentionResult,
  type CohortTally,
  type RetentionOptions,
} from './retention.js';
import type { RetentionResult } from './retention.schema.js';

/** Bits of RetentionColumns.roles. */
export const RETENTION_START = 1;
export const RETENTION_RETURN = 2;

/** A retention report's events as columns: each event's roles (start, return, or both). */
export interface RetentionColumns extends PersonColumns {
  roles: Uint8Array;
}

/**
 * computeRetention over columns: the same people, the same matrix (retention-columns.test.ts
 * compares them on random people for each period), without one object per event.
 */
export function computeRetentionColumns(
  columns: RetentionColumns,
  options: RetentionOptions,
): RetentionResult {
  const { period, periods } = options;
  const { offsets, at, roles } = columns;
  const cohorts = new Map<number, CohortTally>();
  // seen[n] === stamp: the person being counted was retained in period n.
  const seen = new Int32Array(periods + 1);
  let total = 0;
  const people = offsets.length - 1;
  for (let p = 0; p < people; p++) {
    const to = offsets[p + 1] as number;
    let first = offsets[p] as number;
    while (first < to && ((roles[first] as number) & RETENTION_START) === 0) first++;
    if (first === to) continue;
    const firstAt = at[first] as number;
    if (options.since !== undefined && firstAt < options.since) continue;
    const cohortStart = periodStart(firstAt, period);
    let cohort = cohorts.get(cohortStart);
    if (cohort === undefined) {
      cohort = { size: 0, retained: new Array<number>(periods + 1).fill(0) };
      cohorts.set(cohortStart, cohort);
    }
    cohort.size++;
    total++;
    const stamp = p + 1;
    // Events before the first start event are earlier in time or equal to it (time order).
    for (let e = first; e < to; e++) {
      if (((roles[e] as number) & RETENTION_RETURN) === 0) continue;
      const n = periodsBetween(cohortStart, periodStart(at[e] as number, period), period);
      if (n >= 1 && n <= periods && seen[n] !== stamp) {
        seen[n] = stamp;
        cohort.retained[n] = (cohort.retained[n] as number) + 1;
      }
    }
  }
  return retentionResult(cohorts, total, options);
}
