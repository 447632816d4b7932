import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { CatalogItemInput } from '@tailor/core';
import { catalogColumns, catalogItemFromRow, type CatalogColumns } from './catalog-row.js';

/** A row that was not stored: its line in the file (the line it ends on) and why. */
export interface RejectedRow {
  line: number;
  reason: string;
}

export interface CatalogImportProgress {
  /** Data rows read (the header not counted). */
  rows: number;
  stored: number;
  rejected: number;
}

export interface CatalogImportOptions {
  /** Stores one batch of items, no id twice in it (the catalog service's `put`). */
  put: (items: CatalogItemInput[]) => Promise<unknown>;
  /** Told of each rejected row as it is found. */
  onRejected?: (row: RejectedRow) => void;
  /** Told after each batch is stored. */
  onProgress?: (progress: CatalogImportProgress) => void;
  /** Items stored per batch (one transaction each; default 1,000). */
  batchSize?: number;
}

/**
 * Reads a catalogue CSV (a header row, then one item per row: docs/recommendations.md,
 * "Catalog") from a stream and stores its items a batch at a time, so a file of any size is
 * never held whole. A row that cannot be an item, or that the CSV reader cannot read (a field
 * count unlike the header's, a quote left open), is rejected with its line number and reason and
 * costs no other row. An id given again later in the file replaces the earlier row, as a later
 * feed would. A header that names no id rejects the whole file (nothing stored).
 */
export async function importCatalogCsv(
  input: Readable,
  options: CatalogImportOptions,
): Promise<CatalogImportProgress> {
  const progress: CatalogImportProgress = { rows: 0, stored: 0, rejected: 0 };
  const reject = (row: RejectedRow): void => {
    progress.rejected++;
    options.onRejected?.(row);
  };
  let header: CatalogColumns | undefined;
  let headerError: string | undefined;
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    columns: (names: string[]) => {
      const columns = catalogColumns(names);
      if (columns.ok) header = columns.value;
      else headerError = columns.error;
      return names;
    },
  });
  // The reader reports unreadable records as it parses, ahead of the records it hands on: they
  // wait here to be reported in line order among the others.
  const unread: RejectedRow[] = [];
  parser.on('skip', (error: CsvError) => {
    unread.push({ line: Number(error.lines), reason: unreadable(error) });
  });
  const rejectUnreadBefore = (line: number): void => {
    while (unread.length > 0 && (unread[0]?.line ?? 0) < line) {
      progress.rows++;
      reject(unread.shift() as RejectedRow);
    }
  };
  input.on('error', (error) => parser.destroy(error));
  const batchSize = options.batchSize ?? 1000;
  let batch = new Map<string, CatalogItemInput>();
  const flush = async (): Promise<void> => {
    if (batch.size === 0) return;
    const items = [...batch.values()];
    batch = new Map();
    await options.put(items);
    progress.stored += items.length;
    options.onProgress?.(progress);
  };
  for await (const { record, info } of input.pipe(parser) as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    if (header === undefined) throw new CatalogHeaderError(headerError ?? 'no header row');
    rejectUnreadBefore(info.lines);
    progress.rows++;
    const item = catalogItemFromRow(record, header);
    if (!item.ok) {
      reject({ line: info.lines, reason: item.error });
      continue;
    }
    // A later row of the same id replaces the earlier one (the batch stores each id once).
    batch.delete(item.value.id);
    batch.set(item.value.id, item.value);
    if (batch.size >= batchSize) await flush();
  }
  if (header === undefined && headerError !== undefined) throw new CatalogHeaderError(headerError);
  rejectUnreadBefore(Infinity);
  await flush();
  options.onProgress?.(progress);
  return progress;
}

/** The file's header cannot be read as a catalogue: nothing of it is stored. */
export class CatalogHeaderError extends Error {
  constructor(reason: string) {
    super(`header: ${reason}`);
    this.name = 'CatalogHeaderError';
  }
}

/** The CSV reader's reason, without the record's text (csv-parse quotes it in some messages). */
function unreadable(error: CsvError): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return 'not as many fields as the header has columns';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a quote inside a field is not doubled';
    default:
      return `not readable as CSV (${error.code})`;
  }
}
