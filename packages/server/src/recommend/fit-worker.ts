import { parentPort, workerData } from 'node:worker_threads';
import { fitParameters } from '@tailor/core';
import type { FitRequest } from './fit-recommender.js';

/**
 * Fits a recommender's parameters off the request thread (`workerFitter`): the costly part of
 * training (EASE inverts an items × items matrix: ~30 s for 3,500 items). The typed arrays are
 * transferred back, not copied.
 */
const { matrix, method, options } = workerData as FitRequest;
const fitted = fitParameters(matrix, method, options);
const arrays: { buffer: ArrayBufferLike }[] = [];
if (fitted.ok && fitted.value.method === 'ease')
  arrays.push(fitted.value.weights.catalogue, fitted.value.weights.weights);
if (fitted.ok && fitted.value.method === 'item-knn') {
  const { start, neighbours, similarities } = fitted.value.neighbours;
  arrays.push(start, neighbours, similarities);
}
// Made here, so plain ArrayBuffers (never shared).
parentPort?.postMessage(
  fitted,
  arrays.map((a) => a.buffer as ArrayBuffer),
);
