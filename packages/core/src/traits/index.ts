export {
  addToAggregate,
  aggregateValue,
  initialAggregateState,
  nextAggregateChange,
  pruneAggregate,
  MAX_DISTINCT,
  type AggregateState,
} from './aggregate-state.js';
