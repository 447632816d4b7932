import { parentPort, workerData } from 'node:worker_threads';
import { clusterFeatures } from '@tailor/core';
import type { ClusterFitRequest } from './fit-clustering.js';
import { kmeansThreads } from './kmeans-thread-pool.js';

/**
 * Fits a clustering off the request thread (`workerClusterFitter`), k-means' starts shared with
 * the pool's threads. The labels and the preparation's arrays, made here, are transferred back,
 * not copied.
 */
const { matrix, options } = workerData as ClusterFitRequest;
const fitted = clusterFeatures(matrix, { ...options, threads: kmeansThreads() });
const arrays = fitted.ok
  ? [fitted.value.labels, fitted.value.preparation.mean, fitted.value.preparation.std]
  : [];
// Each buffer once (a transfer list naming one twice is refused).
parentPort?.postMessage(fitted, [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))]);
