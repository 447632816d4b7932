import { join } from 'node:path';
import type { Config } from '../../config/config.schema.js';
import { SqliteEventLog } from '../../log/sqlite/sqlite-event-log.js';
import type { Sealer } from '../../privacy/sealer.js';
import { openSqliteAuditLog } from '../../store/sqlite/sqlite-audit-log.js';
import { openSqliteBanditStore } from '../../store/sqlite/sqlite-bandit-store.js';
import { openSqliteDestinationStore } from '../../store/sqlite/sqlite-destination-store.js';
import { moveIdentifierIndex } from '../../store/sqlite/event-identifier-index.js';
import { openSqliteProfileStore } from '../../store/sqlite/sqlite-profile-store.js';
import { openSqliteRecommenderStore } from '../../store/sqlite/sqlite-recommender-store.js';
import { openSqliteChannelRuleStore } from '../../store/sqlite/sqlite-channel-rule-store.js';
import { openSqliteCatalogStore } from '../../store/sqlite/sqlite-catalog-store.js';
import { openSqliteModelStore } from '../../store/sqlite/sqlite-model-store.js';
import { openSqliteClusteringStore } from '../../store/sqlite/sqlite-clustering-store.js';
import { openSqliteSourceStore } from '../../store/sqlite/sqlite-source-store.js';
import { openSqliteStateStore } from '../../store/sqlite/sqlite-state-store.js';
import type { Storage, StorageOptions } from '../storage.js';

/**
 * The embedded store: three SQLite files in the data folder (WAL). log.sqlite holds the events;
 * state.sqlite everything derived and defined; audit.sqlite the audit log, in its own file because
 * the request thread writes it while the pipeline's thread writes state.sqlite.
 */
export function openSqliteStorage(
  config: Readonly<Config>,
  sealer: Sealer,
  options: StorageOptions,
): Storage {
  const logFile = join(config.dataDir, 'log.sqlite');
  const stateFile = join(config.dataDir, 'state.sqlite');
  const auditFile = join(config.dataDir, 'audit.sqlite');
  const sqlite = { autoCheckpoint: options.autoCheckpoint };
  moveIdentifierIndex({ log: logFile, state: stateFile });
  const log = new SqliteEventLog(logFile, sealer, sqlite);
  const state = openSqliteStateStore(stateFile, sqlite);
  const audit = openSqliteAuditLog(auditFile, sqlite);
  const profiles = openSqliteProfileStore(stateFile, sqlite, sealer);
  // Bandits' counts: derived from the log by a pipeline stage whose position moves with them, so a
  // commit lost to a machine crash is counted again; no fsync per commit (NORMAL).
  const bandits = openSqliteBanditStore(stateFile, { ...sqlite, synchronous: 'NORMAL' });
  const destinations = openSqliteDestinationStore(stateFile, sqlite, sealer);
  const recommenders = openSqliteRecommenderStore(stateFile, sqlite);
  const catalog = openSqliteCatalogStore(stateFile, sqlite);
  const models = openSqliteModelStore(stateFile, sqlite);
  const clusterings = openSqliteClusteringStore(stateFile, sqlite);
  const sources = openSqliteSourceStore(stateFile, sealer, sqlite);
  const channelRules = openSqliteChannelRuleStore(stateFile, sqlite);
  // Decisions and exposures: a second connection whose commits (one per turn of the event loop,
  // like the collector's) are not fsynced. Both connections write from the request thread only,
  // so they never wait for each other.
  const records = new SqliteEventLog(logFile, sealer, { ...sqlite, synchronous: 'NORMAL' });
  return {
    kind: 'sqlite',
    log,
    records,
    state,
    profiles,
    audit,
    destinations,
    bandits,
    recommenders,
    catalog,
    models,
    clusterings,
    sources,
    channelRules,
    checkpointFiles: [logFile, stateFile, auditFile],
    async close() {
      await records.close();
      await destinations.close();
      await profiles.close();
      await log.close();
      await state.close();
      await bandits.close();
      await recommenders.close();
      await catalog.close();
      await models.close();
      await clusterings.close();
      await sources.close();
      await channelRules.close();
      await audit.close();
    },
  };
}
