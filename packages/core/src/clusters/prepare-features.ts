/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import { err, ok, type Result } from '../result/result.js';
import type { FeatureMatrix, Scale } from './clusters.schema.js';

/** What was done to the features, so centroids can be put back in the original units. */
export interface Preparation {
  scale: Scale;
  /** Per feature, the mean and the population standard deviation subtracted and divided (after log1p). */
  mean: Float64Array;
  std: Float64Array;
  /** Columns left as they are (a category's 0/1 levels): mean 0, deviation 1, never logged. */
  indicators?: readonly boolean[] | undefined;
}

/**
 * Prepares a table for k-means: `none` copies it; `standard` subtracts each feature's mean and
 * divides by its population standard deviation (as scikit-learn's StandardScaler; a constant
 * feature is left at 0); `log-standard` takes log1p first, and so needs values above -1.
 * `indicators` marks 0/1 columns (one-hot levels) kept as they are, as scikit-learn's
 * OneHotEncoder beside a scaler of the numeric columns does.
 */
export function prepareFeatures(
  matrix: FeatureMatrix,
  scale: Scale,
  indicators?: readonly boolean[],
): Result<{ matrix: FeatureMatrix; preparation: Preparation }> {
  const { rows, columns } = matrix;
  const values = Float64Array.from(matrix.values);
  const mean = new Float64Array(columns);
  const std = new Float64Array(columns).fill(1);
  const kept = (j: number): boolean => indicators?.[j] === true;
  if (scale === 'log-standard')
    for (let i = 0; i < values.length; i++) {
      if (kept(i % columns)) continue;
      const v = values[i]!;
      if (!(v > -1))
        return err(
          `log-standard needs values above -1: row ${Math.floor(i / columns) + 1}, feature ${(i % columns) + 1} is ${v}`,
        );
      values[i] = Math.log1p(v);
    }
  if (scale !== 'none' && rows > 0) {
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < columns; j++) mean[j]! += values[i * columns + j]!;
    for (let j = 0; j < columns; j++) mean[j]! /= rows;
    const sumSquares = new Float64Array(columns);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < columns; j++)
        sumSquares[j]! += (values[i * columns + j]! - mean[j]!) ** 2;
    for (let j = 0; j < columns; j++) {
      const deviation = Math.sqrt(sumSquares[j]! / rows);
      std[j] = deviation > 0 && !kept(j) ? deviation : 1;
      if (kept(j)) mean[j] = 0;
    }
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < columns; j++)
        values[i * columns + j] = (values[i * columns + j]! - mean[j]!) / std[j]!;
  }
  return ok({ matrix: { values, rows, columns }, preparation: { scale, mean, std, indicators } });
}

/** Points of the prepared space (row-major, `columns` wide) back in the original units. */
export function restoreUnits(points: Float64Array, preparation: Preparation): Float64Array {
  const { mean, std, scale, indicators } = preparation;
  const columns = mean.length;
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const j = i % columns;
    const v = points[i]! * std[j]! + mean[j]!;
    out[i] = scale === 'log-standard' && indicators?.[j] !== true ? Math.expm1(v) : v;
  }
  return out;
}

/**
 * The preparation `auto` stands for: log-standard when no value is negative and some feature is
 * right-skewed (sample skewness above 1, as counts and amounts of money usually are), standard
 * otherwise. One choice for the whole table, so every feature is treated alike (`indicators`, a
 * category's 0/1 columns, are left out of it).
 */
export function chooseScale(matrix: FeatureMatrix, indicators?: readonly boolean[]): Scale {
  const { values, rows, columns } = matrix;
  for (let i = 0; i < values.length; i++)
    if (values[i]! < 0 && indicators?.[i % columns] !== true) return 'standard';
  for (let j = 0; j < columns; j++) {
    if (indicators?.[j] === true) continue;
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += values[i * columns + j]!;
    mean /= rows;
    let m2 = 0;
    let m3 = 0;
    for (let i = 0; i < rows; i++) {
      const d = values[i * columns + j]! - mean;
      m2 += d * d;
      m3 += d * d * d;
    }
    m2 /= rows;
    m3 /= rows;
    if (m2 > 0 && m3 / m2 ** 1.5 > 1) return 'log-standard';
  }
  return 'standard';
}
