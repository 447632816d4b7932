import { cellId, generatedLevel, type Factor } from './factorial-cells.js';

/** What assignment needs to know of an experiment. */
export interface AssignableExperiment {
  /** The hash seed (usually the experiment's name): the same seed and unit give the same answer everywhere. */
  seed: string;
  /** Variants with their split weights (≥ 0; normalized by their sum). Ignored when `factors` is set. */
  variants: readonly { id: string; weight: number }[];
  /**
   * A factorial experiment: each factor's level is drawn by its own hash, so a unit's levels are
   * sticky and independent across factors; the variant is the cell, `FACTOR=LEVEL|…`.
   */
  factors?: readonly Factor[];
  /** The share of units in the experiment, in [0, 1]. Ignored in a layer, where `layer.range` says it. */
  traffic: number;
  /** In a layer: the layer's name and this experiment's slice [start, end) of the layer's units. */
  layer?: { name: string; range: readonly [number, number] };
}

export type Assignment =
  | {
      variant: string;
      /** In a factorial experiment: each factor's level (the variant is their cell). */
      factors?: Record<string, string>;
    }
  | {
      variant: null;
      /** traffic: outside the traffic share; layer: outside the experiment's slice of its layer; weights: no weight > 0. */
      reason: 'traffic' | 'layer' | 'weights';
    };

/**
 * A unit's variant, deterministic and sticky: a function of the seed and the unit id only.
 * Three independent hashes: one puts the unit in or out of the traffic share (or, in a layer, in
 * one experiment's slice of the layer), one picks the variant from the weights' ranges of [0, 1).
 * Raising the traffic share therefore only adds units, and never moves one between variants.
 * The variant hash is GrowthBook's `hash(seed, id, 2)`, so with full traffic the variant is the one
 * GrowthBook's SDK picks for the same seed, id and weights.
 */
export function assignVariant(experiment: AssignableExperiment, unitId: string): Assignment {
  const { layer } = experiment;
  if (layer !== undefined) {
    const bucket = layerBucket(layer.name, unitId);
    if (!(bucket >= layer.range[0] && bucket < layer.range[1]))
      return { variant: null, reason: 'layer' };
  } else if (
    !(experiment.traffic >= 1) &&
    !(trafficBucket(experiment.seed, unitId) < experiment.traffic)
  ) {
    return { variant: null, reason: 'traffic' };
  }
  if (experiment.factors !== undefined)
    return assignLevels(experiment.seed, experiment.factors, unitId);
  const id = chooseVariant(experiment.variants, hashToUnit(experiment.seed, unitId));
  return id === null ? { variant: null, reason: 'weights' } : { variant: id };
}

/**
 * Each factor's level from its own hash, `hash("__factor:SEED:FACTOR:", id)`, over the levels'
 * weights: independent of the other factors (adding, removing or reweighting one moves nobody in
 * another) and of the traffic and layer hashes.
 */
function assignLevels(seed: string, factors: readonly Factor[], unitId: string): Assignment {
  const levels: Record<string, string> = {};
  for (const factor of factors) {
    if (factor.generator !== undefined) {
      levels[factor.name] = generatedLevel(factor, factor.generator, factors, levels);
      continue;
    }
    const level = chooseVariant(factor.levels, factorBucket(seed, factor.name, unitId));
    if (level === null) return { variant: null, reason: 'weights' };
    levels[factor.name] = level;
  }
  return { variant: cellId(factors, levels), factors: levels };
}

/** Where a unit falls for one factor, in [0, 1). */
export function factorBucket(seed: string, factor: string, unitId: string): number {
  return hashToUnit(`__factor:${seed}:${factor}:`, unitId);
}

/** Where a unit falls in a layer, in [0, 1): the layer's experiments hold disjoint slices of it. */
export function layerBucket(layer: string, unitId: string): number {
  return hashToUnit(`__layer:${layer}:`, unitId);
}

/** Where a unit falls for the traffic share, in [0, 1), independent of the variant hash. */
function trafficBucket(seed: string, unitId: string): number {
  return hashToUnit(`__traffic:${seed}:`, unitId);
}

/** The variant whose range of [0, 1) holds `n`: ranges laid end to end, each as wide as its normalized weight. */
function chooseVariant(variants: AssignableExperiment['variants'], n: number): string | null {
  let total = 0;
  for (const v of variants) total += v.weight > 0 ? v.weight : 0;
  if (!(total > 0)) return null;
  let end = 0;
  let last: string | null = null;
  for (const v of variants) {
    if (!(v.weight > 0)) continue;
    end += v.weight / total;
    if (n < end) return v.id;
    last = v.id;
  }
  return last; // n at the very end of [0, 1) after rounding of the sums
}

/**
 * GrowthBook's hash, version 2: FNV-1a (32 bit) of seed + value, hashed again as its decimal
 * text, to a bucket in [0, 1) in steps of 0.0001. Strings are hashed by UTF-16 code unit.
 */
export function hashToUnit(seed: string, value: string): number {
  return (fnv1a32(String(fnv1a32(seed + value))) % 10_000) / 10_000;
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
