import type { PersonColumns } from '@tailor/core';

/** Rows as the projection returns them: in log order, each with its person (-1: left out). */
export interface ProjectedRows {
  count: number;
  person: Int32Array;
  at: Float64Array;
  /** Each row's value for the report (step bits, retention roles). */
  value: Int32Array;
}

/**
 * Groups rows by person (a counting sort, stable: log order kept), puts each person's rows in
 * time order (log order between equal times, as readPeople has them), and keeps the people
 * `keep` accepts (their values, in time order). Rows of person -1 are dropped.
 */
export function groupByPerson(
  rows: ProjectedRows,
  people: number,
  keep: (values: Int32Array, from: number, to: number) => boolean,
): PersonColumns & { value: Int32Array } {
  const counts = new Int32Array(people + 1);
  for (let r = 0; r < rows.count; r++) {
    const p = rows.person[r] as number;
    if (p >= 0) counts[p + 1] = (counts[p + 1] as number) + 1;
  }
  for (let p = 0; p < people; p++)
    counts[p + 1] = (counts[p + 1] as number) + (counts[p] as number);
  const total = counts[people] as number;
  const next = counts.slice(0, people);
  const at = new Float64Array(total);
  const value = new Int32Array(total);
  for (let r = 0; r < rows.count; r++) {
    const p = rows.person[r] as number;
    if (p < 0) continue;
    const i = next[p] as number;
    next[p] = i + 1;
    at[i] = rows.at[r] as number;
    value[i] = rows.value[r] as number;
  }
  // Time order within each person: an insertion sort, since the log is nearly in time order.
  for (let p = 0; p < people; p++) {
    const from = counts[p] as number;
    const to = counts[p + 1] as number;
    for (let i = from + 1; i < to; i++) {
      const t = at[i] as number;
      if ((at[i - 1] as number) <= t) continue;
      const v = value[i] as number;
      let j = i - 1;
      for (; j >= from && (at[j] as number) > t; j--) {
        at[j + 1] = at[j] as number;
        value[j + 1] = value[j] as number;
      }
      at[j + 1] = t;
      value[j + 1] = v;
    }
  }
  // The people kept, their rows moved down over those of the people left out.
  const offsets: number[] = [0];
  let out = 0;
  for (let p = 0; p < people; p++) {
    const from = counts[p] as number;
    const to = counts[p + 1] as number;
    if (from === to || !keep(value, from, to)) continue;
    if (out !== from) {
      at.copyWithin(out, from, to);
      value.copyWithin(out, from, to);
    }
    out += to - from;
    offsets.push(out);
  }
  return {
    offsets: Int32Array.from(offsets),
    at: at.subarray(0, out),
    value: value.subarray(0, out),
  };
}
