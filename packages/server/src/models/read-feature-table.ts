import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { TailorError, type FeatureMatrix } from '@tailor/core';

/** A table of numeric features read from CSV: the ids as written and the numbers, row-major. */
export interface FeatureTable {
  ids: string[];
  matrix: FeatureMatrix;
}

/**
 * Reads a CSV file with a header row: the id column exactly as written (`0001` stays `0001`) and
 * the feature columns as numbers. A missing column, an empty id, or a feature cell that is empty
 * or not a finite number is an error naming the line and the column.
 */
export function readFeatureTable(file: string, id: string, features: string[]): FeatureTable {
  if (!existsSync(file)) throw new TailorError('invalid_request', `file not found: ${file}`);
  let header: string[] = [];
  let records: { record: Record<string, string>; line: number }[];
  try {
    records = parse<{ record: Record<string, string>; line: number }, Record<string, string>>(
      readFileSync(file),
      {
        columns: (names: string[]) => (header = names),
        bom: true,
        skip_empty_lines: true,
        on_record: (record, context) => ({ record, line: context.lines }),
      },
    );
  } catch (error) {
    throw new TailorError(
      'invalid_request',
      `${file} is not readable CSV: ${(error as Error).message}`,
    );
  }
  for (const column of [id, ...features])
    if (!header.includes(column))
      throw new TailorError(
        'invalid_request',
        `${file} has no column ${column} (columns: ${header.join(', ')})`,
      );
  const columns = features.length;
  const values = new Float64Array(records.length * columns);
  const ids = records.map(({ record, line }, row) => {
    const value = record[id] ?? '';
    if (value === '')
      throw new TailorError('invalid_request', `${file} line ${line}, column ${id}: empty`);
    features.forEach((feature, j) => {
      const text = (record[feature] ?? '').trim();
      const number = text === '' ? NaN : Number(text);
      if (!Number.isFinite(number))
        throw new TailorError(
          'invalid_request',
          `${file} line ${line}, column ${feature}: not a number: '${text}'`,
        );
      values[row * columns + j] = number;
    });
    return value;
  });
  return { ids, matrix: { values, rows: records.length, columns } };
}
