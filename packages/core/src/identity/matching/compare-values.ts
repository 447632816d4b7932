import jaroWinkler from 'talisman/metrics/jaro-winkler.js';
import levenshtein from 'talisman/metrics/levenshtein.js';
import type { Comparator } from './matching.schema.js';
import { soundAlike } from './phonetic-codes.js';

/** Each comparator's agreement levels, from disagreement (0) to full agreement (last). */
export const LEVELS: Record<Comparator, readonly string[]> = {
  exact: ['different', 'same'],
  jaro_winkler: ['different', 'similar', 'close', 'same'],
  levenshtein: ['different', 'similar', 'close', 'same'],
  phonetic: ['different', 'sounds alike', 'same'],
  numeric: ['different', 'close', 'same'],
  date: ['different', 'close', 'same'],
};

/** A field's levels: its comparator's, with `swapped` after `different` when it has a swapWith field. */
export function fieldLevels(field: {
  comparator: Comparator;
  swapWith?: string | undefined;
}): readonly string[] {
  const levels = LEVELS[field.comparator];
  return field.swapWith === undefined
    ? levels
    : [levels[0] ?? 'different', 'swapped', ...levels.slice(1)];
}

/** Level of agreement between two values, or -1 when either is missing (no evidence either way). */
export function compareValues(
  comparator: Comparator,
  a: string | undefined,
  b: string | undefined,
): number {
  return comparePrepared(comparator, prepareValue(comparator, a), prepareValue(comparator, b));
}

/**
 * A value as comparators read it: trimmed and lower-cased, undefined when empty; dates as
 * YYYYMMDD digits. Matching prepares each record's values once, not once per pair.
 */
export function prepareValue(
  comparator: Comparator,
  value: string | undefined,
): string | undefined {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '') return undefined;
  return comparator === 'date' ? normalizeDate(v) : v;
}

/** compareValues for values already passed through prepareValue. */
export function comparePrepared(
  comparator: Comparator,
  x: string | undefined,
  y: string | undefined,
): number {
  if (x === undefined || y === undefined) return -1;
  if (x === y) return LEVELS[comparator].length - 1;
  switch (comparator) {
    case 'exact':
      return 0;
    case 'jaro_winkler': {
      const s = jaroWinkler(x, y);
      return s >= 0.94 ? 2 : s >= 0.85 ? 1 : 0;
    }
    case 'levenshtein': {
      // One edit is close and two are similar in a code of 3 or 4 characters too (a postcode).
      const d = levenshtein(x, y);
      const length = Math.max(x.length, y.length);
      const s = 1 - d / length;
      return s >= 0.8 || (d === 1 && length >= 3)
        ? 2
        : s >= 0.6 || (d === 2 && length >= 4)
          ? 1
          : 0;
    }
    case 'phonetic':
      return soundAlike(x, y) ? 1 : 0;
    case 'numeric': {
      const p = Number(x);
      const q = Number(y);
      if (!Number.isFinite(p) || !Number.isFinite(q)) return 0;
      return Math.abs(p - q) <= Math.max(1, 0.05 * Math.max(Math.abs(p), Math.abs(q))) ? 1 : 0;
    }
    case 'date':
      return datesClose(x, y) ? 1 : 0;
  }
}

/**
 * YYYYMMDD from `19800112`, `1980-01-12` (ISO, with or without a time) or `12/01/1980` (read day
 * first; a month-first date then differs by a day/month swap, which still counts as close).
 * Anything else keeps only its digits.
 */
export function normalizeDate(value: string): string {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(value);
  if (iso) return `${iso[1] ?? ''}${pad(iso[2])}${pad(iso[3])}`;
  const dayFirst = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  if (dayFirst) return `${dayFirst[3] ?? ''}${pad(dayFirst[2])}${pad(dayFirst[1])}`;
  return value.replace(/\D/g, '');
}

function pad(part: string | undefined): string {
  return (part ?? '').padStart(2, '0');
}

/**
 * Dates as YYYYMMDD: close when one digit differs, two neighbouring digits are swapped, or day
 * and month are swapped. Other shapes: close when one edit apart.
 */
function datesClose(a: string, b: string): boolean {
  if (a === '' || b === '') return false;
  if (a.length !== 8 || b.length !== 8) return levenshtein(a, b) <= 1;
  let first = -1;
  let differences = 0;
  for (let k = 0; k < 8; k++) {
    if (a[k] !== b[k]) {
      if (first < 0) first = k;
      differences++;
    }
  }
  if (differences === 1) return true;
  const neighboursSwapped =
    differences === 2 && a[first] === b[first + 1] && a[first + 1] === b[first];
  const dayMonthSwapped =
    a.slice(0, 4) === b.slice(0, 4) &&
    a.slice(4, 6) === b.slice(6, 8) &&
    a.slice(6, 8) === b.slice(4, 6);
  return neighboursSwapped || dayMonthSwapped;
}
