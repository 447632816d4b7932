import type { DuckDBConnection } from '@duckdb/node-api';
import type { PersonColumns } from '@tailor/core';
import { grow } from '../person-timelines.js';
import { nameColumn, readIndexGroups, type IndexGroups } from './index-groups.js';

/** Rows the tail starts with (it grows by doubling). */
const TAIL_START = 1 << 12;

/**
 * What funnels and retention read of the projection, kept in memory as typed columns beside
 * DuckDB (docs/reports.md, "The in-memory index"): each person's events (time and name id) in
 * time order, so a report is a pass over arrays with nothing to move out of DuckDB. About 10
 * bytes an event and 8 a person. Loaded from DuckDB when the projection opens, events the
 * projection appends go to a tail (log order), folded into the groups before the next report
 * (`regroup`), with what changed of people: an erased person's rows are dropped (their number's
 * root is -1, a tombstone until then), a merged person's rows join the group of the person they
 * were merged into, in log order (read again from DuckDB, which knows it). Refusals of analytics
 * are applied when selecting, since consent can be given again.
 */
export class ReportIndex {
  private tailCount = 0;
  private tailPerson = new Int32Array(TAIL_START);
  private tailAt = new Float64Array(TAIL_START);
  private tailName = new Int32Array(TAIL_START);

  private constructor(private main: IndexGroups) {}

  /** Reads every event from DuckDB, grouped by `roots` (ProjectionPeople.roots). */
  static async load(
    db: DuckDBConnection,
    roots: Int32Array,
    maxNameId: number,
  ): Promise<ReportIndex> {
    return new ReportIndex(await readIndexGroups(db, roots, maxNameId));
  }

  /** How many events it holds. */
  get events(): number {
    return this.main.at.length + this.tailCount;
  }

  /** Adds an event appended to the projection (in log order, after every event it holds). */
  append(person: number, at: number, name: number): void {
    if (this.tailCount === this.tailPerson.length) {
      this.tailPerson = grow(this.tailPerson);
      this.tailAt = grow(this.tailAt);
      this.tailName = grow(this.tailName);
    }
    const i = this.tailCount++;
    this.tailPerson[i] = person;
    this.tailAt[i] = at;
    this.tailName[i] = name;
  }

  /** Forgets the events appended after the first `count` of the tail (a write rolled back). */
  truncate(count: number): void {
    this.tailCount = Math.min(this.tailCount, count);
  }

  /** The tail's length, to truncate back to. */
  get tailLength(): number {
    return this.tailCount;
  }

  /** Whether `regroup` has work: events appended, or a person merged or erased since. */
  stale(roots: Int32Array): boolean {
    if (this.tailCount > 0) return true;
    const { keys } = this.main;
    for (let g = 0; g < keys.length; g++) {
      const k = keys[g] as number;
      if (roots[k] !== k) return true;
    }
    return false;
  }

  /**
   * Groups every event by `roots` again: the tail's events join their person's group (after its
   * events of equal time, being later in the log), erased people's groups leave, and the groups
   * a merge joined are read again from DuckDB, which has every event's log position. Groups no
   * change touched are copied in runs.
   */
  async regroup(db: DuckDBConnection, roots: Int32Array, maxNameId: number): Promise<void> {
    const { keys, offsets, at, name } = this.main;
    const n = roots.length;
    const rootOf = (p: number): number => (p < n ? (roots[p] as number) : -1);
    // Roots another group was merged into since: their members' rows are read again.
    const reread = new Uint8Array(n);
    const count = new Int32Array(n);
    for (let g = 0; g < keys.length; g++) {
      const k = keys[g] as number;
      const r = rootOf(k);
      if (r >= 0 && r !== k) reread[r] = 1;
    }
    const members: number[] = [];
    for (let p = 0; p < n; p++) {
      const r = roots[p] as number;
      if (r >= 0 && reread[r] === 1) members.push(p);
    }
    const fresh =
      members.length > 0 ? await readIndexGroups(db, roots, maxNameId, members) : undefined;
    const freshOf = new Int32Array(n).fill(-1);
    if (fresh !== undefined)
      for (let g = 0; g < fresh.keys.length; g++) {
        const r = fresh.keys[g] as number;
        freshOf[r] = g;
        count[r] = (fresh.offsets[g + 1] as number) - (fresh.offsets[g] as number);
      }
    const groupOf = new Int32Array(n).fill(-1);
    for (let g = 0; g < keys.length; g++) {
      const k = keys[g] as number;
      if (rootOf(k) !== k || reread[k] === 1) continue;
      groupOf[k] = g;
      count[k] = (count[k] as number) + (offsets[g + 1] as number) - (offsets[g] as number);
    }
    // The tail's rows by person (a stable counting sort: log order kept).
    const tailStart = new Int32Array(n + 1);
    for (let i = 0; i < this.tailCount; i++) {
      const r = rootOf(this.tailPerson[i] as number);
      if (r < 0 || reread[r] === 1) continue;
      count[r] = (count[r] as number) + 1;
      tailStart[r + 1] = (tailStart[r + 1] as number) + 1;
    }
    for (let r = 0; r < n; r++)
      tailStart[r + 1] = (tailStart[r + 1] as number) + (tailStart[r] as number);
    const tailRows = new Int32Array(tailStart[n] as number);
    const next = tailStart.slice(0, n);
    let maxName = 0;
    for (let i = 0; i < this.tailCount; i++) {
      const r = rootOf(this.tailPerson[i] as number);
      if (r < 0 || reread[r] === 1) continue;
      tailRows[(next[r] as number)++] = i;
      if ((this.tailName[i] as number) > maxName) maxName = this.tailName[i] as number;
    }
    let groups = 0;
    let total = 0;
    for (let r = 0; r < n; r++)
      if ((count[r] as number) > 0) {
        groups++;
        total += count[r] as number;
      }
    const out: IndexGroups = {
      keys: new Int32Array(groups),
      offsets: new Int32Array(groups + 1),
      at: new Float64Array(total),
      name: nameColumn(total, Math.max(maxNameId, maxName)),
    };
    // Runs of untouched groups, consecutive in the old columns, are copied at once.
    let runFrom = 0;
    let runTo = 0;
    let runOut = 0;
    const flush = (): void => {
      if (runTo > runFrom) {
        out.at.set(at.subarray(runFrom, runTo), runOut);
        out.name.set(name.subarray(runFrom, runTo), runOut);
      }
      runFrom = runTo = 0;
    };
    let row = 0;
    let gi = 0;
    for (let r = 0; r < n; r++) {
      if ((count[r] as number) === 0) continue;
      out.keys[gi] = r;
      out.offsets[gi++] = row;
      const g = groupOf[r] as number;
      const tailFrom = tailStart[r] as number;
      const tailTo = tailStart[r + 1] as number;
      if (g >= 0 && tailFrom === tailTo) {
        const from = offsets[g] as number;
        const to = offsets[g + 1] as number;
        if (runTo !== from || runTo === runFrom) {
          flush();
          runFrom = from;
          runOut = row;
        }
        runTo = to;
        row += to - from;
        continue;
      }
      flush();
      const f = freshOf[r] as number;
      if (f >= 0 && fresh !== undefined) {
        const from = fresh.offsets[f] as number;
        const to = fresh.offsets[f + 1] as number;
        out.at.set(fresh.at.subarray(from, to), row);
        out.name.set(fresh.name.subarray(from, to), row);
        row += to - from;
        continue;
      }
      sortByTime(tailRows, tailFrom, tailTo, this.tailAt);
      // The group's rows, then the tail's, by time; on equal times the group's first.
      let i = g >= 0 ? (offsets[g] as number) : 0;
      const end = g >= 0 ? (offsets[g + 1] as number) : 0;
      let j = tailFrom;
      while (i < end || j < tailTo) {
        const t = tailRows[j] as number;
        if (j >= tailTo || (i < end && (at[i] as number) <= (this.tailAt[t] as number))) {
          out.at[row] = at[i] as number;
          out.name[row++] = name[i++] as number;
        } else {
          out.at[row] = this.tailAt[t] as number;
          out.name[row++] = this.tailName[t] as number;
          j++;
        }
      }
    }
    flush();
    out.offsets[groups] = row;
    this.main = out;
    this.tailCount = 0;
    if (this.tailPerson.length > TAIL_START) {
      this.tailPerson = new Int32Array(TAIL_START);
      this.tailAt = new Float64Array(TAIL_START);
      this.tailName = new Int32Array(TAIL_START);
    }
  }

  /**
   * What the projection's `columns` answers, from memory (call after `regroup`): each counted
   * person's events whose name has a value (`values[name id]`, 0: not read; `all`: every event),
   * in time order, for the people `keep` accepts. `owner[p] === p` for a person counted (-1:
   * refused analytics).
   */
  select(
    owner: Int32Array,
    values: Int32Array,
    all: boolean,
    keep: (values: Int32Array, from: number, to: number) => boolean,
  ): PersonColumns & { value: Int32Array } {
    const { keys, offsets, at, name } = this.main;
    let rows = 0;
    if (all) rows = at.length;
    else
      for (let i = 0; i < name.length; i++) if ((values[name[i] as number] as number) !== 0) rows++;
    const outAt = new Float64Array(rows);
    const outValue = new Int32Array(rows);
    const outOffsets = new Int32Array(keys.length + 1);
    let people = 0;
    let row = 0;
    for (let g = 0; g < keys.length; g++) {
      const k = keys[g] as number;
      if (owner[k] !== k) continue;
      const from = row;
      const to = offsets[g + 1] as number;
      for (let i = offsets[g] as number; i < to; i++) {
        const value = values[name[i] as number] as number;
        if (value === 0 && !all) continue;
        outAt[row] = at[i] as number;
        outValue[row++] = value;
      }
      if (row === from || !keep(outValue, from, row)) row = from;
      else outOffsets[++people] = row;
    }
    return {
      offsets: outOffsets.subarray(0, people + 1),
      at: outAt.subarray(0, row),
      value: outValue.subarray(0, row),
    };
  }
}

/** Sorts rows[from..to) (indices into `at`) by time, stably: an insertion sort, the log being nearly in time order. */
function sortByTime(rows: Int32Array, from: number, to: number, at: Float64Array): void {
  for (let i = from + 1; i < to; i++) {
    const r = rows[i] as number;
    const t = at[r] as number;
    let j = i - 1;
    for (; j >= from && (at[rows[j] as number] as number) > t; j--) rows[j + 1] = rows[j] as number;
    rows[j + 1] = r;
  }
}
