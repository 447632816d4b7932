export * from './matching.schema.js';
export { compareValues, fieldLevels, normalizeDate, LEVELS } from './compare-values.js';
export { phoneticCodes } from './phonetic-codes.js';
export { blockValue, candidatePairs, type CandidatePairs } from './block-records.js';
export {
  estimateModel,
  estimateU,
  matchWeight,
  posterior,
  type FellegiSunterModel,
  type Pattern,
} from './estimate-model.js';
export { inferMatchConfig } from './infer-config.js';
export { profileColumns, type ColumnProfile } from './profile-columns.js';
export { matchRecords, type MatchOptions } from './match-records.js';
