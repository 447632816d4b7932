import { InvalidArgumentError } from 'commander';
import { parse } from 'csv-parse/sync';

/**
 * A flag's comma-separated column names, read as one CSV row so that a name holding a comma can
 * be quoted (`--features 'spend,"visits, web"'`); names are trimmed, none empty, none twice.
 */
export function parseColumnList(value: string): string[] {
  let names: string[];
  try {
    const rows: string[][] = parse(value, { trim: true, relax_column_count: true });
    names = rows.flat();
  } catch (error) {
    throw new InvalidArgumentError(`not a list of columns: ${(error as Error).message}`);
  }
  if (names.length === 0 || names.some((name) => name === ''))
    throw new InvalidArgumentError('an empty column name');
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('a column named twice');
  return names;
}
