import type { Pattern } from './estimate-model.js';

/**
 * The distinct comparison patterns (vectors of field levels, -1 = missing) seen so far, each with
 * how often it occurred. EM then works over patterns, not pairs: a few thousand instead of millions.
 */
export class PatternTable {
  readonly patterns: Pattern[] = [];
  private readonly index = new Map<number | string, number>();
  /** Per field, the number of possible level values (its levels plus missing). */
  private readonly radix: readonly number[];
  private readonly numericKeys: boolean;

  constructor(levelCounts: readonly number[]) {
    this.radix = levelCounts.map((n) => n + 1);
    this.numericKeys = this.radix.reduce((a, b) => a * b, 1) < Number.MAX_SAFE_INTEGER;
  }

  /** Counts one more pair with these levels; returns its pattern's number. */
  add(levels: Int8Array, count = 1): number {
    const key = this.key(levels);
    let n = this.index.get(key);
    if (n === undefined) {
      n = this.patterns.length;
      this.patterns.push({ levels: Array.from(levels), count: 0 });
      this.index.set(key, n);
    }
    const pattern = this.patterns[n];
    if (pattern) pattern.count += count;
    return n;
  }

  private key(levels: Int8Array): number | string {
    if (!this.numericKeys) return levels.join(',');
    let key = 0;
    for (let f = 0; f < levels.length; f++)
      key = key * (this.radix[f] ?? 1) + (levels[f] ?? -1) + 1;
    return key;
  }
}
