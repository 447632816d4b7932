import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from '../log/sqlite/open-sqlite.js';
import { logError } from '../privacy/log-error.js';
import { BACKGROUND_NICENESS, lowerThreadPriority } from './lower-thread-priority.js';

/**
 * The checkpointer thread's entry point: copies each file's write-ahead log into the database
 * every `everyMs`, as a PASSIVE checkpoint (it never waits for, nor blocks, readers and writers).
 * Every other connection of `tailor serve` turns automatic checkpoints off, so no commit on the
 * request thread or the pipeline's thread ever pays for one.
 */
const port = parentPort;
if (port === null) throw new Error('checkpoint-worker.js runs as a worker thread');
const { files, everyMs } = workerData as { files: string[]; everyMs: number };
lowerThreadPriority(BACKGROUND_NICENESS);
const databases = files.map((file) => openSqlite(file, { autoCheckpoint: false }));

const timer = setInterval(() => {
  for (const db of databases) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      logError('checkpoint failed', error);
    }
  }
}, everyMs);

// The only message is `stop`.
port.on('message', () => {
  clearInterval(timer);
  for (const db of databases) db.close();
  port.close();
});
