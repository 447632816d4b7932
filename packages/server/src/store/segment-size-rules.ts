/** What the three segment-size stores share: the clock hour a sample counts for, and thinning. */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Samples older than this are thinned to the first of each UTC day and definition version. */
export const SEGMENT_SIZES_HOURLY_DAYS = 31;

/** The start of the clock hour (UTC) holding `at`, as the ISO text samples are compared in. */
export function hourStart(at: number): string {
  return new Date(Math.floor(at / HOUR) * HOUR).toISOString();
}

/** Samples counted before this (ISO text) are thinned when `at` is recorded. */
export function thinBefore(at: number): string {
  return new Date(at - SEGMENT_SIZES_HOURLY_DAYS * DAY).toISOString();
}
