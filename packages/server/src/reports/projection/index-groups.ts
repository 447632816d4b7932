import type { DuckDBConnection } from '@duckdb/node-api';

/** Event name ids: two bytes each while there are fewer than 65,536 names. */
export type NameColumn = Uint16Array | Int32Array;

/**
 * Events grouped by person: group g is person `keys[g]` (increasing), rows `offsets[g]` to
 * `offsets[g + 1] - 1`, in time order and log order between equal times, as readPeople has them.
 */
export interface IndexGroups {
  keys: Int32Array;
  offsets: Int32Array;
  at: Float64Array;
  name: NameColumn;
}

/** A name column of `length` rows able to hold ids up to `maxId`. */
export function nameColumn(length: number, maxId: number): NameColumn {
  return maxId <= 0xffff ? new Uint16Array(length) : new Int32Array(length);
}

/**
 * Reads the projection's events grouped by the person they count for (`roots[p]`: the person p
 * was merged into, through every merge; -1 for an erased person, whose rows are left out), in time
 * order, then log order, within each: DuckDB sorts, so the rows cross in one materialized result.
 * `persons`: only these people's rows (the members of groups a merge changed); all by default.
 */
export async function readIndexGroups(
  db: DuckDBConnection,
  roots: Int32Array,
  maxNameId: number,
  persons?: readonly number[],
): Promise<IndexGroups> {
  await db.run(
    'CREATE OR REPLACE TEMP TABLE index_roots (person INTEGER NOT NULL, root INTEGER NOT NULL)',
  );
  const appender = await db.createAppender('index_roots', 'main', 'temp');
  const add = (p: number): void => {
    const root = roots[p] as number;
    if (root < 0) return;
    appender.appendInteger(p);
    appender.appendInteger(root);
    appender.endRow();
  };
  if (persons === undefined) for (let p = 0; p < roots.length; p++) add(p);
  else for (const p of persons) add(p);
  appender.closeSync();
  const result = await db.run(
    `SELECT r.root, e.at_ms, e.name_id FROM events e JOIN index_roots r ON r.person = e.person
     ORDER BY r.root, e.at_ms, e.position`,
  );
  const rows = result.rowCount;
  const at = new Float64Array(rows);
  const name = nameColumn(rows, maxNameId);
  const keys: number[] = [];
  const offsets: number[] = [];
  let row = 0;
  let last = -1;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const who = chunk.getColumnVector(0);
    const time = chunk.getColumnVector(1);
    const id = chunk.getColumnVector(2);
    // rowCount is a getter into the native chunk: read once, not per row.
    const count = chunk.rowCount;
    for (let i = 0; i < count; i++, row++) {
      const key = who.getItem(i) as number;
      if (key !== last) {
        keys.push(key);
        offsets.push(row);
        last = key;
      }
      at[row] = time.getItem(i) as number;
      name[row] = id.getItem(i) as number;
    }
  }
  offsets.push(row);
  await db.run('DROP TABLE temp.index_roots');
  return { keys: Int32Array.from(keys), offsets: Int32Array.from(offsets), at, name };
}
