export * from './decide.schema.js';
export {
  chooseItem,
  type ChoiceInput,
  type CompiledItem,
  type CompiledPlacement,
} from './choose-item.js';
export { exposureCounter } from './exposure-counter.js';
export { seededRandom } from './seeded-random.js';
export { MAX_DECIDE_PLACEMENTS } from './decide-limits.js';
export {
  BUILTIN_SCORERS,
  computedTraitScorer,
  scorerRegistry,
  type ItemScore,
  type Scorer,
  type ScorerKind,
  type ScorerRegistry,
} from './scorer.js';
