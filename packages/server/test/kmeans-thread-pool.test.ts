import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterFeatures, fitKMeans, type FeatureMatrix, type KMeansFit } from '@tailor/core';
import {
  KMeansThreadPool,
  runStartsMessage,
  type StartsMessage,
  type StartsPort,
} from '../src/clusters/kmeans-thread-pool.js';

/** The built worker (`npm test` builds first: `tsc -b`), as the CLI and `tailor serve` run it. */
const WORKER = new URL('../dist/clusters/kmeans-starts-worker.js', import.meta.url);

/** The RFM table of UCI Online Retail, log1p (4,338 customers x 3). */
function rfm(): FeatureMatrix {
  const file = new URL('./fixtures/online-retail/rfm.csv', import.meta.url);
  const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const values = new Float64Array(lines.length * 3);
  lines.forEach((line, i) => {
    line
      .split(',')
      .slice(1)
      .forEach((v, j) => (values[i * 3 + j] = Math.log1p(Number(v))));
  });
  return { values, rows: lines.length, columns: 3 };
}

/** 2,000 points in 6 dimensions around five centres, with a fixed pattern (no randomness). */
function blobs(): FeatureMatrix {
  const rows = 2000;
  const columns = 6;
  const values = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < columns; j++)
      values[i * columns + j] = (((i % 5) * (j + 1)) % 7) + (((i * 31 + j * 17) % 101) / 50 - 1);
  return { values, rows, columns };
}

function expectSameFit(actual: KMeansFit, expected: KMeansFit): void {
  expect(actual.inertia).toBe(expected.inertia);
  expect(actual.iterations).toBe(expected.iterations);
  expect(actual.converged).toBe(expected.converged);
  expect(actual.centroids).toEqual(expected.centroids);
  expect(actual.labels).toEqual(expected.labels);
}

describe('k-means starts shared with worker threads (KMeansThreadPool)', () => {
  const pool = KMeansThreadPool.start(WORKER, 2);
  afterAll(() => pool.close());

  it.each([
    ['RFM', rfm()],
    ['6 dimensions', blobs()],
  ] as const)('%s table, k = 2..10: bit for bit the fit of one thread', (_, matrix) => {
    for (let k = 2; k <= 10; k++)
      for (const seed of matrix.columns === 3 ? [0] : [0, 5]) {
        const one = fitKMeans(matrix, { k, starts: 10, seed });
        // Which thread takes which start depends on how soon the workers wake: not on the fit.
        const shared = fitKMeans(matrix, { k, starts: 10, seed, threads: pool });
        expectSameFit(shared, one);
      }
  });

  it('the automatic choice of k gives the same clustering with the pool', () => {
    const matrix = rfm();
    const one = clusterFeatures(matrix, { k: 'auto', scale: 'standard' });
    const shared = clusterFeatures(matrix, { k: 'auto', scale: 'standard', threads: pool });
    expect(shared).toEqual(one);
  });

  // Workers stood in for by objects that act on the message at once, before the calling thread
  // claims: which thread does what is then fixed, so each path of the pool is taken for sure.
  const worker = (act: (message: StartsMessage) => void): StartsPort => ({ postMessage: act });
  const k6 = (matrix: FeatureMatrix) => fitKMeans(matrix, { k: 6, starts: 10, seed: 2 });

  it('a worker that ran every start: its best comes back through its slot, bit for bit', () => {
    const matrix = rfm();
    const all = new KMeansThreadPool([worker(runStartsMessage)]);
    expectSameFit(fitKMeans(matrix, { k: 6, starts: 10, seed: 2, threads: all }), k6(matrix));
  });

  it('starts a worker claimed and never finished are run by the calling thread', () => {
    const matrix = rfm();
    let control: Int32Array = new Int32Array(new SharedArrayBuffer(0));
    // One worker finishes start 0, then claims start 1 and stalls (a busy machine, a thread with
    // no core); another claims starts 2 to 4 and never runs them (as if it had failed).
    const stalled = worker((message) => {
      control = message.control;
      runStartsMessage({ ...message, job: { ...message.job, starts: 1 } });
    });
    const failed = worker((message) => {
      Atomics.add(message.control, 0, 3);
    });
    const pool = new KMeansThreadPool([stalled, failed]);
    expectSameFit(fitKMeans(matrix, { k: 6, starts: 10, seed: 2, threads: pool }), k6(matrix));
    // Who finished each start first: the worker 0, the calling thread (1) every other.
    expect(Array.from(control.subarray(2))).toEqual([2, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Atomics.load(control, 1)).toBe(10);
  });

  it('a message for a fit whose starts are all taken runs nothing', () => {
    const matrix = rfm();
    let late: StartsMessage | undefined;
    const pool = new KMeansThreadPool([worker((message) => (late = message))]);
    const fit = fitKMeans(matrix, { k: 6, starts: 10, seed: 2, threads: pool });
    expectSameFit(fit, k6(matrix));
    const slot = late!.slot.labels.slice();
    runStartsMessage(late!);
    expect(late!.slot.labels).toEqual(slot);
    expect(Atomics.load(late!.control, 1)).toBe(10); // finished, once each
  });
});
