import type { RecordComparer } from './compare-records.js';
import { PatternTable } from './pattern-table.js';

/**
 * Comparison patterns of record pairs drawn at random, with a seeded generator so a run can be
 * repeated exactly. In dedup (`sameSide`) a record is never paired with itself.
 */
export function sampleRandomPatterns(
  leftSize: number,
  rightSize: number,
  sameSide: boolean,
  compare: RecordComparer,
  levelCounts: readonly number[],
  options: { draws: number; seed: number },
): PatternTable {
  const table = new PatternTable(levelCounts);
  const possible = sameSide ? (leftSize * (leftSize - 1)) / 2 : leftSize * rightSize;
  const draws = Math.min(options.draws, possible);
  const levels = new Int8Array(levelCounts.length);
  // mulberry32: small, fast, and good enough to pick pairs uniformly.
  let state = options.seed >>> 0;
  const next = (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  for (let d = 0; d < draws; d++) {
    const i = next(leftSize);
    let j = next(rightSize);
    if (sameSide && j === i) j = (j + 1) % rightSize;
    compare(i, j, levels);
    table.add(levels);
  }
  return table;
}
