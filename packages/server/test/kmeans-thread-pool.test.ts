import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clusterFeatures,
  fitKMeans,
  type FeatureMatrix,
  type KMeansFit,
  type KMeansStartsJob,
  type KMeansThreads,
} from '@tailor/core';
import { KMeansThreadPool, runStartsMessage } from '../src/clusters/kmeans-thread-pool.js';

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
  const pool = new KMeansThreadPool(WORKER, 2);
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

  it('a fit run wholly by a worker comes back through its slot unchanged', () => {
    // The worker's side run here, before the calling thread claims: it takes every start.
    const matrix = rfm();
    const control = new Int32Array(new SharedArrayBuffer(4 * 3));
    const slot = {
      labels: new Int32Array(new SharedArrayBuffer(matrix.rows * 4)),
      centroids: new Float64Array(new SharedArrayBuffer(6 * 3 * 8)),
      figures: new Float64Array(new SharedArrayBuffer(4 * 8)),
    };
    let job: KMeansStartsJob | undefined;
    const worker: KMeansThreads = {
      fitStarts(posted, given) {
        job = given;
        runStartsMessage({ control, matrix: posted, job: given, worker: 0, slot });
        return [];
      },
    };
    expect(() => fitKMeans(matrix, { k: 6, threads: worker })).toThrow('no k-means start');
    expect(Atomics.load(control, 0)).toBeGreaterThan(10); // every start claimed
    expect(Atomics.load(control, 1)).toBe(0); // and the job left
    expect(Atomics.load(control, 2)).toBe(1); // a fit in the slot
    const one = fitKMeans(matrix, { k: 6 });
    expect(slot.figures[0]).toBe(one.inertia);
    expect(slot.figures[1]).toBe(one.iterations);
    expect(slot.labels).toEqual(one.labels);
    expect(slot.centroids).toEqual(one.centroids);
    // A message for a job whose starts are all taken claims none and leaves nothing.
    runStartsMessage({ control, matrix, job: job!, worker: 0, slot });
    expect(Atomics.load(control, 2)).toBe(0);
    expect(Atomics.load(control, 1)).toBe(0);
  });
});
