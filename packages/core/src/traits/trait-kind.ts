import type { Condition, Duration, EventPattern } from '../segments/segments.schema.js';
import type { AggregateState } from './aggregate-state.js';
import { clvKind } from './clv-trait.js';
import { engagementKind } from './engagement-trait.js';
import { rfmKind } from './rfm-trait.js';
import { stageKind } from './stage-trait.js';

/** What an event carries into a trait's fold: its name, properties and context. */
export interface TraitEvent {
  event?: string | undefined;
  properties?: Record<string, unknown> | undefined;
  context?: Record<string, unknown> | undefined;
}

/**
 * What a kind's `population.summarize` made of everyone's values (RFM's quintile cuts, CLV's
 * fitted model parameters): kept as JSON by the profile store, handed back to `value`. When its
 * `cuts` change, every person it scores is re-scored.
 */
export interface TraitPopulation {
  cuts: unknown;
  /** How many people it was made from. */
  people: number;
  computedAt: string;
}

/** The node of a built-in kind: tagged by the kind's name, with the kind's own arguments. */
export interface TraitNode {
  type: string;
}

/**
 * A built-in kind of computed trait (`rfm(...)`, `engagement(...)`), beside the event aggregates:
 * everything the parser's output, the pipeline's fold and the value need, in one object. A new
 * computed-trait kind is one file exporting a `TraitKind` and one line in `BUILTIN_TRAIT_KINDS`
 * below (plus its node in `ComputedNode` and, for a text form, a rule in segment-grammar.peggy).
 */
export interface TraitKind<N extends TraitNode = TraitNode> {
  /** The node's `type`, and the function's name in the language. */
  name: string;
  /** Fills what the text may leave out (engagement's default recency); checks the arguments. */
  normalize?(node: N): N;
  /** Canonical text: parses back to the same node; it is also the state's key. */
  print(node: N): string;
  /** The event patterns that feed it (their names route events to it; references list them). */
  patterns(node: N): readonly EventPattern[];
  /** What a matching event adds to the fold (undefined: it does not match). */
  input(node: N, event: TraitEvent, matches: (p: EventPattern) => boolean): unknown;
  /** The fold's state before any event; states are plain JSON the stores already keep. */
  initial(node: N): AggregateState;
  /** The widest window the state keeps events for (older ones are pruned); none: forever. */
  window(node: N): Duration | undefined;
  /** The trait's value at `now`; `population`: what its `population.summarize` made. */
  value(state: AggregateState, node: N, now: number, population?: unknown): unknown;
  /** When the value next changes by time alone (expiry); undefined when only events change it. */
  nextChange(state: AggregateState, node: N, now: number): number | undefined;
  /**
   * Its value also places the person among everyone (RFM's quintiles): the pipeline reads every
   * person's value now and then, and passes what `summarize` made to `value` as `population`.
   */
  /**
   * A kind decided by conditions over the person (the journey stage's ordered rules) rather than
   * folded from events of its own (`patterns` is then empty): the conditions' aggregates and
   * sequences are kept as a segment's are, and the value is decided after the other computed
   * traits (the conditions may read them) and before segments (which may read it).
   */
  rules?: {
    conditions(node: N): readonly Condition[];
    /** The value, given whether each of its conditions holds for the person now. */
    decide(node: N, holds: (condition: Condition) => boolean): unknown;
    /** The event each change of value is announced by in the log (`Journey Stage Changed`). */
    announce?: string;
  };
  population?: {
    /** What one person's value adds to the population; undefined: it is left out. */
    sample(value: unknown): unknown;
    /**
     * Makes the population of everyone's samples: at once, or, for a long computation (a model's
     * fit), as a generator that yields between short steps so the pipeline folds events between
     * them (see `isPopulationSteps`).
     */
    summarize(
      samples: unknown[],
      computedAt: string,
      /** The population made last time, if any (a fit can start from it). */
      previous?: TraitPopulation,
    ): TraitPopulation | Generator<void, TraitPopulation>;
  };
}

/** Every built-in computed-trait kind besides the aggregates. A new kind is added here. */
export const BUILTIN_TRAIT_KINDS: readonly TraitKind[] = [
  rfmKind,
  engagementKind,
  clvKind,
  stageKind,
];

let kinds: Map<string, TraitKind> | undefined;

/** The language's own node types, which a kind cannot be named (a tree's `type` tells them apart). */
const TAKEN = new Set([
  ...['aggregate', 'path', 'literal', 'and', 'or', 'not', 'compare', 'in', 'contains'],
  ...['starts_with', 'matches', 'exists', 'boolean', 'in_segment', 'in_cluster'],
  'sequence',
]);

function registry(): Map<string, TraitKind> {
  // Built on first use: the kinds' modules import the printer, which imports this one.
  kinds ??= new Map(BUILTIN_TRAIT_KINDS.map((k) => [k.name, k]));
  return kinds;
}

/** The kind of a computed trait's node; undefined for an aggregate (or a kind not registered). */
export function traitKindOf(node: TraitNode): TraitKind | undefined {
  return registry().get(node.type);
}

/**
 * Registers a kind besides the built-in ones (a test's, or an extension's before definitions are
 * read); returns what unregisters it. A name taken is refused.
 */
export function registerTraitKind<N extends TraitNode>(kind: TraitKind<N>): () => void {
  const map = registry();
  if (TAKEN.has(kind.name) || map.has(kind.name))
    throw new Error(`computed-trait kind ${kind.name} is registered already`);
  map.set(kind.name, kind);
  return () => {
    map.delete(kind.name);
  };
}

/** Whether a kind's `summarize` answered with steps to run rather than the population. */
export function isPopulationSteps(
  made: TraitPopulation | Generator<void, TraitPopulation>,
): made is Generator<void, TraitPopulation> {
  return typeof (made as Partial<Generator>).next === 'function';
}
