import { DateTime, type DurationLikeObject } from 'luxon';

/** The days of the week a `waitUntil` may name, Monday first (ISO weekday 1..7). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A compiled `waitUntil`: a time of day (on some weekdays), or a date trait moved by an offset. */
export interface WaitUntil {
  /** The local time of day, in minutes past midnight. */
  minutes: number | undefined;
  /** ISO weekdays allowed (1 Monday .. 7 Sunday); all when undefined. */
  days: ReadonlySet<number> | undefined;
  /** The trait holding a date (`2027-01-15`) or a time (`2027-01-15T09:30:00Z`). */
  trait: string | undefined;
  /** Calendar arithmetic on the trait's date (`{days: -7}`): days and weeks keep the local time. */
  offset: DurationLikeObject | undefined;
  /** What to do when the date is past, missing or not a date. */
  ifPast: 'continue' | 'exit';
}

const OFFSET_UNITS = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks' } as const;

/** An offset such as `-7d` or `+2h` as calendar units, or undefined when it is not one. */
export function parseOffset(text: string): DurationLikeObject | undefined {
  const match = /^([-+]?)(\d{1,6})(s|m|h|d|w)$/.exec(text);
  if (match === null) return undefined;
  const [, sign = '', amount = '0', unit = 's'] = match;
  const value = Number(amount) * (sign === '-' ? -1 : 1);
  return { [OFFSET_UNITS[unit as keyof typeof OFFSET_UNITS]]: value };
}

/** `HH:MM` in minutes past midnight. */
export function parseTimeOfDay(text: string): number {
  const [hours = '0', minutes = '0'] = text.split(':');
  return Number(hours) * 60 + Number(minutes);
}

/** A trait's value as a moment in `zone`: a date alone is its local midnight; undefined when it is not a date. */
function traitMoment(value: unknown, zone: string): DateTime | undefined {
  if (typeof value !== 'string') return undefined;
  const moment = DateTime.fromISO(value, { zone });
  return moment.isValid ? moment : undefined;
}

/** The moment at local `minutes` past midnight on `day`'s date (a time skipped by a clock change moves forward with it). */
function atTimeOfDay(day: DateTime, minutes: number): DateTime {
  return day.set({
    hour: Math.floor(minutes / 60),
    minute: minutes % 60,
    second: 0,
    millisecond: 0,
  });
}

/**
 * When a person reaching a `waitUntil` at `at` goes on: `{until}` the moment (at or after `at`), or
 * `{exit: true}` when the trait's date is past (or missing) and the step says to leave. The answer
 * for its own moment is that moment, so a place stored as due then and read again goes on.
 *
 * - A time of day: the first local `minutes` at or after `at` in `zone`, on one of `days`.
 * - A date trait: the trait's moment (a date alone is local midnight) plus `offset`, at the time of
 *   day when one is given; past (before `at`) it is `at` or an exit, as `ifPast` says.
 */
export function waitUntilMoment(
  step: WaitUntil,
  at: number,
  traits: Readonly<Record<string, unknown>>,
  zone: string,
): { until: number } | { exit: true } {
  if (step.trait !== undefined) {
    let moment = traitMoment(traits[step.trait], zone);
    if (moment !== undefined && step.offset !== undefined) moment = moment.plus(step.offset);
    if (moment !== undefined && step.minutes !== undefined)
      moment = atTimeOfDay(moment, step.minutes);
    const until = moment?.toMillis();
    if (until !== undefined && until >= at) return { until };
    return step.ifPast === 'exit' ? { exit: true } : { until: at };
  }
  const minutes = step.minutes ?? 0;
  const start = DateTime.fromMillis(at, { zone });
  for (let day = 0; day <= 7; day++) {
    const candidate = atTimeOfDay(start.plus({ days: day }), minutes);
    if (candidate.toMillis() < at) continue;
    if (step.days !== undefined && !step.days.has(candidate.weekday)) continue;
    return { until: candidate.toMillis() };
  }
  return { until: at }; // unreachable: a week holds every weekday
}
