import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '@tailor/core';
import { fitClusteringHere, workerClusterFitter } from '../src/clusters/fit-clustering.js';

/** The built worker (`npm test` builds first: `tsc -b`), as `tailor serve` runs it. */
const WORKER = new URL('../dist/clusters/cluster-fit-worker.js', import.meta.url);

/** 300 points around three centres, skewed and positive, with a fixed pattern (no randomness). */
function table(): FeatureMatrix {
  const rows = 300;
  const values = new Float64Array(rows * 2);
  for (let i = 0; i < rows; i++) {
    const group = i % 3;
    values[i * 2] = [5, 60, 900][group]! * (1 + ((i * 37) % 11) / 20);
    values[i * 2 + 1] = [1, 8, 30][group]! + ((i * 13) % 5);
  }
  return { values, rows, columns: 2 };
}

describe('fitting a clustering on a worker thread', () => {
  it.each(['kmeans', 'gmm', 'ward', 'dbscan'] as const)(
    '%s: the same clustering as fitting here',
    async (method) => {
      const options = { method, k: 'auto' as const, kRange: [2, 5] as const, seed: 3 };
      const here = await fitClusteringHere({ matrix: table(), options });
      const there = await workerClusterFitter(WORKER)({ matrix: table(), options });
      if (!here.ok || !there.ok) throw new Error('fit failed');
      expect(there.value).toEqual(here.value);
      expect(there.value.labels).toBeInstanceOf(Int32Array);
    },
  );

  it('answers a refusal as a value, and stops when aborted', async () => {
    const refused = await workerClusterFitter(WORKER)({ matrix: table(), options: { k: 500 } });
    expect(refused.ok).toBe(false);
    const controller = new AbortController();
    const fit = workerClusterFitter(WORKER)(
      { matrix: table(), options: { k: 'auto' } },
      controller.signal,
    );
    controller.abort();
    expect(await fit).toEqual({ ok: false, error: 'stopped' });
  });
});
