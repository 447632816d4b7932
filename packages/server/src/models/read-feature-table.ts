import { TailorError, type FeatureMatrix } from '@tailor/core';
import { readCsvTable } from './read-csv-table.js';

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
  const { records } = readCsvTable(file, [id, ...features]);
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
