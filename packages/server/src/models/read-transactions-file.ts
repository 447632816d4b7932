import { TailorError, type Transaction } from '@tailor/core';
import { parseDay } from './parse-day.js';
import { readCsvTable } from './read-csv-table.js';

/** The columns of a transactions file `tailor clv` reads. */
export interface TransactionColumns {
  customer: string;
  date: string;
  amount: string;
}

/**
 * Reads a CSV of transactions (a header row, one purchase per row): the customer id exactly as
 * written, the date (ISO 8601: 2024-03-01, 20240301) and the amount (a number). A missing column, an
 * empty id or a cell that does not parse is an error naming the line and the column.
 */
export function readTransactionsFile(file: string, columns: TransactionColumns): Transaction[] {
  const { records: rows } = readCsvTable(file, [columns.customer, columns.date, columns.amount]);
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
        `${where(columns.date)}: not an ISO 8601 date (2024-03-01 or 20240301): '${dateText}'`,
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
