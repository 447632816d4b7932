import type { DuckDBConnection } from '@duckdb/node-api';
import type { PersonColumns } from '@tailor/core';
import type { TouchFields } from '../touch-key.js';
import { RowBuffer } from './duckdb-columns.js';
import { groupByPerson } from './group-by-person.js';

/**
 * Each person's touchpoints and conversions, in time order (log order between equal times):
 * `value` > 0 a touchpoint keyed `value` (what keyOf gave its combination), < 0 conversion number
 * `-value - 1`, whose `revenue` is `revenue[-value - 1]` (NaN: none).
 */
export interface TouchColumns extends PersonColumns {
  value: Int32Array;
  revenue: Float64Array;
}

/**
 * Attribution's rows out of the projection: the events whose touch combination keyOf keys (> 0;
 * 0: no touchpoint for this request) and the track events named as the conversion (name id
 * `conversion`; a page is never one), each counted for `owner[person]` (-1: left out), grouped
 * by person in Node as funnels read DuckDB (groupByPerson).
 */
export async function readTouchColumns(
  db: DuckDBConnection,
  options: {
    combos: readonly (TouchFields | undefined)[];
    keyOf: (fields: TouchFields) => number;
    conversion: number | undefined;
    owner: Int32Array;
    people: number;
  },
): Promise<TouchColumns> {
  const { combos, conversion, owner } = options;
  // Each combination's key, worked out once; a page's combination is never a conversion.
  const keyed = new Int32Array(combos.length);
  const page = new Uint8Array(combos.length);
  const wanted: number[] = [];
  combos.forEach((fields, id) => {
    if (fields === undefined) return;
    page[id] = fields.kind === 'page' ? 1 : 0;
    keyed[id] = options.keyOf(fields);
    if (keyed[id] > 0) wanted.push(id);
  });
  const where: string[] = [];
  if (wanted.length > 0)
    where.push(wanted.length > 5000 ? 'touch IS NOT NULL' : `touch IN (${wanted.join(',')})`);
  if (conversion !== undefined) where.push(`name_id = ${conversion}`);
  const rows = new RowBuffer();
  const revenue: number[] = [];
  if (where.length > 0) {
    // Materialized, then read a chunk at a time (as readDuckDBColumns does).
    const result = await db.run(
      `SELECT person, at_ms, name_id, touch, revenue FROM events WHERE ${where.join(' OR ')}`,
    );
    for (let c = 0; c < result.chunkCount; c++) {
      const chunk = result.getChunk(c);
      const person = chunk.getColumnVector(0);
      const at = chunk.getColumnVector(1);
      const name = chunk.getColumnVector(2);
      const touch = chunk.getColumnVector(3);
      const value = chunk.getColumnVector(4);
      const count = chunk.rowCount; // a getter into the native chunk: read once
      for (let i = 0; i < count; i++) {
        const combo = touch.getItem(i) as number | null;
        let code: number;
        if (name.getItem(i) === conversion && (combo === null || page[combo] !== 1)) {
          revenue.push((value.getItem(i) as number | null) ?? Number.NaN);
          code = -revenue.length;
        } else code = combo === null ? 0 : (keyed[combo] ?? 0);
        if (code !== 0)
          rows.push(owner[person.getItem(i) as number] ?? -1, at.getItem(i) as number, code);
      }
    }
  }
  const grouped = groupByPerson(rows, options.people, () => true);
  return { ...grouped, revenue: Float64Array.from(revenue) };
}
