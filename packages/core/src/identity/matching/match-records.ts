import { candidatePairs } from './block-records.js';
import { compareValues, LEVELS } from './compare-values.js';
import { estimateModel, estimateU, matchWeight, posterior, type Pattern } from './estimate-model.js';
import type { MatchConfig, MatchRecord, MatchResult, ScoredPair } from './matching.schema.js';

/** The least mean exact-agreement rate a match class must show to be believed (see below). */
const MIN_MATCH_AGREEMENT = 0.5;

export interface MatchOptions {
  /** Random record pairs drawn to estimate u (default 200,000, or every pair when fewer). */
  randomPairs?: number;
  seed?: number;
  onProgress?: (stage: 'blocking' | 'comparing' | 'estimating' | 'scoring', done: number, total: number) => void;
}

/**
 * Fellegi–Sunter record linkage: dedup of `left` (no `right`) or linkage of `left` to `right`.
 * Blocking gives the candidate pairs; each field is compared into agreement levels; u comes from
 * random pairs and m and the match share from EM over the candidates, without labels; each pair's
 * weight is the sum of log2(m/u), its probability the posterior. Pairs at or above `upper` are
 * matches, those between `lower` and `upper` go to review, the rest are dropped.
 */
export function matchRecords(
  left: readonly MatchRecord[],
  right: readonly MatchRecord[] | undefined,
  config: MatchConfig,
  options: MatchOptions = {},
): MatchResult {
  const fields = config.fields;
  const levelCounts = fields.map((f) => LEVELS[f.comparator].length);
  const compare = (a: MatchRecord, b: MatchRecord) => fields.map((f) => compareValues(f.comparator, a.fields[f.name], b.fields[f.name]));
  const other = right ?? left;

  options.onProgress?.('blocking', 0, 1);
  const blocked = candidatePairs(left, right, config.blocking, config.maxBlockSize);
  const patterns = new Map<string, Pattern>();
  const pairPattern: Pattern[] = [];
  blocked.pairs.forEach(([i, j], n) => {
    const levels = compare(left[i] as MatchRecord, other[j] as MatchRecord);
    const key = levels.join(',');
    let pattern = patterns.get(key);
    if (pattern === undefined) {
      pattern = { levels, count: 0 };
      patterns.set(key, pattern);
    }
    pattern.count++;
    pairPattern.push(pattern);
    if (n % 50_000 === 0) options.onProgress?.('comparing', n, blocked.pairs.length);
  });

  options.onProgress?.('estimating', 0, 1);
  // m from EM over the candidates; u from random pairs, so weights and probabilities speak of
  // all pairs (blocking groups likely pairs, but being blocked together is not evidence).
  const u = estimateU(randomPatterns(left, right, compare, options), levelCounts);
  const em = estimateModel([...patterns.values()], u, { iterations: config.iterations });
  const model = { ...em, u };
  // A class of true matches agrees exactly on most fields. When EM's "match" class does not (no
  // duplicates among the candidates, so EM split the non-matches in two), nothing is a match.
  const agreement = em.m.reduce((sum, row) => sum + (row[row.length - 1] ?? 0), 0) / Math.max(1, em.m.length);
  const identifiable = agreement >= MIN_MATCH_AGREEMENT;

  // The probability that a pair is one person is taken over all pairs, not just the blocked ones:
  // blocking brings likely pairs together but is not itself evidence. The share of matches among
  // all pairs is the EM share among candidates scaled by how many pairs blocking kept.
  const possible = right ? left.length * right.length : (left.length * (left.length - 1)) / 2;
  const lambda = Math.min(model.prior, (model.prior * blocked.pairs.length) / Math.max(1, possible));
  const probability = new Map<Pattern, number>();
  for (const p of patterns.values()) probability.set(p, identifiable ? posterior(p.levels, model.m, model.u, lambda) : 0);
  const pairs: ScoredPair[] = [];
  blocked.pairs.forEach(([i, j], n) => {
    const pattern = pairPattern[n] as Pattern;
    const p = probability.get(pattern) ?? 0;
    if (p < config.lower) return;
    const a = left[i] as MatchRecord;
    const b = other[j] as MatchRecord;
    const comparison: ScoredPair['comparison'] = {};
    fields.forEach((f, k) => {
      const level = pattern.levels[k] ?? -1;
      comparison[f.name] = { left: a.fields[f.name] ?? null, right: b.fields[f.name] ?? null, level: level < 0 ? 'missing' : (LEVELS[f.comparator][level] ?? '') };
    });
    pairs.push({
      leftId: a.id,
      rightId: b.id,
      weight: matchWeight(pattern.levels, model.m, model.u),
      probability: p,
      // upper = 1 means nothing is merged without a person's review.
      decision: config.upper < 1 && p >= config.upper ? 'match' : 'review',
      comparison,
    });
  });
  pairs.sort((x, y) => y.weight - x.weight);
  options.onProgress?.('scoring', 1, 1);

  const odds = (1 - lambda) / lambda;
  const weightAt = (p: number) => Math.log2((p / (1 - p)) * odds);
  return {
    pairs,
    model: {
      fields: fields.map((f, k) => ({
        name: f.name,
        comparator: f.comparator,
        levels: LEVELS[f.comparator].map((name, l) => {
          const m = model.m[k]?.[l] ?? 0;
          const uu = model.u[k]?.[l] ?? 0;
          return { name, m, u: uu, weight: Math.log2(m / uu) };
        }),
      })),
      prior: model.prior,
      lambda,
      identifiable,
      iterations: model.iterations,
      converged: model.converged,
    },
    thresholds: { upper: config.upper, lower: config.lower, upperWeight: weightAt(config.upper), lowerWeight: weightAt(config.lower) },
    stats: {
      records: left.length + (right?.length ?? 0),
      candidatePairs: blocked.pairs.length,
      blocks: blocked.blocks,
      skippedBlocks: blocked.skippedBlocks,
      patterns: patterns.size,
    },
  };
}

/** Patterns of record pairs drawn at random (seeded, so a run can be repeated exactly). */
function randomPatterns(
  left: readonly MatchRecord[],
  right: readonly MatchRecord[] | undefined,
  compare: (a: MatchRecord, b: MatchRecord) => number[],
  options: MatchOptions,
): Pattern[] {
  const other = right ?? left;
  const possible = right ? left.length * right.length : (left.length * (left.length - 1)) / 2;
  const draws = Math.min(options.randomPairs ?? 200_000, possible);
  let state = options.seed ?? 12345;
  const next = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  const patterns = new Map<string, Pattern>();
  for (let d = 0; d < draws; d++) {
    const i = next(left.length);
    let j = next(other.length);
    if (!right && j === i) j = (j + 1) % other.length;
    const levels = compare(left[i] as MatchRecord, other[j] as MatchRecord);
    const key = levels.join(',');
    const p = patterns.get(key);
    if (p) p.count++;
    else patterns.set(key, { levels, count: 1 });
  }
  return [...patterns.values()];
}
