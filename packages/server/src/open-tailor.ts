import { SegmentSizeJob } from './segments/segment-size-job.js';
import {
  consentValues,
  decisionRecord,
  formatTimestamp,
  maskComputed,
  withPersonalComputed,
  type CompiledDefinitions,
  type ComputedNode,
  type PiiPolicy,
  type CountryCode,
  type IdentifierRef,
  type StoredMessage,
} from '@tailor/core';
import { Collector } from './collect/collector.js';
import type { SourceStore } from './sources/source-store.js';
import type { ChannelRuleStore } from './reports/channel-rule-store.js';
import { SourceService } from './sources/source-service.js';
import {
  scheduledSourceSyncs,
  SOURCE_SCHEDULE_CHECK_MS,
} from './sources/scheduled-source-syncs.js';
import { TrackingPlans } from './collect/tracking-plans.js';
import type { Config } from './config/config.schema.js';
import { KeyRegistry } from './keys/key-registry.js';
import type { EventLog } from './log/event-log.js';
import { openSealer } from './privacy/open-sealer.js';
import { makeDataFolder } from './privacy/private-files.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { Definitions } from './segments/definitions.js';
import { Dispatcher } from './destinations/dispatcher.js';
import { ChannelRegistry } from './destinations/channel.js';
import { WebhookChannel } from './destinations/channels/webhook-channel.js';
import { eraseFromWarehouses } from './destinations/warehouse/erase-from-warehouses.js';
import { WarehouseChannel } from './destinations/warehouse/warehouse-channel.js';
import { failureDetail } from './destinations/delivery-failure.js';
import type { DestinationStore } from './destinations/destination-store.js';
import { ProfilePipeline, type PipelineOptions } from './pipeline/profile-pipeline.js';
import { BackgroundLoop } from './pipeline/background-loop.js';
import { ScaleOutBackground } from './background/scale-out-background.js';
import type { ProfileStore } from './store/profile-store.js';
import type { AuditLog } from './store/audit-log.js';
import type { NewAuditEntry } from './audit/audit.schema.js';
import type { StateStore } from './store/state-store.js';
import { InlineBackground, type Background } from './background/background.js';
import { createLiquid } from './decide/create-liquid.js';
import { RenderMemo } from './decide/render-memo.js';
import { Decider } from './decide/decider.js';
import { publicAudience, readerAudience, type Audience } from './decide/audiences.js';
import { IdentityVerifier } from './decide/identity-verifier.js';
import { PersonCache } from './decide/person-cache.js';
import { Placements } from './decide/placements.js';
import { BanditArms } from './decide/bandit-arms.js';
import { BanditStage } from './decide/bandit-stage.js';
import { piiReplacer } from './privacy/pii-replacer.js';
import { requestErasure } from './privacy/request-erasure.js';
import { Suppressions } from './privacy/suppressions.js';
import { profileNamed } from './profiles/read-profile.js';
import { Experiments } from './experiments/experiments.js';
import { DECISION_EVENT, DecisionRetention } from './decide/decision-retention.js';
import { BackgroundThread } from './background/background-thread.js';
import { ErasureCoordinator } from './privacy/erasure-coordinator.js';
import { logError } from './privacy/log-error.js';
import { openReportProjection } from './reports/projection/open-report-projection.js';
import type { ReportProjection } from './reports/projection/report-projection.js';
import { ProjectionFeed, type FoldedRows } from './reports/projection/projection-feed.js';
import { experimentKeys } from './experiments/experiment-rows.js';
import { openStorage } from './storage/open-storage.js';
import { ClusterChanges } from './scale-out/cluster-changes.js';
import { indexingConsumers } from './profiles/events-of-identifier.js';
import { installationSecrets, type InstallationSecrets } from './privacy/installation-secrets.js';
import { openJourneys, type Journeys } from './journeys/open-journeys.js';
import type { Fitter } from './recommend/fit-recommender.js';
import { defaultSearchThread, type SearchThread } from './recommend/search-thread.js';
import { Recommenders } from './recommend/recommenders.js';
import { CatalogService } from './catalog/catalog-service.js';
import { ModelService } from './models/model-service.js';
import { ModelScheduleJob } from './models/model-schedule.js';
import { ModelScoringJob } from './models/model-scoring.js';
import { ClusterModels } from './clusters/cluster-models.js';
import { ClusteringService } from './clusters/clustering-service.js';

/** Everything a running Tailor holds: the adapters and the services built on them. */
export interface Tailor {
  config: Readonly<Config>;
  log: EventLog;
  /** The columnar projection of the log funnels and retention read; undefined on several nodes. */
  projection: ReportProjection | undefined;
  store: StateStore;
  keys: KeyRegistry;
  /** Who read or changed personal data and definitions. */
  audit: AuditLog;
  plans: TrackingPlans;
  /** Which fields are personal: the tracking plans' marks and the default names, and the computed traits that carry personal values. */
  pii: () => PiiPolicy;
  /** Segments and computed traits, in the segment language. */
  definitions: Definitions;
  collector: Collector;
  metrics: Metrics;
  profiles: ProfileStore;
  /** The pipelines' consumers, which keep the index of events by identifier (`eventsOfIdentifier`). */
  indexingConsumers: readonly string[];
  /** Folds the log into identities and profiles on this thread; commands and tests catch up with it. */
  pipeline: ProfilePipeline;
  destinations: DestinationStore;
  /** Delivers matching events to webhooks on this thread; tests drain it. */
  dispatcher: Dispatcher;
  /** The pipeline and the dispatcher running continuously, here or on a worker thread; `serve` starts it. */
  background: Background;
  placements: Placements;
  /** The counts of placements that optimize (Thompson sampling), in memory for the decider. */
  bandits: BanditArms;
  /** Experiments: definitions, sticky assignment (recorded as exposures), results. */
  experiments: Experiments;
  /** Erased people, as keyed hashes: their messages are dropped at collection. */
  suppressions: Suppressions;
  /** Real-time decisions from memory: compiled placements and the people in use. */
  decider: Decider;
  /** Checks `userHash` (identity verification) for decisions asked with the write key. */
  identity: IdentityVerifier;
  /** What templates see for the public write key (personal traits only where listed) and for readers' previews (masked). */
  audiences: { public: Audience; reader: Audience };
  people: PersonCache;
  /** Recommender definitions and the models trained from the log, in memory (docs/recommendations.md). */
  recommenders: Recommenders;
  /** The item catalogue: the catalog API's items and what e-commerce events say (docs/recommendations.md). */
  catalog: CatalogService;
  /** The model registry: churn and propensity models trained from the log (docs/models.md). */
  models: ModelService;
  /** Clusterings of profiles: definitions, training, personas (docs/clusters.md). */
  clusterings: ClusteringService;
  /** The trained clusterings `in_cluster(...)` reads on this thread. */
  clusterModels: ClusterModels;
  /** Database sources and where their syncs stand. */
  sources: SourceStore;
  /** The channel rules attribution and the reports apply. */
  channelRules: ChannelRuleStore;
  /** Syncs them: on request, and the scheduled ones with the journeys (one node at a time). */
  sourceSyncs: SourceService;
  /**
   * Journeys: their loop runs with the background work (on several nodes, on the one holding the
   * upkeep lease); the store is `journeys.db` or PostgreSQL.
   */
  journeys: Journeys;
  /** Commits the `Decision Made` events gathered so far now (they are otherwise committed on the next turn). */
  flushDecisions(): void;
  /** Keys, definitions, placements, plans, experiments or suppressions changed here: other nodes read them again. */
  settingsChanged(): void;
  /**
   * Placements, tracking plans, suppressions or destinations changed here (segments and computed
   * traits tell `definitions` themselves): what compiles them is read again, folds everywhere read
   * the definitions again before the next batch (placement caps are among them), and the background
   * (a worker thread) is told. Other nodes hear of it through `settingsChanged`.
   */
  changed(what: 'placements' | 'plans' | 'suppressions' | 'destinations'): Promise<void>;
  /** Deletes decision records past their retention now (also done at start and hourly); how many. */
  pruneDecisions(): Promise<number>;
  now: () => number;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * Where `background` runs: on this thread (the default), or on a worker thread with its own
   * connections (`serve`; needs the built worker file, so not from the TypeScript sources).
   */
  backgroundThread?: boolean;
  /** Told of each batch the pipeline folds on this thread (a worker reports it to the request thread). */
  onPipelineBatch?: (events: number, lagSeconds: number) => void;
  /** How the pipeline appends its own events; to this thread's log by default (a worker sends them to the request thread). */
  append?: (messages: readonly StoredMessage[]) => Promise<boolean[]>;
  /** This is `serve`'s worker thread: the request thread of its process follows the other nodes. */
  worker?: boolean;
  /** Leave checkpoints to `tailor serve`'s checkpointer thread (no connection here runs one). */
  externalCheckpoints?: boolean;
  /** Told when the pipeline on this thread suppressed more identifiers (a worker reports it to the request thread). */
  onSuppressed?: () => void;
  /** Told which profiles and identifiers the pipeline on this thread changed (a worker reports them to the request thread). */
  onProfilesChanged?: (profiles: string[], identifiers: IdentifierRef[]) => void;
  /** Told the rows of each batch the pipeline on this thread folds, for the reports projection (a worker sends them to the request thread). */
  onProjected?: (rows: FoldedRows) => void;
  /** Where recommenders' fits run (default: the built fit worker, else this thread). */
  recommenderFit?: Fitter;
  /**
   * Where large content models' HNSW indexes are searched (default: the built search worker's
   * thread, else this thread; null: this thread).
   */
  recommenderSearch?: SearchThread | null;
}

/** Opens the stores the config chooses (the data folder is created 0700 if missing) and wires the services. */
export async function openTailor(
  config: Readonly<Config>,
  now: () => number = Date.now,
  options: OpenOptions = {},
): Promise<Tailor> {
  makeDataFolder(config.dataDir); // `serve` warns when it is open to others
  const sealer = openSealer(config);
  const storage = await openStorage(config, sealer, {
    autoCheckpoint: !(options.externalCheckpoints === true || options.backgroundThread === true),
  });
  const { log, state: store, audit, profiles, destinations, records: exposureLog } = storage;
  const nats = config.storage.nats;
  const cluster =
    storage.kind === 'scale-out' && nats !== undefined
      ? await ClusterChanges.open(nats.url, nats.prefix)
      : undefined;
  // Nodes on PostgreSQL share secrets the embedded store keeps in its folder.
  const secrets: InstallationSecrets =
    storage.kind === 'scale-out'
      ? installationSecrets(config)
      : {
          suppressionKey: config.privacy.suppressionKey,
          identitySecret: config.decide.identitySecret,
        };
  const banditStore = storage.bandits;
  const keys = await KeyRegistry.open(store.keys, config.keys.rateLimits);
  const pruneAudit = (): void => {
    void audit.prune(now() - config.audit.retentionDays * 86_400_000);
  };
  pruneAudit();
  const auditTimer = setInterval(pruneAudit, 86_400_000);
  auditTimer.unref();
  const plans = await TrackingPlans.open(store.trackingPlans, config.identity.identifiers);
  const liquid = createLiquid();
  const placements = await Placements.open(store.placements, liquid);
  const bandits = new BanditArms({
    store: banditStore,
    personKey: (type, value) => sealer.blind(type, value),
    now,
  });
  await bandits.refresh();
  const refreshBandits = (): void => {
    bandits.refresh().catch((error: unknown) => {
      logError('reading bandit counts failed', error);
    });
  };
  // A changed definition re-evaluates every profile from its events (the pipeline runs it between batches).
  // Placement caps add the exposure counts the pipeline must keep, where decide does not count
  // them itself (SQLite: from its records, docs/decide.md).
  const readsExposures = exposureLog.decisionsOf?.bind(exposureLog);
  const definitions = await Definitions.open(
    store.definitions,
    async (names) => {
      // Folds from now on read them first; those under the old ones commit before the backfill.
      await profiles.definitions.changed();
      const { profiles: total } = await profiles.stats();
      await profiles.backfills.start(names, total, new Date(now()).toISOString());
      background.definitionsChanged(); // called on later changes only, once the background below exists
    },
    () => (readsExposures === undefined ? placements.capCounters() : Promise.resolve([])),
    // Deletions only: models and experiments are opened by then.
    async (kind, name) => [
      ...placements.readersOf(kind, name),
      ...experiments.readersOf(kind, name),
      ...(kind === 'computed' ? await models.readersOf(name) : []),
    ],
  );
  const pii = personalData(plans, definitions);
  // On several nodes the others announce changed people by blind index (docs/scale-out.md).
  const people = new PersonCache(
    profiles,
    config.decide.cacheProfiles,
    cluster === undefined ? undefined : (type, value) => sealer.blind(type, value),
  );
  const suppressions = await Suppressions.open(
    config.dataDir,
    profiles.suppressions,
    config.identity.identifiers,
    secrets.suppressionKey,
  );
  // The catalog API is served only once recommenders is opened, so the hook never runs before.
  const catalog = new CatalogService(storage.catalog, now, (items) => {
    recommenders.catalogChanged(items);
  });
  // Trained and served on the request thread (serve's worker thread only folds), a step at a time.
  const recommenders = await Recommenders.open({
    store: storage.recommenders,
    training: {
      log,
      profiles,
      suppressed: (message) => suppressions.drops(message),
      now,
      ...(options.recommenderFit !== undefined && { fit: options.recommenderFit }),
      searchThread:
        options.worker === true
          ? undefined
          : options.recommenderSearch === undefined
            ? defaultSearchThread((message, error) => {
                logError(message, error);
              })
            : (options.recommenderSearch ?? undefined),
      learnCatalog: (facts) => catalog.learn(facts),
      catalogOf: (ids) => storage.catalog.getMany(ids),
      catalogPage: (after, limit) =>
        storage.catalog.list({ ...(after !== undefined && { after }), limit }),
    },
    retrainMs: config.recommendations.retrainMinutes * 60_000,
    serves: options.worker !== true,
    pause: () => new Promise((resolve) => setImmediate(resolve)),
    onError: (message, error) => {
      logError(message, error);
    },
  });
  const models = new ModelService({
    store: storage.models,
    training: {
      log,
      profiles,
      suppressed: (message) => suppressions.drops(message),
      now,
      purpose: config.models.purpose,
      computedTraits: async () =>
        (await definitions.list('computed')).map((d) => ({
          name: d.name,
          tree: d.tree as ComputedNode,
        })),
    },
    now,
    // Drift and fairness alerts go to the log, and from there to destinations (from serve's
    // worker thread, where scheduled work runs, through the request thread as its other events).
    announce: async (messages) => {
      if (options.append !== undefined) {
        await options.append(messages);
        return;
      }
      await log.append(messages);
      background.wake();
      cluster?.appended();
    },
  });
  // Read by in_cluster(...) in segments (the pipeline), decide rules, audiences and journeys.
  const clusterModels = await ClusterModels.open(storage.clusterings);
  const withClusterings = (plan: CompiledDefinitions | undefined) => {
    if (plan !== undefined) plan.clusterings = clusterModels.current;
    return plan;
  };
  const foldConsumers = indexingConsumers(storage.cluster?.partitions);
  /** Where each partition is folded to: one consumer folds every partition, or consumer `p` partition `p`. */
  const foldedTo = async (): Promise<(partition: number) => number> => {
    const positions = await Promise.all(foldConsumers.map((c) => profiles.position(c)));
    return (p) => positions[positions.length === 1 ? 0 : p] ?? 0;
  };
  /** Folded everywhere up to there: the lowest position of a partition with events past it. */
  const foldedEverywhere = async (): Promise<number> => {
    const at = await foldedTo();
    const { lastPosition } = await log.stats();
    if (foldConsumers.length === 1) {
      // One consumer folds every partition: one event past it says where, without counting a
      // backlog that may be long.
      const past = await log.read(at(0), 1);
      return past.length === 0 ? lastPosition : at(0);
    }
    // Which partitions are behind, not by how much: counting would cost a consumer per partition.
    const partitions = await log.partitionsPast(at);
    return Math.min(lastPosition, ...partitions.map(at));
  };
  // Experiment results key people in the projection by a digest of their blind index.
  const experimentKey = experimentKeys((type, value) => sealer.blind(type, value));
  // The columnar projection funnels and retention scan: kept by the process that serves reports
  // on the embedded store (on several nodes reports read the log).
  const reports =
    storage.cluster === undefined && options.worker !== true
      ? await openReportProjection(config.dataDir, {
          log,
          profiles,
          folded: foldedEverywhere,
          // Decision records leave it as they leave the log.
          retention: { event: DECISION_EVENT, days: config.decide.recordRetentionDays, now },
          indexMaxEvents: config.reports.indexMaxEvents,
          experimentKey,
          sealer,
        })
      : undefined;
  const projectRows = (rows: FoldedRows): void => {
    reports?.projection.receive(rows).catch((error: unknown) => {
      logError('adding folded events to the reports projection failed; it reads them later', error);
    });
  };
  // The pipeline hands the projection what it folded, resolved as it folded it, so the request
  // thread does not read and decrypt the log a second time to keep the projection current.
  const projectionFeed =
    storage.cluster === undefined && (options.onProjected !== undefined || reports !== undefined)
      ? new ProjectionFeed({ profiles, send: options.onProjected ?? projectRows, experimentKey })
      : undefined;
  const identity = IdentityVerifier.open(config.dataDir, secrets.identitySecret);
  const journeys = await openJourneys({
    clusterings: () => clusterModels.current,
    config,
    log,
    profiles,
    engine: liquid,
    now,
    folded: foldedEverywhere,
    pg: storage.cluster?.db,
    linkSecret: identity.secret,
    destinations,
    pii,
    // Opened further down (its exposures go through the background this needs): read when a split runs.
    experiments: () => experiments,
    members: (segment, after, limit) => profiles.members(segment, after, limit),
    suppressions,
  });
  // /metrics is public: however often it is scraped, the lag (a query per partition consumer, a
  // request per partition to the stream) is counted at most once every 5 s and shared meanwhile.
  let behind: { at: number; events: Promise<number> } | undefined;
  const metrics = createMetrics(
    log,
    {
      behind: () => {
        if (behind === undefined || Date.now() - behind.at >= 5000) {
          const events = foldedTo()
            .then((at) => log.behind(at))
            .then((b) => b.events);
          events.catch(() => {
            behind = undefined; // counted again on the next scrape
          });
          behind = { at: Date.now(), events };
        }
        return behind.events;
      },
    },
    recommenders,
  );
  const countBatch = (events: number, lagSeconds: number): void => {
    metrics.pipelineEvents.inc(events);
    metrics.pipelineLag.observe(lagSeconds);
  };
  const banditStage = new BanditStage({
    log,
    store: banditStore,
    personKey: (type, value) => sealer.blind(type, value),
    metrics: () => placements.banditMetrics(),
    onCounted: refreshBandits,
  });
  // Warehouse destinations: loaded by the dispatcher, their rows erased with the person.
  const warehouse = new WarehouseChannel({
    allowInternal: config.destinations.allowInternal,
    timeoutMs: config.destinations.timeoutMs,
    currentValues: async (userId, destination) => {
      const profile = await profiles.byIdentifier({ type: 'userId', value: userId });
      const purpose = destination.purpose ?? 'analytics';
      if (profile === undefined || consentValues(profile.consent)[purpose] === false)
        return undefined;
      // Computed traits carrying personal values, as the destination's `pii` mode says (mask by default).
      const replace = piiReplacer(destination.pii ?? 'mask');
      const computed =
        replace === undefined ? profile.computed : maskComputed(profile.computed, pii(), replace);
      const values: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(computed)) values[`computed_${name}`] = value;
      for (const [model, { score }] of Object.entries(profile.scores))
        values[`score_${model}`] = score;
      return values;
    },
  });
  const pipelineOptions: PipelineOptions = {
    log,
    store: profiles,
    rules: config.identity.identifiers,
    policy: config.profiles,
    now,
    definitions: () => withClusterings(definitions.compiled),
    // Placements first: their caps are among the aggregates the definitions compile.
    reloadDefinitions: async () => {
      await placements.reload();
      await definitions.reload();
      await clusterModels.reload();
      await suppressions.reload(); // an erasure moves the generation once its suppressions are stored
    },
    populationRefreshMs: config.computedTraits.rfmRefreshMinutes * 60_000,
    purposes: config.privacy.purposes,
    suppressed: (message) => suppressions.drops(message),
    stages: projectionFeed === undefined ? [banditStage] : [banditStage, projectionFeed],
    // Registry models' scores on profiles, kept current by the upkeep (docs/models.md).
    upkeepJobs: (pipeline) => [
      // Segment sizes over time: a count an hour and after each change (docs/segments.md).
      new SegmentSizeJob({
        sizes: profiles.segmentSizes,
        backfills: profiles.backfills,
        segments: () => storage.state.definitions.list('segment'),
        now,
        checkMs: 10_000,
      }),
      new ModelScoringJob({
        models: storage.models,
        profiles,
        log,
        folded: foldedTo,
        plan: pipeline.plan,
        changed: pipeline.changed,
        now,
        rescoreMs: config.models.rescoreHours * 3_600_000,
        checkMs: config.models.registryCheckSeconds * 1000,
        purpose: config.models.purpose,
      }),
      // Scheduled trainings and drift measurements: with the upkeep, so on one node at a time.
      new ModelScheduleJob({
        models,
        state: storage.models,
        now,
        checkMs: config.models.scheduleCheckSeconds * 1000,
        onError: (message, error) => {
          logError(message, error);
        },
        onInfo: (msg) => {
          if (['info', 'debug', 'trace'].includes(config.logLevel))
            console.error(JSON.stringify({ level: 'info', msg }));
        },
      }),
    ],
    // Every store that holds data about people beside the profile store, asked in this order.
    erasures: new ErasureCoordinator(
      [
        { name: 'the log', erase: (person) => log.erase(person.positions) },
        {
          // Another thread suppressed the person when the erasure was asked; identifiers linked
          // to them since are suppressed now too, so nothing after the erasure brings them back.
          name: 'the suppression list',
          erase: async ({ identifiers }) => {
            await suppressions.reload();
            const linkedSince = identifiers.filter((i) => !suppressions.has(i));
            if (linkedSince.length > 0) {
              await suppressions.add(linkedSince, formatTimestamp(now()));
              options.onSuppressed?.();
            }
          },
        },
        { name: 'webhook deliveries', erase: (person) => destinations.erase(person) },
        {
          name: 'warehouse tables',
          erase: (person) => eraseFromWarehouses(destinations, warehouse, person),
        },
        { name: 'bandit counts', erase: (person) => banditStage.erase(person.identifiers) },
        {
          // Models learnt from everyone: trained again, without the person's events (on the
          // request thread, retrained when the erasure was asked; here when it is carried out).
          name: 'recommenders',
          erase: () => {
            recommenders.retrainAll();
            return Promise.resolve();
          },
        },
        journeys.erasureOwner,
        {
          name: 'cluster assignments',
          erase: ({ profiles: ids }) => storage.clusterings.erase(ids),
        },
        {
          name: 'the audit log',
          erase: ({ profileId, requestedBy }) => {
            audit.record(erasureCompleted(profileId, requestedBy, now()));
            return Promise.resolve();
          },
        },
      ],
      profiles,
    ),
    ...(options.append && { append: options.append }),
    onChanged: (changed, identifiers) => {
      if (options.onProfilesChanged) options.onProfilesChanged(changed, identifiers);
      else people.invalidate(changed, identifiers);
      reports?.projection.changed(changed, identifiers);
      projectionFeed?.changed(changed, identifiers);
      // Other nodes keep these people in their caches too.
      cluster?.announce({
        kind: 'profiles',
        profiles: changed,
        identifiers: identifiers.map(({ type, value }) => ({
          type,
          blind: sealer.blind(type, value),
        })),
      });
    },
    onAppended: () => {
      dispatcher.wake();
    },
    onBatch: options.onPipelineBatch ?? countBatch,
    onError: (error) => {
      logError('pipeline batch failed; retrying', error);
    },
  };
  // On several nodes no pipeline folds the whole log under one name: each node's background folds
  // the partitions it holds; this one does only the upkeep (commands and tests catch up with it).
  const upkeepOnly = (): ProfilePipeline =>
    new ProfilePipeline({ ...pipelineOptions, work: { fold: false, upkeep: true }, stages: [] });
  const pipeline =
    storage.cluster === undefined ? new ProfilePipeline(pipelineOptions) : upkeepOnly();
  const dispatcher = new Dispatcher({
    log,
    store: destinations,
    channels: new ChannelRegistry([
      new WebhookChannel({
        allowInternal: config.destinations.allowInternal,
        connectTimeoutMs: config.destinations.timeoutMs,
      }),
      warehouse,
    ]),
    now,
    timeoutMs: config.destinations.timeoutMs,
    concurrency: config.destinations.concurrency,
    retentionMs: config.destinations.deliveryRetentionDays * 86_400_000,
    onFailure: (destination, error) => {
      if (config.logLevel !== 'silent')
        logError(
          `webhook delivery to ${destination} failed (readers see only its class)`,
          failureDetail(error),
        );
    },
    pii,
    suppressed: (message) => suppressions.drops(message),
    consentOf: async (message) => {
      const profileId = message.properties?.profileId;
      const profile = await profileNamed(profiles, {
        ...message,
        profileId: typeof profileId === 'string' ? profileId : undefined,
      });
      return profile && consentValues(profile.consent);
    },
    onError: (error) => {
      logError('webhook dispatch failed; retrying', error);
    },
  });
  const collector = new Collector({
    log,
    violations: store.violations,
    plans,
    metrics,
    defaultRegion: config.defaultRegion as CountryCode,
    messageBytes: config.limits.messageBytes,
    withoutAnalytics: config.privacy.withoutAnalytics,
    suppressions,
    now,
    onStored: () => {
      background.wake();
      cluster?.appended();
    },
  });
  /** Resolves once the log is folded up to `position` (a minute at most: then the sync fails, to be tried again). */
  const foldedUpTo = async (position: number): Promise<void> => {
    for (const started = Date.now(); (await foldedEverywhere()) < position;) {
      if (Date.now() - started > 60_000)
        throw new Error('the pipeline did not fold the rows before a deleted one within a minute');
      // No background running (a command, a test): fold here; the consumer positions keep it once.
      if (!background.running() && storage.cluster === undefined) await pipeline.catchUp();
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const sourceSyncs = new SourceService({
    sources: storage.sources,
    collector,
    allowInternal: config.destinations.allowInternal,
    now,
    // A row deleted at a source (`deletes.as` = `erasure`): its person, as the log holds them now.
    erase: async (identifier, requestedBy) => {
      await foldedUpTo((await log.stats()).lastPosition);
      const stored = await profiles.byIdentifier(identifier);
      if (stored === undefined) {
        await suppressions.add([identifier], formatTimestamp(now()));
        return false;
      }
      await requestErasure(
        { store: profiles, log, suppressions, now, fence: () => profiles.definitions.changed() },
        stored.id,
        requestedBy,
      );
      background.wake();
      cluster?.appended();
      recommenders.retrainAll();
      return true;
    },
  });
  const syncDueSources = scheduledSourceSyncs(
    sourceSyncs,
    now,
    SOURCE_SCHEDULE_CHECK_MS,
    (error) => {
      logError('scheduled source syncs failed', error);
    },
  );
  /** The definitions generation the bandits' follower read the placements at (several nodes). */
  let placementsRead: number | undefined;
  let banditsFollowedTo: number | undefined;
  const background: Background = options.backgroundThread
    ? new BackgroundThread({
        config,
        checkpoint: storage.checkpointFiles,
        onBatch: countBatch,
        onChanged: (changed, identifiers) => {
          people.invalidate(changed, identifiers);
          reports?.projection.changed(changed, identifiers);
        },
        onProjected: projectRows,
        onSuppressed: () => {
          suppressions.reload().then(
            () => {
              recommenders.retrainAll(); // identifiers linked to an erased person since
            },
            (error: unknown) => {
              logError('reading the suppressions failed', error);
            },
          );
        },
        append: async (messages) => {
          const stored = await log.append(messages);
          background.wake();
          cluster?.appended();
          return stored;
        },
        onError: (msg, error) => {
          logError(msg, error);
        },
      })
    : storage.cluster !== undefined
      ? new ScaleOutBackground({
          db: storage.cluster.db,
          partitions: storage.cluster.partitions,
          pipeline: pipelineOptions,
          upkeep: upkeepOnly,
          // The bandits' counts follow the whole log, on the node holding the upkeep. A placement
          // saved before the events counted here is known first: every change moves the
          // definitions generation (`changed`), read after the end of the events to count.
          follow: async () => {
            const { lastPosition } = await log.stats();
            if (lastPosition === banditsFollowedTo) return 0; // idle: no question to PostgreSQL
            const generation = await profiles.definitions.generation();
            if (generation !== placementsRead) {
              await placements.reload();
              placementsRead = generation;
            }
            await banditStage.follow([], { from: lastPosition, to: lastPosition });
            banditsFollowedTo = lastPosition;
            return 0;
          },
          // Scheduled source syncs run beside the journeys, on the node holding the upkeep lease.
          journeys: async () => (await journeys.work()) + (await syncDueSources()),
          dispatcher,
          onError: (message, error) => {
            logError(message, error);
          },
        })
      : new InlineBackground(pipeline, dispatcher, [
          journeys.loop,
          new BackgroundLoop(syncDueSources, { pollMs: SOURCE_SCHEDULE_CHECK_MS }),
        ]);
  // Decisions and exposures are recorded through the storage's records log: nobody waits on them.
  const experiments = await Experiments.open({
    clusterings: () => clusterModels.current,
    store: store.experiments,
    person: (identifier) => people.get(identifier),
    record: async (messages) => {
      const kept = suppressions.keep(messages);
      if (kept.length === 0) return;
      await exposureLog.append(kept);
      background.wake();
    },
  });
  const decider = new Decider({
    clusterings: () => clusterModels.current,
    placements,
    people,
    renders: new RenderMemo(liquid, RENDERS_KEPT),
    now,
    budgetMs: config.decide.budgetMs,
    remember: config.decide.cacheProfiles,
    holdout: config.decide.holdout,
    arms: bandits,
    experiments,
    suppressed: (who) => suppressions.names(who),
    recommendations: (name, who) => recommenders.forTemplate(name, who),
    prepareRecommendations: (name, who) => recommenders.prepareTemplate(name, who),
    ...(readsExposures && {
      exposureHistory: async (profileId: string, since: number) => {
        const identifiers = (await profiles.identifiers(profileId)).flatMap<{
          kind: 'userId' | 'anonymousId';
          value: string;
        }>((i) =>
          i.type === 'userId' || i.type === 'anonymousId' ? [{ kind: i.type, value: i.value }] : [],
        );
        // Not flushed first: a commit per read would cost the first decisions after a start a
        // transaction each (its records commit on the next turn, while its exposures are held).
        return readsExposures(identifiers, since);
      },
    }),
    record: (request, decisions, at, recommended) => {
      // A request that served no item (an unknown placement, a default with no id) records nothing.
      const record = decisionRecord(request, decisions, at, recommended);
      if (record === undefined || suppressions.dropsRecord(record)) return;
      exposureLog.appendDecisions(record).then(
        () => {
          background.wake();
        },
        (error: unknown) => {
          logError('recording decisions failed', error);
        },
      );
    },
  });
  // A person whose profile changed (a merge among others) has their exposures read back when next decided for.
  people.onDropped((profileIds) => {
    decider.forgetExposures(profileIds);
  });
  // Decision records older than their retention leave the log, at start and hourly.
  const decisionRetention = new DecisionRetention({
    log,
    days: config.decide.recordRetentionDays,
    now,
    folded: foldedEverywhere,
    onError: (error) => {
      logError('pruning decision records failed', error);
    },
  });
  decisionRetention.start();
  const clusterings = new ClusteringService({
    store: storage.clusterings,
    models: clusterModels,
    training: { profiles, now },
    changed: async (name) => {
      // Segments reading in_cluster(name) are rebuilt under the new model; the worker thread
      // and other nodes read the models again.
      const readers = (definitions.compiled?.segments ?? []).filter((s) =>
        s.clusterings.includes(name),
      );
      await profiles.definitions.changed();
      if (readers.length > 0) {
        const { profiles: total } = await profiles.stats();
        await profiles.backfills.start(
          readers.map((s) => `segment:${s.name}`),
          total,
          new Date(now()).toISOString(),
        );
      }
      background.definitionsChanged();
      cluster?.announce({ kind: 'settings' });
    },
    pause: () => new Promise((resolve) => setImmediate(resolve)),
    now,
    onError: (message, error) => {
      logError(message, error);
    },
  });
  if (options.worker !== true) clusterings.startSchedule();
  // Another node changed settings or people: read them again (the worker thread hears it from this one).
  // One reading at a time, and once more when a change comes during it: two readings at once
  // could end in either order, leaving the older answer (a key revoked since, still accepted).
  const settingsReader = new BackgroundLoop(
    async () => {
      await keys.reload();
      await placements.reload();
      await definitions.reload();
      await plans.reload();
      await experiments.reload();
      await suppressions.reload();
      await recommenders.reload();
      await clusterModels.reload();
      background.definitionsChanged();
      background.suppressionsChanged();
      return 0;
    },
    {
      onError: (error) => {
        logError('reading settings another node changed failed', error);
      },
    },
  );
  if (options.worker !== true && cluster !== undefined) {
    cluster.follow((change) => {
      if (change.kind === 'appended') {
        background.wake();
        return;
      }
      if (change.kind === 'profiles') {
        people.invalidateBlinded(change.profiles, change.identifiers);
        return;
      }
      settingsReader.wake();
    });
    settingsReader.start();
  }
  const violationTimer = setInterval(() => void collector.flushViolations(), 1000);
  violationTimer.unref();
  // Under `tailor serve` the counting runs on the worker thread: read the counts here every second.
  const banditTimer =
    options.backgroundThread === true ? setInterval(refreshBandits, 1000) : undefined;
  banditTimer?.unref();
  return {
    config,
    log,
    store,
    keys,
    audit,
    plans,
    definitions,
    collector,
    sources: storage.sources,
    channelRules: storage.channelRules,
    sourceSyncs,
    metrics,
    profiles,
    indexingConsumers: foldConsumers,
    pipeline,
    destinations,
    dispatcher,
    background,
    placements,
    bandits,
    experiments,
    suppressions,
    decider,
    identity,
    pii,
    audiences: { public: publicAudience(pii), reader: readerAudience(pii) },
    people,
    recommenders,
    catalog,
    models,
    clusterings,
    clusterModels,
    journeys,
    settingsChanged: () => {
      cluster?.announce({ kind: 'settings' });
    },
    async changed(what) {
      if (what === 'suppressions') {
        await profiles.definitions.changed(); // folds under the old list are refused and read it again
        background.suppressionsChanged();
        return;
      }
      if (what === 'placements') {
        await definitions.reload(); // caps: the exposure counters the pipeline keeps
        await profiles.definitions.changed();
      }
      // Plans: the worker's dispatcher masks the fields they mark; destinations: it reads them again.
      background.definitionsChanged();
    },
    flushDecisions: () => {
      exposureLog.flush();
    },
    pruneDecisions: () => decisionRetention.run(),
    now,
    projection: reports?.projection,
    async close() {
      clearInterval(violationTimer);
      clearInterval(banditTimer);
      clearInterval(auditTimer);
      await decisionRetention.stop();
      await recommenders.close();
      clusterings.close();
      await models.close();
      await collector.flushViolations();
      await background.stop();
      await pipeline.stop();
      await dispatcher.stop();
      await journeys.loop.stop(); // not started here when the background runs elsewhere
      await journeys.close();
      await reports?.close();
      await cluster?.close();
      await settingsReader.stop(); // a reading under way ends before the store closes
      await storage.close();
    },
  };
}

/** The audit entry of an erasure the pipeline carried out, in the name of the key that asked for it. */
function erasureCompleted(profileId: string, requestedBy: string, at: number): NewAuditEntry {
  return {
    at,
    key: requestedBy.startsWith('key:') ? requestedBy.slice(4) : requestedBy,
    role: null,
    action: 'privacy.erase.completed',
    target: `profile:${profileId}`,
    profileId,
    method: null,
    route: null,
    status: null,
    ip: null,
  };
}

/**
 * The tracking plans' policy with the computed traits that carry personal values
 * (`withPersonalComputed`), made again only when the plans or the definitions change, so what is
 * masked per policy stays kept meanwhile.
 */
function personalData(plans: TrackingPlans, definitions: Definitions): () => PiiPolicy {
  let kept:
    { base: PiiPolicy; compiled: CompiledDefinitions | undefined; policy: PiiPolicy } | undefined;
  return () => {
    const base = plans.pii;
    const compiled = definitions.compiled;
    if (kept?.base !== base || kept.compiled !== compiled) {
      const computed =
        compiled?.computed.map((c) => ({ name: c.name, node: compiled.aggregates.get(c.key) })) ??
        [];
      kept = { base, compiled, policy: withPersonalComputed(base, computed) };
    }
    return kept.policy;
  };
}

/** Template outputs decide keeps: at most 100,000, and 16 M characters of keys and texts (~32 MB). */
const RENDERS_KEPT = { max: 100_000, maxChars: 16 * 2 ** 20 };
