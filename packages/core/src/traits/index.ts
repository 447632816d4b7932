export {
  addToAggregate,
  aggregateValue,
  initialAggregateState,
  mergeAggregateStates,
  nextAggregateChange,
  pruneAggregate,
  MAX_DISTINCT,
  type AggregateState,
} from './aggregate-state.js';
