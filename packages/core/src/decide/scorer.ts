import type { Result } from '../result/result.js';
import { readField, type EvaluationScope } from '../segments/evaluate-condition.js';
import type { PathNode } from '../segments/segments.schema.js';

/**
 * Ranks one eligible item for one person when deciding: higher first. Pure and fast (it runs per
 * eligible item per request, so it reads only what is in the scope or what its kind loaded when it
 * was compiled); `undefined` when it has no score for this person, which ranks below every score.
 */
export type Scorer = (
  scope: EvaluationScope,
  itemId: string,
  placement: string,
) => number | undefined;

/** A scorer compiled from a placement item's `score`, once, when the placement is compiled. */
export interface ItemScore {
  /** As written in the placement (`computed.ltv`), for reasons. */
  text: string;
  score: Scorer;
  /** The computed traits it reads, so that a placement naming an unknown one is refused. */
  computed: readonly string[];
}

/**
 * A kind of scorer, named by the prefix of a placement item's `score` (`computed` in
 * `computed.ltv`). One is built in: the computed trait. A churn or propensity model's score is a
 * kind named `model` (`model.churn`) that reads the score the pipeline keeps on the profile; a
 * recommendation source is a kind named after the recommender (`recommend.similar`) that scores
 * each item from the model it loaded at compile time. Each is one new `ScorerKind` passed to
 * `scorerRegistry`; decide and the placements do not change.
 */
export interface ScorerKind {
  name: string;
  /** Compiles the rest of `score` (`ltv` in `computed.ltv`): the scorer, or why not. */
  compile(argument: string): Result<Omit<ItemScore, 'text'>>;
}

/** Ranks by a computed trait (`computed.NAME`, or a field inside one: `computed.rfm.r`); not a number: no score. */
export const computedTraitScorer: ScorerKind = {
  name: 'computed',
  compile(argument) {
    const path = argument.split('.');
    const node: PathNode = { type: 'path', root: 'computed', path };
    return {
      ok: true,
      value: {
        score: (scope) => {
          const value = readField(node, scope);
          return typeof value === 'number' ? value : undefined;
        },
        computed: [path[0] ?? ''],
      },
    };
  },
};

/**
 * Ranks by a registry model's score kept on the profile (`model.churn`: P(label) by its promoted
 * version, docs/models.md); a person the model has not scored gets no score.
 */
export const modelScorer: ScorerKind = {
  name: 'model',
  compile(argument) {
    if (argument === '' || argument.includes('.'))
      return { ok: false, error: `model.${argument}: name one model (model.NAME)` };
    const node: PathNode = { type: 'path', root: 'model', path: [argument, 'score'] };
    return {
      ok: true,
      value: {
        score: (scope) => {
          const value = readField(node, scope);
          return typeof value === 'number' ? value : undefined;
        },
        computed: [],
      },
    };
  },
};

/** The scorer kinds every installation has. */
export const BUILTIN_SCORERS: readonly ScorerKind[] = [computedTraitScorer, modelScorer];

/** Scorer kinds by name: compiles a placement item's `score` into the scorer of its kind. */
export interface ScorerRegistry {
  compile(text: string): Result<ItemScore>;
  has(name: string): boolean;
}

/** A registry of the given kinds (the built-in ones by default); a name given twice is a bug. */
export function scorerRegistry(kinds: readonly ScorerKind[] = BUILTIN_SCORERS): ScorerRegistry {
  const byName = new Map<string, ScorerKind>();
  for (const kind of kinds) {
    if (byName.has(kind.name)) throw new Error(`scorer kind ${kind.name} is registered twice`);
    byName.set(kind.name, kind);
  }
  return {
    has: (name) => byName.has(name),
    compile(text) {
      const dot = text.indexOf('.');
      const kind = dot > 0 ? byName.get(text.slice(0, dot)) : undefined;
      if (kind === undefined) {
        const names = [...byName.keys()].map((n) => `${n}.NAME`).join(', ');
        return { ok: false, error: `${text}: not a scorer (one of ${names})` };
      }
      const compiled = kind.compile(text.slice(dot + 1));
      return compiled.ok ? { ok: true, value: { text, ...compiled.value } } : compiled;
    },
  };
}
