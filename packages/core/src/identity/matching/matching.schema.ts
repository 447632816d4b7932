import { Type, type Static } from 'typebox';

/** A record to match: an id and its fields as text (missing or empty = unknown). */
export interface MatchRecord {
  id: string;
  fields: Record<string, string | undefined>;
}

export const COMPARATORS = [
  'exact',
  'jaro_winkler',
  'levenshtein',
  'phonetic',
  'numeric',
  'date',
] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** How blocking reads a field: the whole value, its first letters, a phonetic code, a date's year. */
export const BLOCK_TRANSFORMS = ['exact', 'prefix3', 'phonetic', 'year', 'digits4'] as const;

export const FieldSpec = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    comparator: Type.Union([
      Type.Literal('exact'),
      Type.Literal('jaro_winkler'),
      Type.Literal('levenshtein'),
      Type.Literal('phonetic'),
      Type.Literal('numeric'),
      Type.Literal('date'),
    ]),
    /**
     * Another field whose value may have been entered in this one (given name and surname,
     * address lines): when the values differ but each is close to the other record's swapped
     * field, the level is `swapped`, with its own m and u.
     */
    swapWith: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type FieldSpec = Static<typeof FieldSpec>;

export const BlockingKey = Type.Array(
  Type.Object(
    {
      field: Type.String({ minLength: 1 }),
      transform: Type.Union(
        [
          Type.Literal('exact'),
          Type.Literal('prefix3'),
          Type.Literal('phonetic'),
          Type.Literal('year'),
          Type.Literal('digits4'),
        ],
        { default: 'exact' },
      ),
    },
    { additionalProperties: false },
  ),
  {
    minItems: 1,
    description: 'Records agreeing on every part of a key are compared; keys are unioned',
  },
);
export type BlockingKey = Static<typeof BlockingKey>;

/** Everything the matcher chooses by itself, each part overridable from a config file. */
export const MatchConfig = Type.Object(
  {
    fields: Type.Array(FieldSpec, { minItems: 1 }),
    blocking: Type.Array(BlockingKey, { minItems: 1 }),
    /** Posterior match probability above which a pair is linked / below which it is dropped. */
    upper: Type.Number({ minimum: 0, maximum: 1, default: 0.9 }),
    lower: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
    /** Blocks larger than this are skipped (reported in stats): they cost quadratic time. */
    maxBlockSize: Type.Integer({ minimum: 2, default: 500 }),
    iterations: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
export type MatchConfig = Static<typeof MatchConfig>;

export interface ScoredPair {
  leftId: string;
  rightId: string;
  /** Sum over fields of log2(m/u) for the observed agreement level. */
  weight: number;
  /** Posterior probability of a match, from the weight and the estimated share of matches among all pairs. */
  probability: number;
  decision: 'match' | 'review';
  /** Per field: the two values and the agreement level observed. */
  comparison: Record<string, { left: string | null; right: string | null; level: string }>;
}

export interface FieldModel {
  name: string;
  comparator: Comparator;
  swapWith?: string;
  levels: { name: string; m: number; u: number; weight: number }[];
}

export interface MatchResult {
  pairs: ScoredPair[];
  /** prior: the match share among candidate pairs (EM); lambda: among all pairs (used for probabilities). */
  /** identifiable: false when EM found no class that agrees like duplicates do (then nothing matches). */
  model: {
    fields: FieldModel[];
    prior: number;
    lambda: number;
    identifiable: boolean;
    iterations: number;
    converged: boolean;
  };
  thresholds: { upper: number; lower: number; upperWeight: number; lowerWeight: number };
  stats: {
    records: number;
    candidatePairs: number;
    blocks: number;
    skippedBlocks: number;
    patterns: number;
  };
}
