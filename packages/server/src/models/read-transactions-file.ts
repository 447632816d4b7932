import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { TailorError, type Transaction } from '@tailor/core';
import { parseDay } from './parse-day.js';

/** A row and the line it ends on. */
interface Row {
  record: Record<string, string>;
  line: number;
}

/** The columns of a transactions file `tailor clv` reads. */
export interface TransactionColumns {
  customer: string;
  date: string;
  amount: string;
}

/**
 * Reads a CSV of transactions (a header row, one purchase per row): the customer id exactly as
 * written, the date (YYYY-MM-DD or YYYYMMDD) and the amount (a number). A missing column, an
 * empty id or a cell that does not parse is an error naming the line and the column.
 */
export function readTransactionsFile(file: string, columns: TransactionColumns): Transaction[] {
  if (!existsSync(file)) throw new TailorError('invalid_request', `file not found: ${file}`);
  let header: string[] = [];
  let rows: Row[];
  try {
    rows = parse<Row, Record<string, string>>(readFileSync(file), {
      columns: (names: string[]) => (header = names),
      bom: true,
      skip_empty_lines: true,
      on_record: (record, context) => ({ record, line: context.lines }),
    });
  } catch (error) {
    throw new TailorError(
      'invalid_request',
      `${file} is not readable CSV: ${(error as Error).message}`,
    );
  }
  for (const column of [columns.customer, columns.date, columns.amount])
    if (!header.includes(column))
      throw new TailorError(
        'invalid_request',
        `${file} has no column ${column} (columns: ${header.join(', ')})`,
      );
  return rows.map(({ record, line }) => {
    const where = (column: string) => `${file} line ${line}, column ${column}`;
    const customer = record[columns.customer] ?? '';
    if (customer === '')
      throw new TailorError('invalid_request', `${where(columns.customer)}: empty`);
    const dateText = (record[columns.date] ?? '').trim();
    const day = parseDay(dateText);
    if (day === undefined)
      throw new TailorError(
        'invalid_request',
        `${where(columns.date)}: not a date (YYYY-MM-DD or YYYYMMDD): '${dateText}'`,
      );
    const amountText = (record[columns.amount] ?? '').trim();
    const amount = amountText === '' ? NaN : Number(amountText);
    if (!Number.isFinite(amount))
      throw new TailorError(
        'invalid_request',
        `${where(columns.amount)}: not a number: '${amountText}'`,
      );
    return { customer, day, amount };
  });
}
