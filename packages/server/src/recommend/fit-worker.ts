import { parentPort, workerData } from 'node:worker_threads';
import type { FittedParameters } from '@tailor/core';
import { fitInteractions, type FitRequest } from './fit-recommender.js';

/**
 * Builds the matrix and fits a recommender's parameters off the request thread (`workerFitter`):
 * the costly part of training (EASE inverts an items × items matrix: ~30 s for 3,500 items). The
 * typed arrays are transferred back, not copied.
 */
const fitted = fitInteractions(workerData as FitRequest);
const arrays: { buffer: ArrayBufferLike }[] = [];

/** The typed arrays of fitted parameters (a blend's parts' included), to transfer. */
function collect(parameters: FittedParameters): void {
  switch (parameters.method) {
    case 'popularity':
      return;
    case 'ease':
      arrays.push(parameters.weights.catalogue, parameters.weights.weights);
      return;
    case 'content':
      arrays.push(parameters.content.vectors, parameters.content.known);
      return;
    case 'item-knn':
    case 'bought-together': {
      const { start, neighbours, similarities } = parameters.neighbours;
      arrays.push(start, neighbours, similarities);
      return;
    }
    case 'blend':
      for (const part of parameters.parts) collect(part.parameters);
  }
}

if (fitted.ok) {
  const { matrix, parameters } = fitted.value;
  arrays.push(matrix.userStart, matrix.items, matrix.lastTime);
  collect(parameters);
}
// Made here, so plain ArrayBuffers (never shared).
parentPort?.postMessage(
  fitted,
  arrays.map((a) => a.buffer as ArrayBuffer),
);
