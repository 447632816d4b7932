import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  clusterFeatures,
  err,
  type ClusterOptions,
  type Clustering,
  type FeatureMatrix,
  type Result,
} from '@tailor/core';

/** What a fit needs: the profiles' features (original units) and the clustering's options. */
export interface ClusterFitRequest {
  matrix: FeatureMatrix;
  options: ClusterOptions;
}

/** Fits a clustering (core's `clusterFeatures`), here or elsewhere; `signal` stops it. */
export type ClusterFitter = (
  request: ClusterFitRequest,
  signal?: AbortSignal,
) => Promise<Result<Clustering>>;

/** Fits on this thread (tests, and code run from the TypeScript sources). */
export const fitClusteringHere: ClusterFitter = ({ matrix, options }) =>
  Promise.resolve(clusterFeatures(matrix, options));

/**
 * Fits on a worker thread of its own (`entry`: the built cluster-fit-worker.js), so the request
 * thread keeps answering while k-means runs its starts for every k and the silhouettes are
 * measured (seconds for a million profiles); the features are copied out, the labels come back
 * transferred. The worker ends with the fit, or at once when `signal` aborts (the server closing).
 */
export function workerClusterFitter(entry: URL): ClusterFitter {
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
      worker.once('message', (fitted: Result<Clustering>) => {
        signal?.removeEventListener('abort', stop);
        resolve(fitted);
      });
      worker.once('error', (error) => {
        signal?.removeEventListener('abort', stop);
        reject(error);
      });
      worker.once('exit', (code) => {
        signal?.removeEventListener('abort', stop);
        reject(new Error(`the clustering fit worker exited with code ${code} before answering`));
      });
    });
}

/**
 * The built worker beside this module (under `tailor serve`, from dist/), else this thread (from
 * the TypeScript sources, where there is no built worker).
 */
export function defaultClusterFitter(): ClusterFitter {
  const entry = new URL('./cluster-fit-worker.js', import.meta.url);
  return existsSync(fileURLToPath(entry)) ? workerClusterFitter(entry) : fitClusteringHere;
}
