/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
/** A uniform number in [0, 1). */
export type Uniform = () => number;

/**
 * A deterministic generator of uniform numbers in [0, 1) from a 32-bit seed (mulberry32): the
 * same seed gives the same sequence on every platform, so clusterings are reproducible. With
 * `skip`, the sequence starts `skip` numbers in (mulberry32's state is a counter, so that costs
 * nothing): what lets k-means' starts run on different threads from the numbers one generator
 * drawn through all of them would give each.
 */
export function seededRandom(seed: number, skip = 0): Uniform {
  let state = (seed + Math.imul(skip, 0x6d2b79f5)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [0, n). */
export function randomIndex(random: Uniform, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/** `size` distinct indices of [0, n), in random order (a partial Fisher-Yates shuffle). */
export function sampleIndices(random: Uniform, n: number, size: number): Int32Array {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const take = Math.min(size, n);
  for (let i = 0; i < take; i++) {
    const j = i + randomIndex(random, n - i);
    const swap = all[i]!;
    all[i] = all[j]!;
    all[j] = swap;
  }
  return all.slice(0, take);
}
