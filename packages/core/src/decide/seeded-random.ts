import type { RandomSource } from './decide.schema.js';

/**
 * A seeded uniform generator in [0, 1) (mulberry32, 32 bits a draw): the same seed gives the same
 * draws, so tests and simulations of random choices repeat exactly.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
