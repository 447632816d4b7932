import {
  durationMs,
  type ComputedNode,
  type EngagementNode,
  type RfmNode,
} from '../segments/segments.schema.js';
import { aggregateValue, type AggregateState } from './aggregate-state.js';

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
export interface RfmPopulation {
  cuts: { recency: number[]; frequency: number[]; monetary: number[] };
  people: number;
  computedAt: string;
}

export type ComputedValue = number | string | null | RfmValue;

const DAY = 86_400_000;
const QUINTILES = [0.2, 0.4, 0.6, 0.8];

/** A computed trait's value at `now`; RFM scores need the population's cuts. */
export function computedValue(
  state: AggregateState,
  node: ComputedNode,
  now: number,
  population?: RfmPopulation,
): ComputedValue {
  switch (node.type) {
    case 'aggregate':
      return aggregateValue(state, node, now);
    case 'rfm':
      return rfmValue(state, node, now, population);
    case 'engagement':
      return engagementValue(state, node, now);
  }
}

function rfmValue(
  state: AggregateState,
  node: RfmNode,
  now: number,
  population: RfmPopulation | undefined,
): RfmValue | null {
  if (state.kind !== 'window') return null;
  const from = now - durationMs(node.window);
  let frequency = 0;
  let monetary = 0;
  let latest = -Infinity;
  for (const [at, value] of state.entries) {
    if (at <= from || at > now) continue;
    frequency++;
    if (typeof value === 'number') monetary += value;
    latest = Math.max(latest, at);
  }
  if (frequency === 0) return null;
  const raw = {
    recency: Math.floor((now - latest) / DAY),
    frequency,
    monetary: roundSum(monetary),
  };
  if (population === undefined) return { ...raw, r: null, f: null, m: null, score: null };
  const r = scoreLowerIsBetter(raw.recency, population.cuts.recency);
  const f = scoreHigherIsBetter(raw.frequency, population.cuts.frequency);
  const m = scoreHigherIsBetter(raw.monetary, population.cuts.monetary);
  return { ...raw, r, f, m, score: `${r}${f}${m}` };
}

/** Each event's weight times the weight of the first recency window it is still in. */
function engagementValue(state: AggregateState, node: EngagementNode, now: number): number {
  if (state.kind !== 'window') return 0;
  const bounds = node.recency.map((r) => ({ ms: durationMs(r.window), weight: r.weight }));
  let score = 0;
  for (const [at, weight] of state.entries) {
    if (at > now || typeof weight !== 'number') continue;
    const bucket = bounds.find((b) => now - at < b.ms);
    if (bucket !== undefined) score += weight * bucket.weight;
  }
  return roundSum(score);
}

/** What one event adds to an engagement score before recency: the weights of the patterns it matched. */
export function engagementWeight(
  node: EngagementNode,
  matches: (pattern: EngagementNode['events'][number]['pattern']) => boolean,
): number | undefined {
  let weight: number | undefined;
  for (const e of node.events) if (matches(e.pattern)) weight = (weight ?? 0) + e.weight;
  return weight;
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
function roundSum(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** Compares computed values: numbers and strings by value, RFM figures field by field. */
export function sameComputedValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
