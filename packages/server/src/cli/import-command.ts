import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { TailorError } from '@tailor/core';
import { parseCsvMapping, type CsvMapping } from '../import/csv-mapping.js';
import { importFile } from '../import/import-file.js';
import { openTailor } from '../open-tailor.js';
import { readConfig } from './read-config.js';

interface ImportFlags {
  data?: string;
  config?: string;
  format?: string;
  mapping?: string;
  rejects?: string;
}

export async function importCommand(file: string, flags: ImportFlags): Promise<void> {
  if (flags.format !== undefined && flags.format !== 'jsonl' && flags.format !== 'csv') {
    throw new TailorError('invalid_request', `--format must be jsonl or csv, not ${flags.format}`);
  }
  if (!isFile(file)) throw new TailorError('invalid_request', `file not found: ${file}`);
  const mapping = flags.mapping === undefined ? undefined : readMapping(flags.mapping);
  const known = ['.jsonl', '.ndjson', '.json', '.csv'];
  if (flags.format === undefined && !known.includes(extname(file).toLowerCase())) {
    console.error(
      `${file}: reading it as JSONL (one Segment message per line); --format csv reads it as CSV`,
    );
  }
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  const rejectsFile = flags.rejects ?? `${file}.rejects.jsonl`;
  const bar = new SingleBar(
    {
      format:
        'importing {bar} {percentage}% | {lines} lines | {stored} stored, {duplicates} already there, {rejected} rejected',
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  try {
    bar.start(1, 0, { lines: 0, stored: 0, duplicates: 0, rejected: 0 });
    const result = await importFile(tailor.collector, {
      file,
      rejectsFile,
      ...(flags.format !== undefined && { format: flags.format }),
      ...(mapping !== undefined && { mapping }),
      pii: tailor.pii(),
      onProgress: (p) => {
        bar.setTotal(Math.max(1, p.totalBytes));
        bar.update(p.bytesRead, {
          lines: p.lines,
          stored: p.stored,
          duplicates: p.duplicates,
          rejected: p.rejected,
        });
      },
    });
    bar.update(Math.max(1, result.totalBytes));
    bar.stop();
    console.log(
      `${result.lines} lines: ${result.stored} stored, ${result.duplicates} already stored, ${result.rejected} rejected` +
        (result.rejected > 0 ? ` (see ${rejectsFile})` : ''),
    );
    if (result.rejected > 0) {
      // Not a failure of the command (what was valid is stored), but not a success to script on: exit 2.
      console.error(
        `${result.rejected} of ${result.lines} lines rejected: their line numbers and reasons are in ${rejectsFile}`,
      );
      process.exitCode = 2;
    }
  } finally {
    bar.stop();
    await tailor.close();
  }
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

/** The --mapping file: JSON in the shape docs/import.md describes. */
function readMapping(path: string): CsvMapping {
  if (!isFile(path)) throw new TailorError('invalid_request', `mapping file not found: ${path}`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new TailorError(
      'invalid_request',
      `mapping file ${path} is not JSON: ${(cause as Error).message}`,
    );
  }
  return parseCsvMapping(value);
}
