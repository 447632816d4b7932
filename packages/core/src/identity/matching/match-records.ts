import { candidatePairs } from './block-records.js';
import { prepareColumns, recordComparer } from './compare-records.js';
import { fieldLevels } from './compare-values.js';
import { estimateModel, estimateU, matchWeight, posterior } from './estimate-model.js';
import type { MatchConfig, MatchRecord, MatchResult, ScoredPair } from './matching.schema.js';
import { PatternTable } from './pattern-table.js';
import { sampleRandomPatterns } from './sample-random-patterns.js';

/** The least mean exact-agreement rate a match class must show to be believed (see below). */
const MIN_MATCH_AGREEMENT = 0.5;

export interface MatchOptions {
  /** Random record pairs drawn to estimate u (default 20 per record, between 50,000 and 200,000; never more than all pairs). */
  randomPairs?: number;
  seed?: number;
  /** Called now and then in each stage; `done` of `total` units of that stage. */
  onProgress?: (
    stage: 'blocking' | 'comparing' | 'estimating' | 'scoring',
    done: number,
    total: number,
  ) => void;
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
  const levelCounts = fields.map((f) => fieldLevels(f).length);
  const other = right ?? left;
  const columns = prepareColumns(fields, left, right);
  const compare = recordComparer(columns, true);

  // 1. Blocking, then each candidate pair's level vector, computed once and kept as its pattern's number.
  options.onProgress?.('blocking', 0, 1);
  const blocked = candidatePairs(left, right, config.blocking, config.maxBlockSize);
  const table = new PatternTable(levelCounts);
  const pairPattern = new Int32Array(blocked.count);
  const levels = new Int8Array(fields.length);
  for (let n = 0; n < blocked.count; n++) {
    compare(blocked.left[n] ?? 0, blocked.right[n] ?? 0, levels);
    pairPattern[n] = table.add(levels);
    if (n % 50_000 === 0) options.onProgress?.('comparing', n, blocked.count);
  }
  options.onProgress?.('comparing', blocked.count, blocked.count);

  // 2. u from random pairs; m, and u among the candidates, by EM over the distinct patterns. Weights and
  //    probabilities use the random-pair u: being blocked together is not evidence.
  options.onProgress?.('estimating', 0, 1);
  const random = sampleRandomPatterns(
    left.length,
    other.length,
    right === undefined,
    recordComparer(columns, false),
    levelCounts,
    {
      draws:
        options.randomPairs ??
        Math.min(200_000, Math.max(50_000, 20 * (left.length + (right?.length ?? 0)))),
      seed: options.seed ?? 12345,
    },
  );
  const u = estimateU(random.patterns, levelCounts);
  const em = estimateModel(table.patterns, u, { iterations: config.iterations });
  // A class of true matches agrees exactly on most fields. When EM's "match" class does not (no
  // duplicates among the candidates, so EM split the non-matches in two), nothing is a match.
  const agreement =
    em.m.reduce((sum, row) => sum + (row[row.length - 1] ?? 0), 0) / Math.max(1, em.m.length);
  const identifiable = agreement >= MIN_MATCH_AGREEMENT;

  // 3. The match share among all pairs (the EM share among candidates, scaled by the share of pairs
  //    blocking kept) is the prior of each pair's posterior probability.
  const possible = right ? left.length * right.length : (left.length * (left.length - 1)) / 2;
  const lambda = Math.min(em.prior, (em.prior * blocked.count) / Math.max(1, possible));
  const weights = Float64Array.from(table.patterns, (p) => matchWeight(p.levels, em.m, u));
  const probabilities = Float64Array.from(table.patterns, (p) =>
    identifiable ? posterior(p.levels, em.m, u, lambda) : 0,
  );

  // 4. Decisions: match at or above upper (never when upper is 1: everything goes to review), review above lower.
  const pairs: ScoredPair[] = [];
  for (let n = 0; n < blocked.count; n++) {
    const k = pairPattern[n] ?? 0;
    const probability = probabilities[k] ?? 0;
    if (probability < config.lower) continue;
    const a = left[blocked.left[n] ?? 0] as MatchRecord;
    const b = other[blocked.right[n] ?? 0] as MatchRecord;
    const decision = config.upper < 1 && probability >= config.upper ? 'match' : 'review';
    const comparison = describeComparison(config, a, b, table.patterns[k]?.levels ?? []);
    pairs.push({
      leftId: a.id,
      rightId: b.id,
      weight: weights[k] ?? 0,
      probability,
      decision,
      comparison,
    });
  }
  pairs.sort((x, y) => y.weight - x.weight);
  options.onProgress?.('scoring', 1, 1);

  // A level no pair showed (e.g. "close" for a two-letter code) has no evidence either way: weight 0.
  const seen = levelCounts.map((n) => new Array<boolean>(n).fill(false));
  for (const p of [...table.patterns, ...random.patterns]) {
    p.levels.forEach((l, f) => {
      const row = seen[f];
      if (row && l >= 0) row[l] = true;
    });
  }
  const odds = (1 - lambda) / lambda;
  const weightAt = (p: number) => Math.log2((p / (1 - p)) * odds);
  return {
    pairs,
    model: {
      fields: fields.map((f, k) => ({
        name: f.name,
        comparator: f.comparator,
        ...(f.swapWith !== undefined && { swapWith: f.swapWith }),
        levels: fieldLevels(f).map((name, l) => {
          const m = em.m[k]?.[l] ?? 0;
          const uu = u[k]?.[l] ?? 0;
          return { name, m, u: uu, weight: seen[k]?.[l] ? Math.log2(m / uu) : 0 };
        }),
      })),
      prior: em.prior,
      lambda,
      identifiable,
      iterations: em.iterations,
      converged: em.converged,
    },
    thresholds: {
      upper: config.upper,
      lower: config.lower,
      upperWeight: weightAt(config.upper),
      lowerWeight: weightAt(config.lower),
    },
    stats: {
      records: left.length + (right?.length ?? 0),
      candidatePairs: blocked.count,
      blocks: blocked.blocks,
      skippedBlocks: blocked.skippedBlocks,
      patterns: table.patterns.length,
    },
  };
}

/** Per field: the two values and the level observed, for a person reviewing the pair. */
function describeComparison(
  config: MatchConfig,
  a: MatchRecord,
  b: MatchRecord,
  levels: readonly number[],
): ScoredPair['comparison'] {
  const comparison: ScoredPair['comparison'] = {};
  config.fields.forEach((f, k) => {
    const level = levels[k] ?? -1;
    comparison[f.name] = {
      left: a.fields[f.name] ?? null,
      right: b.fields[f.name] ?? null,
      level: level < 0 ? 'missing' : (fieldLevels(f)[level] ?? ''),
    };
  });
  return comparison;
}
