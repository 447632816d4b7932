import { parentPort } from 'node:worker_threads';
import { runStartsMessage, type StartsMessage } from './kmeans-thread-pool.js';

/** A worker of KMeansThreadPool: runs its share of each fit's k-means starts as it is posted. */
parentPort?.on('message', (message: StartsMessage) => {
  runStartsMessage(message);
});
