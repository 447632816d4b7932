import { parentPort, workerData } from 'node:worker_threads';
import { fitInteractions, type FitRequest } from './fit-recommender.js';

/**
 * Builds the matrix and fits a recommender's parameters off the request thread (`workerFitter`):
 * the costly part of training (EASE inverts an items × items matrix: ~30 s for 3,500 items). The
 * typed arrays are transferred back, not copied.
 */
const fitted = fitInteractions(workerData as FitRequest);
const arrays: { buffer: ArrayBufferLike }[] = [];
if (fitted.ok) {
  const { matrix, parameters } = fitted.value;
  arrays.push(matrix.userStart, matrix.items, matrix.lastTime);
  if (parameters.method === 'ease')
    arrays.push(parameters.weights.catalogue, parameters.weights.weights);
  if (parameters.method === 'content')
    arrays.push(parameters.content.vectors, parameters.content.known);
  if (parameters.method === 'item-knn' || parameters.method === 'bought-together') {
    const { start, neighbours, similarities } = parameters.neighbours;
    arrays.push(start, neighbours, similarities);
  }
}
// Made here, so plain ArrayBuffers (never shared).
parentPort?.postMessage(
  fitted,
  arrays.map((a) => a.buffer as ArrayBuffer),
);
