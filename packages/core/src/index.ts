/**
 * The whole public surface of @tailor/core: exactly the names the server, the SDK, the benchmarks
 * and the scripts import. Everything else is core's own; when another package needs a name, add it
 * here, in its group. (`@tailor/core/decide-limits` is a separate entry the SDK bundles alone.)
 */

// Result and errors: expected outcomes as values, one error catalogue with its HTTP statuses.
export { ok, err } from './result/result.js';
export type { Result } from './result/result.js';
export { TailorError, ERROR_STATUS } from './errors/tailor-error.js';
export type { ErrorCode } from './errors/tailor-error.js';

// Events: the message schemas, accepting (validating, normalizing) a message, tracking plans.
export {
  BatchRequest,
  CollectResponse,
  MESSAGE_SCHEMAS,
  MESSAGE_TYPES,
  DECIDE_SOURCE,
  EXPERIMENTS_SOURCE,
} from './events/events.schema.js';
export type { MessageType, Rejection, StoredMessage } from './events/events.schema.js';
export { acceptMessage } from './events/accept-message.js';
export { MAX_FUTURE_MS } from './events/normalize-message.js';
export { findNonFinite, NON_FINITE_REASON } from './events/find-non-finite.js';
export { formatTimestamp, parseTimestamp } from './events/normalize-timestamp.js';
export { normalizePhone } from './events/normalize-phone.js';
export type { CountryCode } from './events/normalize-phone.js';
export {
  TrackingPlan,
  TrackingPlanBody,
  Violation,
  TRAITS_TARGET,
  eventTarget,
} from './events/tracking-plan.schema.js';
export { compileTrackingPlan } from './events/check-tracking-plan.js';
export type { CompiledPlan, CompiledPlans, PlanViolation } from './events/check-tracking-plan.js';

// Identity: identifier rules and their extraction, and record matching for `tailor match`.
export {
  IdentifierRule,
  DEFAULT_IDENTITY_RULES,
  checkIdentityRules,
} from './identity/identity.schema.js';
export type { IdentifierRef, IdentityRules } from './identity/identity.schema.js';
export { extractIdentifiers, parseIdentifier } from './identity/extract-identifiers.js';
export { MatchConfig } from './identity/matching/matching.schema.js';
export type { MatchRecord, MatchResult } from './identity/matching/matching.schema.js';
export { inferMatchConfig } from './identity/matching/infer-config.js';
export { matchRecords } from './identity/matching/match-records.js';

// Profiles: the identity graph and folding events into profiles, traits and derived state.
export { Profile, MergeRecord, TraitPolicy } from './profiles/profiles.schema.js';
export type { Provenance, TraitMap } from './profiles/profiles.schema.js';
export { ProfileGraph, identityKey } from './profiles/profile-graph.js';
export { announcementOf } from './profiles/announcement-of.js';
export type {
  AnnouncedChange,
  ConflictRecord,
  GraphChanges,
  GraphSnapshot,
  ProfileState,
} from './profiles/profile-graph.js';
export { foldEvents } from './profiles/fold-events.js';
export { sourceRanker, traitValues } from './profiles/apply-traits.js';
export {
  derivedEvent,
  rebuildDerived,
  refreshDue,
  refreshScores,
} from './profiles/fold-derived.js';

// Segments: the definition language (parse, read, compile), evaluation, derived-state updates.
export { DURATION_MS, durationMs } from './segments/segments.schema.js';
export type {
  AggregateNode,
  ComputedNode,
  Condition,
  DefinitionError,
} from './segments/segments.schema.js';
export { parseCondition } from './segments/parse-definition.js';
export {
  readComputed,
  readCondition,
  referencesOf,
  checkReferences,
} from './segments/read-definition.js';
export type { References } from './segments/read-definition.js';
export { walkCondition } from './segments/walk-condition.js';
export { compileDefinitions, aggregateKey } from './segments/compile-definitions.js';
export type { CompiledDefinitions } from './segments/compile-definitions.js';
export { evaluateCondition } from './segments/evaluate-condition.js';
export { compileUnsaved, holdsAnew } from './segments/evaluate-anew.js';
export { estimateShare } from './segments/estimate-share.js';
export type { ShareEstimate } from './segments/estimate-share.js';
export type { PersonNow, UnsavedCondition } from './segments/evaluate-anew.js';
export { compileCondition, type CompiledCondition } from './segments/compile-condition.js';
export type { EvaluationScope } from './segments/evaluate-condition.js';
export { emptyDerivedState, feedEvent, refreshDerived } from './segments/update-derived.js';
export type { DerivedState } from './segments/update-derived.js';

// Traits: computed-trait kinds and their windowed aggregates.
export { isPopulationSteps, registerTraitKind, traitKindOf } from './traits/trait-kind.js';
export { DEFAULT_STAGES, STAGE_CHANGED_EVENT } from './traits/stage-trait.js';
export { initialAggregateState, aggregateValue } from './traits/aggregate-state.js';
export type { AggregateState } from './traits/aggregate-state.js';
export type { RfmPopulation } from './traits/builtin-traits.js';
export type { TraitKind, TraitNode, TraitPopulation } from './traits/trait-kind.js';

// Decide: placements, choosing an item for a person, scorers, exposure counting.
export { PlacementBody, PlacementOptimize, Decision } from './decide/decide.schema.js';
export type { ArmCounts, Choice, ConversionMetric, RandomSource } from './decide/decide.schema.js';
export { chooseItem } from './decide/choose-item.js';
export type { ChoiceInput, CompiledItem, CompiledPlacement } from './decide/choose-item.js';
export { scorerRegistry, BUILTIN_SCORERS } from './decide/scorer.js';
export type { ScorerKind, ScorerRegistry } from './decide/scorer.js';
export { exposureCounter } from './decide/exposure-counter.js';
export { MAX_DECIDE_PLACEMENTS } from './decide/decide-limits.js';
export { decisionEventsOf, decisionMessageId, decisionRecord } from './decide/decision-record.js';
export type { DecisionRecord, RecordedDecision } from './decide/decision-record.js';

// Experiments: assigning variants and analyzing results.
export { ExperimentResult } from './experiments/experiments.schema.js';
export type {
  ExperimentMetric,
  MetricData,
  MetricResult,
  OmnibusResult,
  RatioSums,
  VariantSummary,
} from './experiments/experiments.schema.js';
export { assignVariant, hashToUnit, layerBucket } from './experiments/assign-variant.js';
export type { AssignableExperiment } from './experiments/assign-variant.js';
export {
  CELL_SEPARATOR,
  LEVEL_SEPARATOR,
  cellId,
  factorialCells,
} from './experiments/factorial-cells.js';
export type { Factor, FactorialCell } from './experiments/factorial-cells.js';
export { designResolution, fractionalDesign } from './experiments/fractional-design.js';
export { analyzeExperiment } from './experiments/analyze-experiment.js';
export { analyzeFactorial } from './experiments/analyze-factorial.js';
export { FactorialResult } from './experiments/factorial.schema.js';
export type {
  FactorialMetricResult,
  LevelEffectResult,
  TermTestResult,
} from './experiments/factorial.schema.js';

// Models: customer lifetime value (BG/NBD purchases, Gamma-Gamma spend) for `tailor clv`.
export type { Transaction } from './models/models.schema.js';
export { estimateLifetimeValue } from './models/estimate-lifetime-value.js';
export type { CustomerValue, LifetimeValueEstimate } from './models/estimate-lifetime-value.js';

// Clusters: k-means (Lloyd's from k-means++ starts, mini-batch), silhouette, automatic k, for `tailor cluster`.
export { SCALES } from './clusters/clusters.schema.js';
export type {
  FeatureMatrix,
  KMeansAlgorithm,
  KMeansFit,
  Scale,
} from './clusters/clusters.schema.js';
export { clusterFeatures, DEFAULT_K_RANGE } from './clusters/cluster-features.js';
export { chooseScale } from './clusters/prepare-features.js';
export type { ClusterOptions, Clustering, KCandidate } from './clusters/cluster-features.js';
export {
  betterStart,
  fitKMeans,
  fitKMeansStarts,
  KMeansStartRunner,
} from './clusters/fit-kmeans.js';
export type {
  KMeansOptions,
  KMeansStartFit,
  KMeansStartsJob,
  KMeansThreads,
} from './clusters/fit-kmeans.js';
export { fitMiniBatchKMeans } from './clusters/fit-mini-batch-kmeans.js';
export { silhouetteScore } from './clusters/silhouette-score.js';
export { seededRandom } from './clusters/seeded-random.js';
export { describePersonas } from './clusters/describe-personas.js';
// Gaussian mixtures, Ward's hierarchical clustering and DBSCAN (ClusterOptions.method).
export { CLUSTER_METHODS } from './clusters/clusters.schema.js';
export type { ClusterMethod } from './clusters/clusters.schema.js';
export { fitWard, wardMerges, WARD_MAX_ROWS } from './clusters/fit-ward.js';
export type { WardFit, WardMerge } from './clusters/fit-ward.js';
export { fitDbscan } from './clusters/fit-dbscan.js';
export type { DbscanFit, DbscanOptions } from './clusters/fit-dbscan.js';
export { fitGaussianMixture } from './clusters/fit-gaussian-mixture.js';
export { matchClusters } from './clusters/match-clusters.js';
export type {
  GaussianMixtureFit,
  GaussianMixtureOptions,
} from './clusters/fit-gaussian-mixture.js';
export type { Persona, PersonaTrait, PersonaOptions } from './clusters/describe-personas.js';
// Clusterings of profiles (PUT /v1/clusterings/NAME) and `in_cluster(...)`: nearest-centre assignment.
export {
  ClusterInfo,
  ClusterModel,
  ClusteringBody,
} from './clusters/clustering-definition.schema.js';
export {
  clusteringFeatures,
  featureValue,
  inClusterOf,
  nearestCluster,
} from './clusters/nearest-cluster.js';
export type {
  ClusterScope,
  ClusteringFeature,
  FeatureType,
  ModelColumn,
} from './clusters/nearest-cluster.js';
export { ClusteringTable, MAX_LEVELS } from './clusters/clustering-table.js';
export type { EncodedTable } from './clusters/clustering-table.js';
export { prepareFeatures } from './clusters/prepare-features.js';
export type { Preparation } from './clusters/prepare-features.js';
export { clusteringsOf } from './segments/compile-definitions.js';
export { clusterModel } from './clusters/cluster-model.js';
export type { ClusterModelInput } from './clusters/cluster-model.js';

// Recommendations: popularity, item-kNN and EASE on implicit feedback, for `tailor recommend`.
export {
  DEFAULT_METHOD,
  DEFAULT_RECOMMENDER_OPTIONS,
  RECOMMENDER_METHODS,
} from './recommend/recommend.schema.js';
export type {
  Interaction,
  InteractionMatrix,
  RankedItem,
  Recommender,
  RecommenderMethod,
  RecommenderOptions,
} from './recommend/recommend.schema.js';
export { buildInteractionMatrix } from './recommend/build-interaction-matrix.js';
export { addId, idAt, idTable, idTableBuffers, idsOf, indexOfId } from './recommend/id-table.js';
export type { IdList, IdTable } from './recommend/id-table.js';
export {
  fitParameters,
  recommendItems,
  recommenderFrom,
  trainRecommender,
} from './recommend/train-recommender.js';
export type {
  BlendSpec,
  FitInputs,
  FittedParameters,
  ListShaping,
} from './recommend/train-recommender.js';
export { BLEND_DEPTH, RRF_K, blendRecommender } from './recommend/fit-blend.js';
// Content-based similarity (TF-IDF, hashed to dense vectors) and its search.
export { tfidfVectors, tokenize } from './recommend/tfidf-vectors.js';
export {
  DEFAULT_CONTENT_DIMENSIONS,
  contentVectors,
  embedText,
} from './recommend/content-vectors.js';
export type { ContentVectors } from './recommend/content-vectors.js';
export { contentProfile, nearestVectors } from './recommend/nearest-vectors.js';
export type { Neighbour } from './recommend/nearest-vectors.js';
export { itemText } from './recommend/item-text.js';
export type { ItemContent } from './recommend/item-text.js';
export {
  CONTENT_CANDIDATES,
  contentRecommender,
  exactSearch,
  itemVectors,
} from './recommend/fit-content.js';
export type { VectorSearch } from './recommend/fit-content.js';
export { scoreBySegments, segmentPopularity } from './recommend/segment-popularity.js';
export type { PopularInSegment } from './recommend/segment-popularity.js';
export { applyBoosts, boostFactor } from './recommend/boost-factors.js';
export {
  evaluateBaskets,
  evaluateRecommender,
  splitByTime,
} from './recommend/evaluate-recommender.js';
export { buildBasketMatrix } from './recommend/build-basket-matrix.js';
export type {
  BasketEvaluation,
  HeldOutUser,
  RecommenderEvaluation,
  TimeSplit,
} from './recommend/evaluate-recommender.js';
// Recommenders served from the log (GET /v1/recommendations/NAME, decide's recommendations.NAME).
export {
  BlendPartBody,
  Boost,
  DEFAULT_RECOMMENDATIONS,
  DEFAULT_RECOMMENDER_EVENTS,
  HnswSettings,
  MAX_RECOMMENDATIONS,
  RecommendedItem,
  Recommendations,
  RecommenderBody,
  RecommenderModel,
  RecommenderTraining,
} from './recommend/recommender.schema.js';
export { interactionItems } from './recommend/interaction-items.js';
// The catalogue recommenders serve from (PUT /v1/catalog/items, e-commerce events).
export {
  CatalogItem,
  CatalogItemInput,
  CatalogItemsBody,
  MAX_CATALOG_BATCH,
} from './recommend/catalog-item.schema.js';
export { CATALOG_EVENTS, catalogFacts } from './recommend/catalog-facts.js';
export { mergeCatalogItem } from './recommend/merge-catalog-item.js';
export { applyServingRules } from './recommend/apply-serving-rules.js';
export type { ItemFacts, ServingRules } from './recommend/apply-serving-rules.js';

// Privacy: consent, PII policy and masking, and scrubbing a person's data on erasure.
export { DEFAULT_PURPOSES, emptyConsent } from './privacy/consent.schema.js';
export type { ConsentState } from './privacy/consent.schema.js';
export {
  consentRecord,
  consentValues,
  ownConsent,
  refusesAnalytics,
  anonymize,
} from './privacy/apply-consent.js';
export { PiiMode } from './privacy/pii.schema.js';
export { piiPolicy, withPersonalComputed, DEFAULT_PII_POLICY } from './privacy/pii-policy.js';
export type { PiiPolicy } from './privacy/pii-policy.js';
export {
  maskMessage,
  maskTraits,
  maskProfile,
  maskComputed,
  maskIdentifier,
  maskMergeRecord,
  maskLeaf,
  hashLeaf,
  MASKED,
} from './privacy/mask-pii.js';
export type { ReplaceLeaf } from './privacy/mask-pii.js';
export { scrubPersonalData } from './privacy/scrub-personal-data.js';

// Reports: conversion funnels.
export {
  FunnelRequest,
  FunnelResult,
  FUNNEL_ORDERS,
  DEFAULT_FUNNEL_WINDOW_DAYS,
  FUNNEL_BREAKDOWN_LIMIT,
  FunnelBreakdown,
  TOUCHES,
} from './reports/funnel.schema.js';
export type { FunnelOrder, Touch } from './reports/funnel.schema.js';
export { computeFunnel } from './reports/funnel.js';
export { computeFunnelColumns } from './reports/funnel-columns.js';
export type { FunnelColumns, PersonColumns } from './reports/funnel-columns.js';
export { breakdownFunnel } from './reports/funnel-breakdown.js';
export type { GroupedFunnelEvent } from './reports/funnel-breakdown.js';
export type { FunnelEvent, FunnelOptions } from './reports/funnel.js';

// Reports: retention cohorts.
export {
  RetentionRequest,
  RetentionResult,
  RETENTION_PERIODS,
  RETENTION_BREAKDOWN_LIMIT,
} from './reports/retention.schema.js';
export type { RetentionPeriod } from './reports/retention.schema.js';
export { computeRetention, periodStart, retentionResult } from './reports/retention.js';
export {
  computeRetentionColumns,
  RETENTION_RETURN,
  RETENTION_START,
} from './reports/retention-columns.js';
export type { RetentionColumns } from './reports/retention-columns.js';
export type { CohortTally, RetentionEvent, RetentionOptions } from './reports/retention.js';

// Reports: KPIs per segment or variant.
export {
  KpiRequest,
  KpiResult,
  KpiRow,
  PlacementClickThrough,
  DEFAULT_CLICK_EVENT,
  DEFAULT_CLICK_WITHIN_MINUTES,
} from './reports/kpis.schema.js';
export { computeKpis } from './reports/kpis.js';
export type { KpiDecision, KpiOptions, KpiPerson } from './reports/kpis.js';

// Reports: events over time and the top event names (the dashboard's overview).
export {
  ACTIVITY_WINDOWS,
  ActivityQuery,
  ActivityResult,
  type ActivityWindow,
} from './reports/activity.schema.js';
export { activityFrame, activityResult, ActivityTally } from './reports/activity.js';
export type { ActivityFrame } from './reports/activity.js';
// Reports: data quality per source and event.
export { QualityQuery, QualityResult, QualityRow } from './reports/quality.schema.js';
export { qualityReport, QualityTally } from './reports/quality.js';
export type { QualityMessage, QualityOptions } from './reports/quality.js';

// Reports: the channel grouping of touchpoints.
export { classifyChannel, CHANNELS, ruleChannel } from './reports/channels.js';
export type { ChannelInput } from './reports/channels.js';
export {
  ChannelRule,
  ChannelRules,
  ChannelRulesBody,
  ChannelRulesResult,
  MAX_CHANNEL_RULES,
} from './reports/channels.schema.js';

// Reports: multi-touch attribution (heuristic models and the first-order Markov removal effect).
export {
  ATTRIBUTION_MODELS,
  ATTRIBUTION_KEYS,
  AttributionRequest,
  AttributionResult,
  DEFAULT_HALF_LIFE_DAYS,
  DIRECT_KEY,
  OWN_TOUCHPOINTS,
} from './reports/attribution.schema.js';
export type {
  AttributionKey,
  AttributionModel,
  OwnTouchpoint,
  ModelResult,
} from './reports/attribution.schema.js';
export { attribute } from './reports/attribute.js';
export type { AttributeOptions } from './reports/attribute.js';
export { buildPaths } from './reports/build-paths.js';
export type { ConvertingPath, JourneyStep, Paths } from './reports/build-paths.js';
export { markovRemoval } from './reports/markov.js';

// Classifiers on tables: preparation chosen from the data, L2 logistic regression or
// gradient-boosted trees (TreeSHAP explanations), chosen by cross-validation.
export { planTable, applyPlan, binaryLabel } from './models/classify/prepare-table.js';
export type { ColumnPlan, TablePlan } from './models/classify/prepare-table.js';
export { fitLogistic, predictLogistic, sigmoid } from './models/classify/logistic-regression.js';
export type { LogisticModel } from './models/classify/logistic-regression.js';
export {
  rocAuc,
  brierScore,
  stratifiedFolds,
  trainClassifier,
  scoreRows,
  decisionValue,
  probabilityOf,
} from './models/classify/train-classifier.js';
export type {
  CalibrationReport,
  Classifier,
  ClassifierKind,
  LogisticClassifier,
  TreesClassifier,
  TrainingReport,
} from './models/classify/train-classifier.js';
export { fitBoostedTrees, boostedLogOdds } from './models/classify/boosted-trees.js';
export type {
  BoostedTree,
  BoostedTrees,
  BoostingOptions,
} from './models/classify/boosted-trees.js';
export { treeShap } from './models/classify/tree-shap.js';
export { applyPlatt, fitPlatt } from './models/classify/fit-platt.js';
export type { PlattScaling } from './models/classify/fit-platt.js';
export { explainRow } from './models/classify/explain-row.js';
export type { ExplainedRow } from './models/classify/explain-row.js';

// The model registry (docs/models.md): definitions, versions, features from the log.
export {
  ModelBody,
  MaturedCalibration,
  ModelDrift,
  ModelSchedule,
  ScheduledRun,
  ModelScore,
  ModelVersionInfo,
  ReliabilityBin,
  ScoreContribution,
} from './models/registry/model-definition.schema.js';
export { scorePerson, TOP_CONTRIBUTIONS } from './models/registry/score-person.js';
export type { ScoringVersion } from './models/registry/score-person.js';
export {
  featureDrift,
  featureReference,
  ksStatistic,
  REFERENCE_SAMPLE,
} from './models/registry/feature-drift.js';
export type { FeatureDrift, FeatureReference } from './models/registry/feature-drift.js';
export { fairnessReport } from './models/registry/fairness-report.js';
export type { FairnessReport, GroupRates } from './models/registry/fairness-report.js';
export { reliabilityTable } from './models/registry/reliability-table.js';
export { pointInTimeFeatures } from './models/point-in-time-features.js';
export {
  COMPUTED_FEATURE_PREFIX,
  computedFeatures,
  computedTraitPlan,
  computedTraitsAt,
  liveComputedTraits,
} from './models/computed-trait-features.js';
export type { ComputedTraitPlan, TraitFeedEvent } from './models/computed-trait-features.js';
export type {
  FeatureRow,
  FeatureTable,
  LabelSpec,
  TimedEvent,
} from './models/point-in-time-features.js';
