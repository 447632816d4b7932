import type { DuckDBConnection } from '@duckdb/node-api';
import { grow } from '../person-timelines.js';
import { groupByPerson, type ProjectedRows } from './group-by-person.js';

/**
 * The projection's `columns` read from DuckDB, when it keeps no in-memory index: the rows of the
 * names with a value (`values[name id]`; every row when `all`) in log order, each counted for
 * `owner[person]` (-1: left out), grouped by person in Node (groupByPerson).
 */
export async function readDuckDBColumns(
  db: DuckDBConnection,
  values: Int32Array,
  owner: Int32Array,
  people: number,
  options: { all: boolean; keep: (values: Int32Array, from: number, to: number) => boolean },
): Promise<ReturnType<typeof groupByPerson>> {
  const wanted: number[] = [];
  for (let id = 1; id < values.length; id++) if (values[id] !== 0) wanted.push(id);
  const where = options.all
    ? ''
    : `WHERE name_id IN (${wanted.length === 0 ? '-1' : wanted.join(',')})`;
  // Materialized, then read a chunk at a time: streaming costs an asynchronous round trip per
  // chunk of 2,048 rows, twice the time on a loaded machine.
  const result = await db.run(`SELECT person, at_ms, name_id FROM events ${where}`);
  const rows = new RowBuffer();
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const person = chunk.getColumnVector(0);
    const at = chunk.getColumnVector(1);
    const name = chunk.getColumnVector(2);
    const count = chunk.rowCount; // a getter into the native chunk: read once
    for (let i = 0; i < count; i++)
      rows.push(
        owner[person.getItem(i) as number] ?? -1,
        at.getItem(i) as number,
        values[name.getItem(i) as number] ?? 0,
      );
  }
  return groupByPerson(rows, people, options.keep);
}

/** Growable typed columns for the rows a query returns (grouped by groupByPerson). */
export class RowBuffer implements ProjectedRows {
  count = 0;
  person = new Int32Array(1 << 16);
  at = new Float64Array(1 << 16);
  value = new Int32Array(1 << 16);

  push(person: number, at: number, value: number): void {
    if (this.count === this.person.length) {
      this.person = grow(this.person);
      this.at = grow(this.at);
      this.value = grow(this.value);
    }
    const i = this.count++;
    this.person[i] = person;
    this.at[i] = at;
    this.value[i] = value;
  }
}
