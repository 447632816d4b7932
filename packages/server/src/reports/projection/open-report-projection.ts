import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { logError } from '../../privacy/log-error.js';
import type { ProjectionDeps, ReportProjection } from './report-projection.js';

/** The projection's file in the data folder. */
export const PROJECTION_FILE = 'reports.duckdb';

/** How often a serving process brings the projection up to the folded log, in ms. */
const FOLLOW_MS = 5000;

/**
 * Opens the data folder's projection and keeps it current: the pipeline hands it the rows it
 * folds (`ReportProjection.receive`); every 5 s it reads from the log what has not come that way
 * (what was folded while it was closed, around an erasure), and before each report whatever is
 * left. Undefined when it cannot be opened, another process holding it (`tailor report` while
 * `tailor serve` runs on the folder, which is not logged): reports then read the log, as on
 * several nodes.
 */
export async function openReportProjection(
  dataDir: string,
  deps: ProjectionDeps,
): Promise<{ projection: ReportProjection; close: () => Promise<void> } | undefined> {
  let projection: ReportProjection;
  try {
    const file = join(dataDir, PROJECTION_FILE);
    // Loaded here, not with this module, so `serve`'s worker thread (which opens no projection)
    // never loads DuckDB's native addon.
    const { ReportProjection } = await import('./report-projection.js');
    projection = await ReportProjection.open(file, deps);
    // DuckDB makes its files with the process's umask (an empty file made first is refused as
    // not a database): made the owner's alone as soon as they exist, inside the 0700 folder.
    for (const made of [file, `${file}.wal`]) if (existsSync(made)) chmodSync(made, 0o600);
  } catch (error) {
    // Another process holding the file (a command run while `serve` runs on the folder) is the
    // expected case and says nothing; any other failure is logged.
    if (!/Could not set lock/.test(String(error)))
      logError('the reports projection could not be opened: reports read the log', error);
    return undefined;
  }
  const timer = setInterval(() => {
    projection.follow().catch((error: unknown) => {
      logError('bringing the reports projection up to date failed; retrying', error);
    });
  }, FOLLOW_MS);
  timer.unref();
  return {
    projection,
    close: async () => {
      clearInterval(timer);
      await projection.close();
    },
  };
}
