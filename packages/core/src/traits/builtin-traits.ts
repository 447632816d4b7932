import type { ClvValue } from './clv-trait.js';
import type { TraitPopulation } from './trait-kind.js';
import type { ComputedNode } from '../segments/segments.schema.js';
import { aggregateValue, type AggregateState } from './aggregate-state.js';
import { traitKindOf } from './trait-kind.js';

/** A person's RFM: raw figures over the window, and quintile scores once the population is scored. */
export interface RfmValue {
  /** Whole days since the latest matching event in the window. */
  recency: number;
  frequency: number;
  /** Sum of the property over the window's events (numbers only). */
  monetary: number;
  /** 1-5, 5 the most recent / frequent / valuable fifth; null until the population is first scored. */
  r: number | null;
  f: number | null;
  m: number | null;
  /** r, f and m as one code ("545"), as RFM tables name cells; null until scored. */
  score: string | null;
}

/**
 * Where the population's quintiles fall for one RFM definition: the 20th, 40th, 60th and 80th
 * percentiles (linear interpolation between order statistics, numpy's default) of each figure
 * over everyone with at least one matching event in the window.
 */
export interface RfmPopulation extends TraitPopulation {
  cuts: { recency: number[]; frequency: number[]; monetary: number[] };
  people: number;
  computedAt: string;
}

export type ComputedValue = number | string | null | RfmValue | ClvValue;

const QUINTILES = [0.2, 0.4, 0.6, 0.8];

/** A computed trait's value at `now`: an aggregate's, or its kind's (RFM scores need the population's cuts). */
export function computedValue(
  state: AggregateState,
  node: ComputedNode,
  now: number,
  population?: TraitPopulation,
): ComputedValue {
  if (node.type === 'aggregate') return aggregateValue(state, node, now);
  return (traitKindOf(node)?.value(state, node, now, population) ?? null) as ComputedValue;
}

/** The quintile cuts of the people's RFM figures (those without a matching event are left out). */
export function rfmPopulation(
  values: readonly Pick<RfmValue, 'recency' | 'frequency' | 'monetary'>[],
  computedAt: string,
): RfmPopulation {
  const cuts = (pick: (v: (typeof values)[number]) => number) => {
    const sorted = values.map(pick).sort((a, b) => a - b);
    return sorted.length === 0 ? [] : QUINTILES.map((p) => quantileSorted(sorted, p));
  };
  return {
    cuts: {
      recency: cuts((v) => v.recency),
      frequency: cuts((v) => v.frequency),
      monetary: cuts((v) => v.monetary),
    },
    people: values.length,
    computedAt,
  };
}

/** The p-quantile of sorted numbers, interpolating linearly between order statistics (Hyndman & Fan type 7). */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const low = sorted[lo] ?? Number.NaN;
  const high = sorted[Math.min(lo + 1, sorted.length - 1)] ?? low;
  return low + (h - lo) * (high - low);
}

/** 1 plus the number of cuts the value is above: the top fifth scores 5. Ties stay together. */
export function scoreHigherIsBetter(value: number, cuts: readonly number[]): number {
  return 1 + cuts.filter((c) => value > c).length;
}

/** 1 plus the number of cuts the value is below (recency: fewer days is better). */
export function scoreLowerIsBetter(value: number, cuts: readonly number[]): number {
  return 1 + cuts.filter((c) => value < c).length;
}

/** Sums of decimals without binary noise (0.1 + 0.2 shows as 0.3), to a billionth. */
export function roundSum(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** Compares computed values: numbers and strings by value, RFM figures field by field. */
export function sameComputedValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
