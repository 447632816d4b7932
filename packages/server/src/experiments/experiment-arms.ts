import { factorialCells, fractionalDesign, TailorError, type Factor } from '@tailor/core';
import type { ExperimentBody } from './experiment-body.js';

/** An arm of an experiment: a variant, or a cell of a factorial experiment, with its weight. */
export interface Arm {
  id: string;
  weight: number;
  /** A cell's level of each factor. */
  levels?: Record<string, string>;
}

/**
 * The factors with their weights defaulted (1), or undefined for an A/B/n experiment; in a
 * fractional design, the generated factors carry their generators.
 */
export function factorsOf(e: Pick<ExperimentBody, 'factors' | 'design'>): Factor[] | undefined {
  const factors = e.factors?.map((f) => ({
    name: f.name,
    levels: f.levels.map((l) => ({ id: l.id, weight: l.weight ?? 1 })),
  }));
  if (factors === undefined || e.design === undefined) return factors;
  const design = fractionalDesign(factors, e.design.resolution);
  if (!design.ok) throw new TailorError('invalid_request', `design: ${design.error}`);
  return design.factors;
}

/**
 * What people are split between: the variants, or every cell of the factors (full factorial, the
 * first factor slowest), weighted by the product of its levels' shares.
 */
export function armsOf(e: Pick<ExperimentBody, 'variants' | 'factors' | 'design'>): Arm[] {
  const factors = factorsOf(e);
  if (factors !== undefined) return factorialCells(factors);
  return (e.variants ?? []).map((v) => ({ id: v.id, weight: v.weight ?? 1 }));
}
