import type { DecisionRecord } from '@tailor/core';
import type { DestinationStore } from '../destinations/destination-store.js';
import type { EventLog } from '../log/event-log.js';
import type { AuditLog } from '../store/audit-log.js';
import type { ChannelRuleStore } from '../reports/channel-rule-store.js';
import type { BanditStore } from '../store/bandit-store.js';
import type { ProfileStore } from '../store/profile-store.js';
import type { RecommenderStore } from '../store/recommender-store.js';
import type { CatalogStore } from '../store/catalog-store.js';
import type { ModelStore } from '../store/model-store.js';
import type { ClusteringStore } from '../store/clustering-store.js';
import type { SourceStore } from '../sources/source-store.js';
import type { StateStore } from '../store/state-store.js';
import type { PgDatabase } from './postgres/pg-database.js';

/**
 * The adapters a Tailor runs on, built by `openStorage` from `config.storage`: the embedded SQLite
 * files in the data folder, or PostgreSQL and NATS JetStream shared by several nodes. Everything
 * above this line (services, routes, the pipeline) sees only these ports.
 */
export interface Storage {
  /** `sqlite`: one process owns the data folder; `scale-out`: nodes share PostgreSQL and JetStream. */
  readonly kind: 'sqlite' | 'scale-out';
  /** The event log collection appends to; an append resolves once the events are durable. */
  log: EventLog;
  /**
   * Where decisions and exposures are recorded: nobody waits on them. On SQLite a second
   * connection whose commits are not fsynced (an fsync per turn would stall every request);
   * elsewhere the log itself. `flush` commits what was gathered now instead of on the next turn.
   * `appendDecisions` records a decide request's decisions: one compact row on SQLite, read back as
   * its `Decision Made` events; their events themselves elsewhere (docs/decide.md).
   * `decisionsOf` (SQLite only) reads a person's records back: there decide counts exposures to
   * capped items itself, in memory; without it the pipeline counts them in the profiles.
   */
  records: EventLog & {
    flush(): void;
    appendDecisions(record: DecisionRecord): Promise<void>;
    decisionsOf?(
      identifiers: readonly { kind: 'userId' | 'anonymousId'; value: string }[],
      since: number,
    ): Promise<DecisionRecord[]>;
  };
  state: StateStore;
  profiles: ProfileStore;
  audit: AuditLog;
  destinations: DestinationStore;
  bandits: BanditStore;
  /** Recommender definitions (their models are kept in memory by each node). */
  recommenders: RecommenderStore;
  /** The item catalogue recommenders serve from. */
  catalog: CatalogStore;
  /** The model registry: definitions and trained versions (docs/models.md). */
  models: ModelStore;
  /** Clusterings of profiles: definitions, the last trained model, assignments (docs/clusters.md). */
  clusterings: ClusteringStore;
  /** Database sources and where their syncs stand (docs/sources.md). */
  sources: SourceStore;
  /** The channel rules attribution and the reports apply (docs/attribution.md). */
  channelRules: ChannelRuleStore;
  /** Database files a checkpointer thread keeps checkpointed (SQLite under `serve`); none elsewhere. */
  checkpointFiles: string[];
  /** On PostgreSQL and JetStream: where nodes coordinate (leases), and the log's partitions. */
  cluster?: { db: PgDatabase; partitions: number };
  /** Closes every adapter, the records' log first. */
  close(): Promise<void>;
}

export interface StorageOptions {
  /** Each SQLite connection checkpoints its own writes; off when a checkpointer thread does it. */
  autoCheckpoint: boolean;
}
