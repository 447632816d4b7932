import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  fchmodSync,
  openSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { DEFAULT_PII_POLICY, type PiiPolicy } from '@tailor/core';
import type { Collector } from '../collect/collector.js';
import { mappingFromHeader, mapRow, type CsvMapping } from './csv-mapping.js';
import { maskRejectedMessage } from './mask-rejected-message.js';

export interface ImportOptions {
  file: string;
  format?: 'jsonl' | 'csv';
  /** CSV only; without one, each header names a message path. */
  mapping?: CsvMapping;
  rejectsFile: string;
  /** What is personal in the rejects file's messages (the installation's tracking-plan marks); the defaults otherwise. */
  pii?: PiiPolicy;
  chunkSize?: number;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  lines: number;
  stored: number;
  duplicates: number;
  rejected: number;
}

interface Line {
  number: number;
  text: string;
  message?: unknown;
  error?: string;
}

/**
 * Imports a JSONL file of Segment messages or a CSV file through the collection path (same
 * validation and normalization). Rejected lines go to the rejects file (created 0600, removed when
 * nothing was rejected) with their line number, reason and, when the line was read into a message,
 * that message with its personal values masked: the input holds them already, a second copy of
 * them does not leak. A message without a messageId gets one derived from the file name, line number and
 * line text, so importing the same file again stores nothing twice.
 */
export async function importFile(
  collector: Collector,
  options: ImportOptions,
): Promise<ImportProgress> {
  const format =
    options.format ?? (extname(options.file).toLowerCase() === '.csv' ? 'csv' : 'jsonl');
  const progress: ImportProgress = {
    bytesRead: 0,
    totalBytes: statSync(options.file).size,
    lines: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
  };
  const input = createReadStream(options.file);
  input.on('data', (chunk) => {
    progress.bytesRead += chunk.length;
  });
  const rejects = openRejects(options.rejectsFile);
  const pii = options.pii ?? DEFAULT_PII_POLICY;
  const source = `import:${basename(options.file)}`;
  const chunkSize = options.chunkSize ?? 500;
  let chunk: Line[] = [];

  const flush = async (): Promise<void> => {
    const lines = chunk;
    chunk = [];
    const valid = lines.filter((l) => l.error === undefined);
    const outcome = await collector.collect({
      messages: valid.map((l) => l.message),
      source,
      messageIdFor: (i) => derivedMessageId(source, valid[i] as Line),
      // JSON.parse reads 1e309 as Infinity, which would be stored as null: such a line is refused.
      checkNumbers: true,
    });
    progress.stored += outcome.stored;
    progress.duplicates += outcome.duplicates;
    const reasons = new Map<Line, string>();
    for (const l of lines) if (l.error !== undefined) reasons.set(l, l.error);
    for (const r of outcome.rejected) reasons.set(valid[r.index] as Line, r.reason);
    for (const l of lines) {
      const reason = reasons.get(l);
      if (reason !== undefined) rejects.write(`${JSON.stringify(rejectRecord(l, reason, pii))}\n`);
    }
    progress.rejected += reasons.size;
    options.onProgress?.(progress);
  };

  const lines = format === 'csv' ? readCsv(input, options.mapping) : readJsonl(input);
  for await (const line of lines) {
    progress.lines++;
    chunk.push(line);
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) =>
    rejects.end((e?: Error | null) => {
      if (e) reject(e);
      else resolve();
    }),
  );
  if (progress.rejected === 0) rmSync(options.rejectsFile, { force: true });
  return progress;
}

/** The rejects file, truncated, readable by its owner alone (also when it was there before, wider). */
function openRejects(
  file: string,
): NodeJS.WritableStream & { end: (cb: (e?: Error | null) => void) => void } {
  const fd = openSync(file, 'w', 0o600);
  fchmodSync(fd, 0o600);
  return createWriteStream('', { fd });
}

function rejectRecord(line: Line, reason: string, pii: PiiPolicy): Record<string, unknown> {
  const message = line.message;
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    return { line: line.number, reason };
  return {
    line: line.number,
    reason,
    message: maskRejectedMessage(message as Record<string, unknown>, pii),
  };
}

function derivedMessageId(source: string, line: Line): string {
  return `imp-${createHash('sha256').update(`${source}\n${line.number}\n${line.text}`).digest('base64url').slice(0, 32)}`;
}

async function* readJsonl(input: NodeJS.ReadableStream): AsyncGenerator<Line> {
  let number = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    number++;
    if (text.trim() === '') continue;
    try {
      yield { number, text, message: JSON.parse(text) as unknown };
    } catch (cause) {
      yield { number, text, error: `not JSON: ${withoutExcerpt((cause as Error).message)}` };
    }
  }
}

/** JSON.parse's message may quote the line (`Unexpected token 'a', "ann@exampl"... is not valid JSON`): not in the rejects file. */
function withoutExcerpt(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"(?:\.\.\.)?/g, '…');
}

async function* readCsv(
  input: NodeJS.ReadableStream,
  given: CsvMapping | undefined,
): AsyncGenerator<Line> {
  const parser = input.pipe(
    parse({
      columns: true,
      info: true,
      raw: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }),
  );
  let mapping = given;
  for await (const record of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
    raw: string;
  }>) {
    mapping ??= mappingFromHeader(Object.keys(record.record));
    const mapped = mapRow(record.record, mapping);
    const text = record.raw.replace(/\r?\n$/, '');
    yield mapped.ok
      ? { number: record.info.lines, text, message: mapped.value }
      : { number: record.info.lines, text, error: mapped.error };
  }
}
