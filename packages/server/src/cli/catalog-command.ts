import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { TailorError } from '@tailor/core';
import { CatalogHeaderError, importCatalogCsv } from '../catalog/import-catalog-csv.js';
import { openTailor } from '../open-tailor.js';
import { readConfig } from './read-config.js';
import { serverUsing } from './serve-lock.js';

interface CatalogImportFlags {
  data?: string;
  config?: string;
  rejects?: string;
}

/**
 * `tailor catalog import FILE.csv`: the catalogue from a CSV feed (docs/recommendations.md,
 * "Catalog"), streamed a thousand rows a transaction with a progress bar. Rejected rows go to the
 * rejects file (`{"line", "reason"}` a line; removed when none was rejected) and cost no other
 * row; the command then exits 2. Refused while a server runs on the data folder: its recommenders
 * would not see the new items until their next training, so the file goes to the server instead
 * (`PUT /v1/catalog/items` with `Content-Type: text/csv`).
 */
export async function catalogImportCommand(file: string, flags: CatalogImportFlags): Promise<void> {
  const size = statSync(file, { throwIfNoEntry: false });
  if (size?.isFile() !== true) throw new TailorError('invalid_request', `file not found: ${file}`);
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const server = config.storage.postgres === undefined ? serverUsing(config.dataDir) : undefined;
  if (server !== undefined)
    throw new TailorError(
      'conflict',
      `${config.dataDir} is served by process ${server}: send the file to it instead, so its ` +
        `recommenders see the items at once: curl -X PUT -H 'content-type: text/csv' ` +
        `-H 'authorization: Bearer KEY' --data-binary @${file} http://HOST:PORT/v1/catalog/items`,
    );
  const tailor = await openTailor(config);
  const rejectsFile = flags.rejects ?? `${file}.rejects.jsonl`;
  const rejects = createWriteStream(rejectsFile, { mode: 0o600 });
  const bar = new SingleBar(
    {
      format: 'catalogue {bar} {percentage}% | {rows} rows | {stored} stored, {rejected} rejected',
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const input = createReadStream(file);
  let bytes = 0;
  input.on('data', (chunk) => {
    bytes += chunk.length;
  });
  try {
    bar.start(Math.max(1, size.size), 0, { rows: 0, stored: 0, rejected: 0 });
    const result = await importCatalogCsv(input, {
      put: (items) => tailor.catalog.put(items),
      onRejected: (row) => rejects.write(`${JSON.stringify(row)}\n`),
      onProgress: (p) => {
        bar.update(bytes, p);
      },
    }).catch((error: unknown) => {
      if (error instanceof CatalogHeaderError)
        throw new TailorError('invalid_request', `${file}: ${error.message}`);
      throw error;
    });
    bar.update(Math.max(1, size.size));
    bar.stop();
    await new Promise<void>((resolve, reject) => {
      rejects.end((error?: Error | null) => {
        if (error) reject(error);
        else resolve();
      });
    });
    if (result.rejected === 0) rmSync(rejectsFile, { force: true });
    console.log(
      `${result.rows} rows: ${result.stored} items stored, ${result.rejected} rejected` +
        (result.rejected > 0 ? ` (see ${rejectsFile})` : ''),
    );
    if (result.rejected > 0) process.exitCode = 2;
  } finally {
    bar.stop();
    rejects.end();
    await tailor.close();
  }
}
