export {
  addToAggregate,
  aggregateValue,
  initialAggregateState,
  mergeAggregateStates,
  nextAggregateChange,
  pruneAggregate,
  MAX_DISTINCT,
  windowOf,
  type AggregateState,
} from './aggregate-state.js';
export {
  computedValue,
  quantileSorted,
  rfmPopulation,
  scoreHigherIsBetter,
  scoreLowerIsBetter,
  sameComputedValue,
  type ComputedValue,
  type RfmPopulation,
  type RfmValue,
} from './builtin-traits.js';
export {
  BUILTIN_TRAIT_KINDS,
  registerTraitKind,
  traitKindOf,
  type TraitEvent,
  type TraitKind,
  type TraitNode,
} from './trait-kind.js';
export { nextWindowExit } from './aggregate-state.js';
