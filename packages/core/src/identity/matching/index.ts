export * from './matching.schema.js';
export { compareValues, LEVELS } from './compare-values.js';
export { blockValue, candidatePairs } from './block-records.js';
export { estimateModel, estimateU, matchWeight, posterior, type FellegiSunterModel, type Pattern } from './estimate-model.js';
export { inferMatchConfig, profileColumns, type ColumnProfile } from './infer-config.js';
export { matchRecords, type MatchOptions } from './match-records.js';
