export * from './experiments.schema.js';
export { analyzeExperiment } from './analyze-experiment.js';
export { checkSampleRatio } from './check-sample-ratio.js';
export {
  assignVariant,
  hashToUnit,
  layerBucket,
  type AssignableExperiment,
  type Assignment,
} from './assign-variant.js';
