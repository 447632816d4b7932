export * from './segments.schema.js';
export { parseAggregate, parseCondition, conditionFromTree } from './parse-definition.js';
export { printAggregate, printCondition, printDuration } from './print-definition.js';
export { evaluateCondition, matchesPattern, readField, type EvaluationScope } from './evaluate-condition.js';
export { checkReferences, readAggregate, readCondition, referencesOf, type References } from './read-definition.js';
