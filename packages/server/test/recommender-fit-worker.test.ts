import { describe, expect, it } from 'vitest';
import {
  buildInteractionMatrix,
  RECOMMENDER_METHODS,
  recommenderFrom,
  type Interaction,
} from '@tailor/core';
import { fitHere, workerFitter } from '../src/recommend/fit-recommender.js';

/** The built worker (`npm test` builds first: `tsc -b`), as `tailor serve` runs it. */
const WORKER = new URL('../dist/recommend/fit-worker.js', import.meta.url);

/** 40 people over 12 items, with times: each person had items near a "taste" of theirs. */
function interactions(): Interaction[] {
  const rows: Interaction[] = [];
  for (let u = 0; u < 40; u++)
    for (let k = 0; k < 4; k++)
      rows.push({
        user: `u${u}`,
        item: `i${(u % 6) * 2 + ((u * k) % 3)}`,
        time: u * 3_600_000 + k,
      });
  return rows;
}

describe('fitting on a worker thread', () => {
  it.each(RECOMMENDER_METHODS)(
    '%s: the same parameters, so the same scores, as fitting here',
    async (method) => {
      const matrix = buildInteractionMatrix(interactions());
      const options = { popularityHalfLifeDays: 2, easeHalfLifeDays: 3 };
      const here = await fitHere({ matrix, method, options });
      const there = await workerFitter(WORKER)({ matrix, method, options });
      if (!here.ok || !there.ok) throw new Error('fit failed');
      expect(there.value).toEqual(here.value);
      const a = recommenderFrom(matrix, here.value, options);
      const b = recommenderFrom(matrix, there.value, options);
      const sa = new Float64Array(matrix.itemIds.length);
      const sb = new Float64Array(matrix.itemIds.length);
      for (let u = -1; u < matrix.userIds.length; u++) {
        a.score(u, sa);
        b.score(u, sb);
        expect(sb).toEqual(sa);
      }
    },
  );

  it('stops at once when asked (the server closing)', async () => {
    const matrix = buildInteractionMatrix(interactions());
    const stop = new AbortController();
    const fitting = workerFitter(WORKER)({ matrix, method: 'ease', options: {} }, stop.signal);
    stop.abort();
    expect(await fitting).toEqual({ ok: false, error: 'stopped' });
  });
});
