import { decisionEventsOf } from '@tailor/core';
import { timeOrderedId } from '../../log/time-ordered-id.js';
import type { Config } from '../../config/config.schema.js';
import {
  openJetStreamEventLog,
  type JetStreamEventLogOptions,
} from '../../log/jetstream/jetstream-event-log.js';
import type { Sealer } from '../../privacy/sealer.js';
import { openPgAuditLog } from '../../store/postgres/pg-audit-log.js';
import { openPgBanditStore } from '../../store/postgres/pg-bandit-store.js';
import { openPgRecommenderStore } from '../../store/postgres/pg-recommender-store.js';
import { openPgCatalogStore } from '../../store/postgres/pg-catalog-store.js';
import { openPgModelStore } from '../../store/postgres/pg-model-store.js';
import { openPgClusteringStore } from '../../store/postgres/pg-clustering-store.js';
import { openPgChannelRuleStore } from '../../store/postgres/pg-channel-rule-store.js';
import { openPgSourceStore } from '../../store/postgres/pg-source-store.js';
import { openPgProfileStore } from '../../store/postgres/pg-profile-store.js';
import { openPgStateStore } from '../../store/postgres/pg-state-store.js';
import { openPgDestinationStore } from '../../store/postgres/pg-destination-store.js';
import { logError } from '../../privacy/log-error.js';
import { withoutPassword } from '../../config/load-config.js';
import type { Storage } from '../storage.js';
import { PgDatabase } from './pg-database.js';
import { migratePostgres } from './migrate-postgres.js';
import { CLUSTER_MIGRATIONS } from '../../scale-out/cluster-tables.js';

type Settings = Required<Config['storage']>;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * The scale-out stores: state on PostgreSQL (one schema per installation, each store migrating
 * its own tables at open), the event log on a JetStream stream with its durable dedup in
 * PostgreSQL. Every node of an installation opens the same ones.
 */
export async function openScaleOutStorage(settings: Settings, sealer: Sealer): Promise<Storage> {
  const { postgres, nats } = settings;
  const db = await PgDatabase.open({
    url: postgres.url,
    schema: postgres.schema,
    maxConnections: postgres.maxConnections,
    onIdleError: (error) => {
      logError(
        `PostgreSQL connection lost (${withoutPassword(postgres.url)}); reconnecting`,
        error,
      );
    },
  }).catch((error: unknown) => {
    throw new Error(
      `cannot open PostgreSQL at ${withoutPassword(postgres.url)}: ${String(error)}`,
      {
        cause: error,
      },
    );
  });
  try {
    await migratePostgres(db, 'cluster', CLUSTER_MIGRATIONS);
    const stores = await openPgStores(db, sealer);
    const log = await openJetStreamEventLog(streamOptions(nats, db, sealer));
    const destinations = await openPgDestinationStore(db, sealer);
    return {
      kind: 'scale-out',
      log,
      // JetStream gathers the appends of a turn itself; nothing to flush early.
      records: {
        append: (messages) => log.append(messages),
        // Several nodes count caps from the profiles PostgreSQL holds: full events, folded there.
        appendDecisions: async (record) => {
          await log.append(decisionEventsOf(record, timeOrderedId(record.at)));
        },
        read: (position, limit, partitions) => log.read(position, limit, partitions),
        readBefore: (position, limit) => log.readBefore(position, limit),
        scanByIdentifier: (query) => log.scanByIdentifier(query),
        readPositions: (positions) => log.readPositions(positions),
        stats: () => log.stats(),
        behind: (after) => log.behind(after),
        partitionsPast: (after) => log.partitionsPast(after),
        erase: (positions) => log.erase(positions),
        prune: (query) => log.prune(query),
        readNamed: (query) => log.readNamed(query),
        close: () => Promise.resolve(), // the log itself is closed once, by close() below
        flush: () => undefined,
      },
      ...stores,
      destinations,
      checkpointFiles: [],
      cluster: { db, partitions: nats.partitions },
      async close() {
        await log.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The PostgreSQL stores other than the destinations'. */
async function openPgStores(db: PgDatabase, sealer: Sealer) {
  return {
    state: await openPgStateStore(db),
    audit: await openPgAuditLog(db),
    bandits: await openPgBanditStore(db),
    recommenders: await openPgRecommenderStore(db),
    catalog: await openPgCatalogStore(db),
    models: await openPgModelStore(db),
    clusterings: await openPgClusteringStore(db),
    sources: await openPgSourceStore(db, sealer),
    channelRules: await openPgChannelRuleStore(db),
    profiles: await openPgProfileStore(db, sealer),
  };
}

/** The event log's options from the configuration: every process opening the stream states it alike. */
export function streamOptions(
  nats: Settings['nats'],
  db: PgDatabase,
  sealer: Sealer,
): JetStreamEventLogOptions {
  return {
    servers: nats.url,
    prefix: nats.prefix,
    db,
    sealer,
    partitions: nats.partitions,
    replicas: nats.replicas,
    duplicateWindowMs: nats.duplicateWindowMinutes * MINUTE_MS,
    ...(nats.maxBytes !== undefined && { maxBytes: nats.maxBytes }),
    ...(nats.maxAgeDays !== undefined && { maxAgeMs: nats.maxAgeDays * DAY_MS }),
  };
}
