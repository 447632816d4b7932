export * from './segments.schema.js';
export { parseComputed, parseCondition, conditionFromTree } from './parse-definition.js';
export {
  printAggregate,
  printComputed,
  printCondition,
  printDuration,
} from './print-definition.js';
export {
  evaluateCondition,
  matchesPattern,
  readField,
  type EvaluationScope,
} from './evaluate-condition.js';
export {
  checkReferences,
  readComputed,
  readCondition,
  referencesOf,
  type References,
} from './read-definition.js';
export {
  compileDefinitions,
  aggregateKey,
  computedKey,
  sequenceKey,
  type CompiledDefinitions,
  type CompiledSegment,
  type SequenceNode,
} from './compile-definitions.js';
export {
  emptyDerivedState,
  eventMatters,
  feedEvent,
  refreshDerived,
  type DerivedChange,
  type DerivedEvent,
  type DerivedState,
} from './update-derived.js';
export { mergeSequenceStates, type SequenceState } from './sequence-state.js';
export { walkCondition } from './walk-condition.js';
