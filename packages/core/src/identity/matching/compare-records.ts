import { comparePrepared, LEVELS, prepareValue } from './compare-values.js';
import type { Comparator, FieldSpec, MatchRecord } from './matching.schema.js';

/** Compares record `i` of the left side with record `j` of the right side, into `out` (one level per field). */
export type RecordComparer = (i: number, j: number, out: Int8Array) => void;

/** Comparators worth remembering per pair of values (string metrics cost far more than a lookup). */
const COSTLY: ReadonlySet<Comparator> = new Set(['jaro_winkler', 'levenshtein', 'phonetic']);
/** A field's remembered levels are forgotten past this many value pairs, to bound memory. */
const MEMO_LIMIT = 2_000_000;

/** One side's values of a field: the distinct prepared values, and each record's value number (-1: missing). */
interface Numbered {
  values: string[];
  left: Int32Array;
  right: Int32Array;
}

export interface PreparedColumn extends Numbered {
  comparator: Comparator;
  /** Level of two equal values (the comparator's own levels). */
  top: number;
  /** Whether values repeat enough (and are few enough for small-integer keys) to remember pairs of them. */
  repeats: boolean;
  /** The swapWith field's values, prepared the same way. */
  swap: Numbered | undefined;
}

/**
 * Prepares every record's values once (trimmed, lower-cased, dates normalized, each distinct
 * value numbered); `right` undefined compares `left` with itself.
 */
export function prepareColumns(
  fields: readonly FieldSpec[],
  left: readonly MatchRecord[],
  right: readonly MatchRecord[] | undefined,
): PreparedColumn[] {
  const records = left.length + (right?.length ?? 0);
  return fields.map((f) => {
    const own = numberValues(f.comparator, f.name, left, right);
    const repeats =
      COSTLY.has(f.comparator) && own.values.length <= records / 2 && own.values.length <= 46_000;
    const swap =
      f.swapWith === undefined ? undefined : numberValues(f.comparator, f.swapWith, left, right);
    return {
      ...own,
      comparator: f.comparator,
      top: LEVELS[f.comparator].length - 1,
      repeats,
      swap,
    };
  });
}

/**
 * A comparer over record indexes. With `remember`, a field with few distinct values (names,
 * places) remembers the level of each pair of values it has compared: candidate pairs repeat
 * them a lot, random pairs hardly ever. A field with a swapWith field has the level `swapped`
 * (1) after `different` (0); its other levels move up by one.
 */
export function recordComparer(
  columns: readonly PreparedColumn[],
  remember: boolean,
): RecordComparer {
  const memos = columns.map((c) => (remember && c.repeats ? new Map<number, number>() : undefined));
  const level = (
    c: PreparedColumn,
    memo: Map<number, number> | undefined,
    a: number,
    b: number,
  ) => {
    if (a === b) return c.top;
    if (memo === undefined) return comparePrepared(c.comparator, c.values[a], c.values[b]);
    const key = a * c.values.length + b;
    let found = memo.get(key);
    if (found === undefined) {
      found = comparePrepared(c.comparator, c.values[a], c.values[b]);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(key, found);
    }
    return found;
  };
  return (i, j, out) => {
    for (let f = 0; f < columns.length; f++) {
      const c = columns[f];
      if (c === undefined) continue;
      const a = c.left[i] ?? -1;
      const b = c.right[j] ?? -1;
      if (a < 0 || b < 0) out[f] = -1;
      else if (c.swap === undefined) out[f] = level(c, memos[f], a, b);
      else {
        const own = level(c, memos[f], a, b);
        out[f] = own > 0 ? own + 1 : swapped(c, c.swap, i, j) ? 1 : 0;
      }
    }
  };
}

/** Whether record i's value is close to record j's swapped field, and j's value to i's swapped field (when present). */
function swapped(c: PreparedColumn, swap: Numbered, i: number, j: number): boolean {
  const close = Math.max(1, c.top - 1);
  const mine = c.values[c.left[i] ?? -1];
  const theirs = c.values[c.right[j] ?? -1];
  const myOther = swap.values[swap.left[i] ?? -1];
  const theirOther = swap.values[swap.right[j] ?? -1];
  if (theirOther === undefined || comparePrepared(c.comparator, mine, theirOther) < close)
    return false;
  return myOther === undefined || comparePrepared(c.comparator, myOther, theirs) >= close;
}

function numberValues(
  comparator: Comparator,
  field: string,
  left: readonly MatchRecord[],
  right: readonly MatchRecord[] | undefined,
): Numbered {
  const numbers = new Map<string, number>();
  const values: string[] = [];
  const number = (rows: readonly MatchRecord[]) =>
    Int32Array.from(rows, (r) => {
      const v = prepareValue(comparator, r.fields[field]);
      if (v === undefined) return -1;
      let n = numbers.get(v);
      if (n === undefined) {
        n = values.length;
        values.push(v);
        numbers.set(v, n);
      }
      return n;
    });
  const l = number(left);
  return { values, left: l, right: right ? number(right) : l };
}
