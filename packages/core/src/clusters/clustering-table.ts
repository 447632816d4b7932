/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import type { FeatureMatrix } from './clusters.schema.js';
import {
  asLevel,
  asNumber,
  fieldValue,
  type ClusteringFeature,
  type ClusterScope,
  type FeatureType,
  type ModelColumn,
} from './nearest-cluster.js';

/** A category keeps its most common levels, at most this many (the others are all zeros). */
export const MAX_LEVELS = 20;

/** The table a clustering fits: number columns, and each category one-hot. */
export interface EncodedTable {
  /** Rows kept × columns, in the original units (0 / 1 for a level). */
  matrix: FeatureMatrix;
  columns: ModelColumn[];
  /** Which columns are a category's levels (neither logged nor standardized). */
  indicators: boolean[];
  /** Each feature's type, declared or chosen from the values. */
  types: FeatureType[];
  /** The added rows kept, by order of addition: those with a number for every number feature. */
  kept: Int32Array;
}

/**
 * Profiles' features gathered row by row for a clustering, in typed arrays (no object per row).
 * A feature declared `number` takes numbers (a boolean is 1 or 0); `category` takes text (a
 * number or boolean as its text); undeclared, it is a category when more than half of the rows
 * hold text there, else a number. A category is one-hot encoded on its `MAX_LEVELS` most common
 * levels (as scikit-learn's `OneHotEncoder(handle_unknown='ignore')` on them: any other value is
 * all zeros).
 */
export class ClusteringTable {
  private numbers: Float64Array;
  private readonly codes: (Int32Array | undefined)[];
  private readonly levels: Map<string, number>[];
  private readonly texts: number[];
  private readonly raw: unknown[];
  private readonly paths: string[][];
  rows = 0;

  constructor(
    private readonly features: readonly ClusteringFeature[],
    capacity = 1024,
  ) {
    this.numbers = new Float64Array(Math.max(1, capacity) * features.length);
    this.codes = features.map((f) =>
      f.type === 'category' ? new Int32Array(Math.max(1, capacity)) : undefined,
    );
    this.levels = features.map(() => new Map<string, number>());
    this.texts = features.map(() => 0);
    this.raw = features.map(() => undefined);
    this.paths = features.map((f) => f.path.split('.'));
  }

  /** Adds a person's features as a row; false (nothing added) when one has no usable value. */
  add(scope: ClusterScope): boolean {
    const n = this.features.length;
    for (let j = 0; j < n; j++) {
      const feature = this.features[j]!;
      const value = fieldValue(this.paths[j]!, scope);
      const usable = feature.type === 'number' ? asNumber(value) : asLevel(value);
      if (usable === undefined) return false;
      this.raw[j] = value;
    }
    const r = this.rows;
    this.grow(r + 1);
    for (let j = 0; j < n; j++) {
      const value = this.raw[j];
      this.numbers[r * n + j] = asNumber(value) ?? Number.NaN;
      if (this.features[j]!.type === 'number') continue;
      if (typeof value === 'string') {
        this.texts[j]!++;
        if (this.codes[j] === undefined) this.startCodes(j);
      }
      const codes = this.codes[j];
      if (codes !== undefined) codes[r] = this.code(j, asLevel(value)!);
    }
    this.rows = r + 1;
    return true;
  }

  /** The table to fit: types decided, rows lacking a number feature left out, categories one-hot. */
  encode(maxLevels = MAX_LEVELS): EncodedTable {
    const n = this.features.length;
    const types = this.features.map(
      (f, j): FeatureType =>
        f.type ??
        (this.codes[j] !== undefined && this.texts[j]! * 2 > this.rows ? 'category' : 'number'),
    );
    const keptRows: number[] = [];
    for (let r = 0; r < this.rows; r++) {
      let ok = true;
      for (let j = 0; j < n && ok; j++)
        ok = types[j] !== 'number' || !Number.isNaN(this.numbers[r * n + j]!);
      if (ok) keptRows.push(r);
    }
    const kept = Int32Array.from(keptRows);
    const columns: ModelColumn[] = [];
    const sources: { feature: number; code: number }[] = [];
    this.features.forEach((f, j) => {
      if (types[j] === 'number') {
        columns.push({ path: f.path, name: f.name });
        sources.push({ feature: j, code: -1 });
        return;
      }
      for (const { level, code } of this.topLevels(j, kept, maxLevels)) {
        columns.push({ path: f.path, name: `${f.name}: ${level}`, level });
        sources.push({ feature: j, code });
      }
    });
    const indicators = sources.map((s) => s.code >= 0);
    const width = columns.length;
    if (width === n && kept.length === this.rows)
      // Numbers only, every row kept: the table as gathered, not copied.
      return {
        matrix: { values: this.numbers.subarray(0, this.rows * n), rows: this.rows, columns: n },
        columns,
        indicators,
        types,
        kept,
      };
    const values = new Float64Array(kept.length * width);
    kept.forEach((r, i) => {
      sources.forEach(({ feature, code }, c) => {
        values[i * width + c] =
          code < 0 ? this.numbers[r * n + feature]! : this.codes[feature]![r] === code ? 1 : 0;
      });
    });
    return {
      matrix: { values, rows: kept.length, columns: width },
      columns,
      indicators,
      types,
      kept,
    };
  }

  /** A category's most common levels among the kept rows (ties by level), at most `max`. */
  private topLevels(
    j: number,
    kept: Int32Array,
    max: number,
  ): { level: string; code: number; count: number }[] {
    const codes = this.codes[j]!;
    const counts = new Int32Array(this.levels[j]!.size);
    for (const r of kept) counts[codes[r]!]!++;
    return [...this.levels[j]!]
      .map(([level, code]) => ({ level, code, count: counts[code]! }))
      .filter((l) => l.count > 0)
      .sort((a, b) => b.count - a.count || (a.level < b.level ? -1 : 1))
      .slice(0, max);
  }

  /** The first text in an undeclared feature: the rows before it get their numbers' text as level. */
  private startCodes(j: number): void {
    const n = this.features.length;
    const codes = new Int32Array(Math.max(1, this.numbers.length / n));
    for (let r = 0; r < this.rows; r++) codes[r] = this.code(j, String(this.numbers[r * n + j]));
    this.codes[j] = codes;
  }

  private code(j: number, level: string): number {
    const levels = this.levels[j]!;
    let code = levels.get(level);
    if (code === undefined) levels.set(level, (code = levels.size));
    return code;
  }

  private grow(rows: number): void {
    const n = this.features.length;
    if (rows * n <= this.numbers.length) return;
    const capacity = Math.max(rows, (this.numbers.length / n) * 2);
    const numbers = new Float64Array(capacity * n);
    numbers.set(this.numbers);
    this.numbers = numbers;
    this.codes.forEach((codes, j) => {
      if (codes === undefined) return;
      const grown = new Int32Array(capacity);
      grown.set(codes);
      this.codes[j] = grown;
    });
  }
}
