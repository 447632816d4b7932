import { parentPort, workerData } from 'node:worker_threads';
import type { StoredMessage } from '@tailor/core';
import type { Config } from '../config/config.schema.js';
import { openTailor } from '../open-tailor.js';
import { logError } from '../privacy/log-error.js';
import { BACKGROUND_NICENESS, lowerThreadPriority } from './lower-thread-priority.js';
import type { FromWorker, ToWorker } from './background-thread.js';

/**
 * The worker thread's entry point: opens the data folder the request thread serves (its own
 * connections) and runs the background work inline there, woken by the request thread's messages.
 */
const port = parentPort;
if (port === null) throw new Error('background-worker.js runs as a worker thread');
const { config } = workerData as { config: Config };
// The pipeline and webhooks yield the cores to the request thread when they are all busy.
lowerThreadPriority(BACKGROUND_NICENESS);

// Appends go to the request thread, the log's one writer; each waits for its commit.
const appends = new Map<
  number,
  { resolve: (stored: boolean[]) => void; reject: (error: Error) => void }
>();
let nextAppend = 0;
const appendViaRequestThread = (messages: readonly StoredMessage[]): Promise<boolean[]> =>
  new Promise((resolve, reject) => {
    const id = nextAppend++;
    appends.set(id, { resolve, reject });
    port.postMessage({ type: 'append', id, messages: [...messages] } satisfies FromWorker);
  });

const tailor = await openTailor(config, Date.now, {
  onPipelineBatch: (events, lagSeconds) => {
    port.postMessage({ type: 'batch', events, lagSeconds } satisfies FromWorker);
  },
  append: appendViaRequestThread,
  externalCheckpoints: true,
  worker: true,
  onProfilesChanged: (profiles, identifiers) => {
    port.postMessage({ type: 'changed', profiles, identifiers } satisfies FromWorker);
  },
  onSuppressed: () => {
    port.postMessage({ type: 'suppressed' } satisfies FromWorker);
  },
  onProjected: (rows) => {
    port.postMessage({ type: 'projected', rows } satisfies FromWorker);
  },
});
let stopping = false;
/**
 * Reads what the request thread says changed; while the database is down, again every second
 * until it is read (an erasure's suppressions must reach this thread's pipeline).
 */
const readAgain = (what: string, read: () => Promise<void>): void => {
  read().catch((error: unknown) => {
    logError(`reading the changed ${what} failed; retrying`, error);
    if (!stopping)
      setTimeout(() => {
        readAgain(what, read);
      }, 1000).unref();
  });
};
port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'appended':
      appends.get(message.id)?.resolve(message.stored);
      appends.delete(message.id);
      break;
    case 'append-failed':
      appends.get(message.id)?.reject(new Error(message.error));
      appends.delete(message.id);
      break;
    case 'wake':
      tailor.background.wake();
      break;
    case 'definitions':
      readAgain('definitions', async () => {
        // Placements first: their caps are among the aggregates the definitions compile. Tracking
        // plans too: the dispatcher masks the fields they mark as personal.
        await tailor.placements.reload();
        await tailor.definitions.reload();
        await tailor.clusterModels.reload();
        await tailor.plans.reload();
        tailor.background.definitionsChanged();
      });
      break;
    case 'suppressions':
      readAgain('suppressions', async () => {
        await tailor.suppressions.reload();
        tailor.background.wake();
      });
      break;
    case 'stop':
      if (stopping) return;
      stopping = true;
      // Finish the unit of work in progress, close the connections, then let the thread end.
      void tailor.close().then(() => {
        port.close();
      });
      break;
  }
});
tailor.background.start();
// The request thread prints `listening on` (and /health answers ready) only after this.
port.postMessage({ type: 'ready' } satisfies FromWorker);
