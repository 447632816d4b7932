import { parentPort, workerData } from 'node:worker_threads';
import { idTableBuffers, type FittedParameters } from '@tailor/core';
import { contentParameters, fitInteractions, type FitRequest } from './fit-recommender.js';
import { shareContent } from './search-thread.js';

/**
 * Builds the matrix and fits a recommender's parameters off the request thread (`workerFitter`):
 * the costly part of training (EASE inverts an items × items matrix: ~30 s for 3,500 items). The
 * typed arrays are transferred back, not copied (the ids too: the fit made them tables of typed
 * arrays); content vectors searched through an index are put in shared memory here (a gigabyte
 * for a million items: seconds of copying, off the request thread), so the search thread reads
 * the serving thread's rows.
 */
const fitted = fitInteractions(workerData as FitRequest);
if (fitted.ok && fitted.value.indexFile !== undefined) {
  const content = contentParameters(fitted.value.parameters);
  if (content !== undefined) shareContent(content);
}
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
      // Shared ones go as they are (shared, not transferred).
      for (const array of [parameters.content.vectors, parameters.content.known])
        if (!(array.buffer instanceof SharedArrayBuffer)) arrays.push(array);
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

const buffers: ArrayBuffer[] = [];
if (fitted.ok) {
  const { matrix, parameters } = fitted.value;
  arrays.push(matrix.userStart, matrix.items, matrix.lastTime);
  collect(parameters);
  buffers.push(...idTableBuffers(matrix.userIds), ...idTableBuffers(matrix.itemIds));
}
parentPort?.postMessage(fitted, [...arrays.map((a) => a.buffer as ArrayBuffer), ...buffers]);
