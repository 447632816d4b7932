import { existsSync, readFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { TailorError } from '@tailor/core';
import { parseCsvMapping } from '../import/csv-mapping.js';
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
  if (!existsSync(file)) throw new TailorError('invalid_request', `file not found: ${file}`);
  const mapping = flags.mapping === undefined ? undefined : parseCsvMapping(JSON.parse(readFileSync(flags.mapping, 'utf8')));
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  const rejectsFile = flags.rejects ?? `${file}.rejects.jsonl`;
  const bar = new SingleBar(
    { format: 'importing {bar} {percentage}% | {lines} lines | {stored} stored, {duplicates} already there, {rejected} rejected', hideCursor: true },
    Presets.shades_classic,
  );
  try {
    bar.start(1, 0, { lines: 0, stored: 0, duplicates: 0, rejected: 0 });
    const result = await importFile(tailor.collector, {
      file,
      rejectsFile,
      ...(flags.format !== undefined && { format: flags.format }),
      ...(mapping !== undefined && { mapping }),
      onProgress: (p) => {
        bar.setTotal(Math.max(1, p.totalBytes));
        bar.update(p.bytesRead, { lines: p.lines, stored: p.stored, duplicates: p.duplicates, rejected: p.rejected });
      },
    });
    bar.update(Math.max(1, result.totalBytes));
    bar.stop();
    console.log(
      `${result.lines} lines: ${result.stored} stored, ${result.duplicates} already stored, ${result.rejected} rejected` +
        (result.rejected > 0 ? ` (see ${rejectsFile})` : ''),
    );
  } finally {
    bar.stop();
    await tailor.close();
  }
}
