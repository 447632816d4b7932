import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/config.schema.js';
import { openTailor } from '../open-tailor.js';
import type { FromWorker, ToWorker } from './background-thread.js';

/**
 * The worker thread's entry point: opens the data folder the request thread serves (its own
 * connections) and runs the background work inline there, woken by the request thread's messages.
 */
const port = parentPort;
if (port === null) throw new Error('background-worker.js runs as a worker thread');
const { config } = workerData as { config: Config };

const tailor = await openTailor(config, Date.now, {
  onPipelineBatch: (events, lagSeconds) => {
    port.postMessage({ type: 'batch', events, lagSeconds } satisfies FromWorker);
  },
});
let stopping = false;
port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'wake':
      tailor.background.wake();
      break;
    case 'definitions':
      void tailor.definitions.reload().then(() => {
        tailor.background.definitionsChanged();
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
