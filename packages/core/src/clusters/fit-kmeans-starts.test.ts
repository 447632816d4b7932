import { describe, expect, it } from 'vitest';
import type { FeatureMatrix, KMeansFit } from './clusters.schema.js';
import {
  betterStart,
  fitKMeans,
  fitKMeansStarts,
  type KMeansStartFit,
  type KMeansStartsJob,
  type KMeansThreads,
} from './fit-kmeans.js';
import { kmeansPlusPlus, seedingDraws } from './kmeans-plus-plus.js';
import { readRfm } from './online-retail.fixture.js';
import { prepareFeatures } from './prepare-features.js';
import { seededRandom } from './seeded-random.js';

// fitKMeans' starts may run on several threads (the server's KMeansThreadPool); each start seeds
// from its own place in the seed's sequence, so the fit cannot depend on which thread ran which
// start, nor in what order. These cases split the starts every way a pool could and compare.

const rfm = (() => {
  const prepared = prepareFeatures(readRfm().matrix, 'log-standard');
  if (!prepared.ok) throw new Error(prepared.error);
  return prepared.value.matrix;
})();

/** The same fit, bit for bit. */
function expectSameFit(actual: KMeansFit, expected: KMeansFit): void {
  expect(actual.inertia).toBe(expected.inertia);
  expect(actual.iterations).toBe(expected.iterations);
  expect(actual.converged).toBe(expected.converged);
  expect(actual.centroids).toEqual(expected.centroids);
  expect(actual.labels).toEqual(expected.labels);
}

/**
 * "Threads" run one after another here, each given its own list of starts in its own order (as
 * claims on a busy machine might fall): what fitKMeans does with their best fits is what is tested.
 */
function splitThreads(split: (starts: number) => number[][]): KMeansThreads {
  return {
    fitStarts(matrix: FeatureMatrix, job: KMeansStartsJob): KMeansStartFit[] {
      return split(job.starts).flatMap((mine) => {
        let next = 0;
        const fit = fitKMeansStarts(matrix, job, () => mine[next++] ?? -1);
        return fit === undefined ? [] : [fit];
      });
    },
  };
}

const SPLITS: [string, (starts: number) => number[][]][] = [
  ['odd and even starts', (n) => [0, 1].map((t) => range(n).filter((s) => s % 2 === t))],
  ['the last start alone, the rest reversed', (n) => [[n - 1], range(n - 1).reverse()]],
  ['one thread with none', (n) => [[], range(n)]],
  ['four threads, one start each then the rest', () => [[3, 4, 5, 6, 7, 8, 9], [2], [1], [0]]],
];

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

describe('k-means starts on several threads', () => {
  it('a generator started n numbers in gives what the same generator gives after drawing n', () => {
    for (const [seed, skip] of [
      [0, 0],
      [0, 1],
      [7, 33],
      [0xffffffff, 1_000_003],
    ] as const) {
      const drawn = seededRandom(seed);
      for (let i = 0; i < skip; i++) drawn();
      const skipped = seededRandom(seed, skip);
      for (let i = 0; i < 5; i++) expect(skipped()).toBe(drawn());
    }
  });

  it.each([2, 3, 7, 10, 20])('k-means++ draws seedingDraws(%d) numbers', (k) => {
    let draws = 0;
    const random = seededRandom(5);
    kmeansPlusPlus(rfm, k, () => (draws++, random()));
    expect(draws).toBe(seedingDraws(k));
  });

  it.each([2, 5, 10])(
    'k = %d: each start is the one a single generator drawn through all the starts gives',
    (k) => {
      // Before the starts could run apart, one generator was drawn through them in order.
      const random = seededRandom(0);
      let best: KMeansFit | undefined;
      for (let start = 0; start < 10; start++) {
        const initial = kmeansPlusPlus(rfm, k, random);
        const fit = fitKMeans(rfm, { k, initial });
        if (best === undefined || fit.inertia < best.inertia) best = fit;
      }
      expectSameFit(fitKMeans(rfm, { k, starts: 10 }), best!);
    },
  );

  describe.each(SPLITS)('%s', (_, split) => {
    it.each([2, 4, 7, 10])('k = %d: the same fit as on one thread', (k) => {
      const one = fitKMeans(rfm, { k, starts: 10, seed: 3 });
      const shared = fitKMeans(rfm, { k, starts: 10, seed: 3, threads: splitThreads(split) });
      expectSameFit(shared, one);
    });
  });

  it('of two starts of equal inertia the lower wins, whichever thread found it', () => {
    const fit = (start: number): KMeansStartFit => ({
      k: 1,
      centroids: new Float64Array(1),
      labels: new Int32Array(1),
      inertia: 2,
      iterations: 1,
      converged: true,
      start,
    });
    expect(betterStart(fit(5), fit(3)).start).toBe(3);
    expect(betterStart(fit(3), fit(5)).start).toBe(3);
    expect(betterStart(undefined, fit(5)).start).toBe(5);
  });

  it('a thread given no start runs none and allocates nothing', () => {
    const job = { k: 3, starts: 10, seed: 0, maxIterations: 300, threshold: 1e-4 };
    expect(fitKMeansStarts(rfm, job, () => -1)).toBeUndefined();
  });
});
