import type { Config } from '../config/config.schema.js';
import type { Sealer } from '../privacy/sealer.js';
import { openSqliteStorage } from './sqlite/open-sqlite-storage.js';
import type { Storage, StorageOptions } from './storage.js';

/** Builds the adapters `config.storage` chooses: PostgreSQL and NATS JetStream when both are given, else SQLite. */
export async function openStorage(
  config: Readonly<Config>,
  sealer: Sealer,
  options: StorageOptions,
): Promise<Storage> {
  const { postgres, nats } = config.storage;
  if (postgres !== undefined && nats !== undefined) {
    const { openScaleOutStorage } = await import('./postgres/open-scale-out-storage.js');
    return openScaleOutStorage({ postgres, nats }, sealer);
  }
  return openSqliteStorage(config, sealer, options);
}

/** Whether a configuration runs on PostgreSQL and NATS JetStream. */
export function isScaleOut(config: Readonly<Config>): boolean {
  return config.storage.postgres !== undefined && config.storage.nats !== undefined;
}
