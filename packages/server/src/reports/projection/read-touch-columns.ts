import type { DuckDBConnection } from '@duckdb/node-api';
import type { PersonColumns } from '@tailor/core';
import type { TouchFields } from '../touch-key.js';
import { grow } from '../person-timelines.js';
import { RowBuffer } from './duckdb-columns.js';
import { groupByPerson } from './group-by-person.js';

/**
 * Each person's events as a report on touchpoints reads them, in time order (log order between
 * equal times): per row its name's code, its touch combination (-1: none; wanted or not: a row
 * read for its name carries its own) and its revenue (NaN: none). `combos`: every combination
 * by id, as the rows name them.
 */
export interface TouchColumns extends PersonColumns {
  name: Int32Array;
  touch: Int32Array;
  revenue: Float64Array;
  combos: readonly (TouchFields | undefined)[];
}

/**
 * The rows of the event names with a code (`names[name id]` ≠ 0; every row when `all`) and of
 * the touch combinations wanted (`wants`), each counted for `owner[person]` (-1: left out),
 * grouped by person in Node as funnels read DuckDB (groupByPerson).
 */
export async function readTouchColumns(
  db: DuckDBConnection,
  options: {
    combos: readonly (TouchFields | undefined)[];
    wants: (fields: TouchFields) => boolean;
    names: Int32Array;
    all: boolean;
    owner: Int32Array;
    people: number;
  },
): Promise<TouchColumns> {
  const { combos, names, owner } = options;
  const wanted: number[] = [];
  combos.forEach((fields, id) => {
    if (fields !== undefined && options.wants(fields)) wanted.push(id);
  });
  const coded: number[] = [];
  for (let id = 0; id < names.length; id++) if (names[id] !== 0) coded.push(id);
  const where: string[] = [];
  if (wanted.length > 0)
    where.push(wanted.length > 5000 ? 'touch IS NOT NULL' : `touch IN (${wanted.join(',')})`);
  if (coded.length > 0) where.push(`name_id IN (${coded.join(',')})`);
  // Each row read: its person and time to group by, its index into these columns as the value.
  const rows = new RowBuffer();
  const more = new TouchBuffer();
  if (options.all || where.length > 0) {
    // Materialized, then read a chunk at a time (as readDuckDBColumns does).
    const result = await db.run(
      `SELECT person, at_ms, name_id, touch, revenue FROM events${options.all ? '' : ` WHERE ${where.join(' OR ')}`}`,
    );
    for (let c = 0; c < result.chunkCount; c++) {
      const chunk = result.getChunk(c);
      const person = chunk.getColumnVector(0);
      const at = chunk.getColumnVector(1);
      const nameId = chunk.getColumnVector(2);
      const combo = chunk.getColumnVector(3);
      const value = chunk.getColumnVector(4);
      const count = chunk.rowCount; // a getter into the native chunk: read once
      for (let i = 0; i < count; i++) {
        const t = combo.getItem(i) as number | null;
        rows.push(owner[person.getItem(i) as number] ?? -1, at.getItem(i) as number, more.count);
        more.push(
          names[nameId.getItem(i) as number] ?? 0,
          t ?? -1,
          (value.getItem(i) as number | null) ?? Number.NaN,
        );
      }
    }
  }
  const grouped = groupByPerson(rows, options.people, () => true);
  const n = grouped.value.length;
  const out = {
    name: new Int32Array(n),
    touch: new Int32Array(n),
    revenue: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = grouped.value[i] as number;
    out.name[i] = more.name[r] as number;
    out.touch[i] = more.touch[r] as number;
    out.revenue[i] = more.revenue[r] as number;
  }
  return { offsets: grouped.offsets, at: grouped.at, ...out, combos };
}

/** Growable typed columns: each row's name code, combination and revenue. */
class TouchBuffer {
  count = 0;
  name = new Int32Array(1 << 16);
  touch = new Int32Array(1 << 16);
  revenue = new Float64Array(1 << 16);

  push(name: number, touch: number, revenue: number): void {
    if (this.count === this.name.length) {
      this.name = grow(this.name);
      this.touch = grow(this.touch);
      this.revenue = grow(this.revenue);
    }
    const i = this.count++;
    this.name[i] = name;
    this.touch[i] = touch;
    this.revenue[i] = revenue;
  }
}
