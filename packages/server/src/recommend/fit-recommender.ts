import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  err,
  fitParameters,
  type FittedParameters,
  type InteractionMatrix,
  type RecommenderMethod,
  type RecommenderOptions,
  type Result,
} from '@tailor/core';

/** What a fit needs: the matrix, the method and its options. */
export interface FitRequest {
  matrix: InteractionMatrix;
  method: RecommenderMethod;
  options: Partial<RecommenderOptions>;
}

/** Fits a recommender's parameters (core's `fitParameters`), here or elsewhere; `signal` stops it. */
export type Fitter = (
  request: FitRequest,
  signal?: AbortSignal,
) => Promise<Result<FittedParameters>>;

/** Fits on this thread (tests, and code run from the TypeScript sources). */
export const fitHere: Fitter = ({ matrix, method, options }) =>
  Promise.resolve(fitParameters(matrix, method, options));

/**
 * Fits on a worker thread of its own (`entry`: the built fit-worker.js), so the request thread
 * keeps answering while EASE inverts its Gram matrix. The worker ends with the fit, or at once when
 * `signal` aborts (the server closing).
 */
export function workerFitter(entry: URL): Fitter {
  return (request, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        resolve(err('stopped'));
        return;
      }
      const worker = new Worker(entry, { workerData: request });
      const stop = (): void => {
        void worker.terminate();
        resolve(err('stopped'));
      };
      signal?.addEventListener('abort', stop, { once: true });
      worker.once('message', (fitted: Result<FittedParameters>) => {
        signal?.removeEventListener('abort', stop);
        resolve(fitted);
      });
      worker.once('error', (error) => {
        signal?.removeEventListener('abort', stop);
        reject(error);
      });
      worker.once('exit', (code) => {
        signal?.removeEventListener('abort', stop);
        reject(new Error(`the fit worker exited with code ${code} before answering`));
      });
    });
}

/**
 * The built worker beside this module (under `tailor serve`, from dist/), else this thread (from
 * the TypeScript sources, where there is no built worker).
 */
export function defaultFitter(): Fitter {
  const entry = new URL('./fit-worker.js', import.meta.url);
  return existsSync(fileURLToPath(entry)) ? workerFitter(entry) : fitHere;
}
