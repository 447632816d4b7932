import { join } from 'node:path';
import type { Config } from '../config/config.schema.js';
import { parseKeyring, readKeyFile } from './keyring.js';
import { createAesSealer, plainSealer, type Sealer } from './sealer.js';

/** Where the keyring is kept for a configuration (its key file; rotation rewrites it). */
export function keyFileOf(config: Readonly<Config>): string {
  return config.privacy.encryption.keyFile ?? join(config.dataDir, 'encryption.keys');
}

/**
 * The sealer the stores use: none when encryption is off; otherwise AES-256-GCM under the keyring
 * given in TAILOR_ENCRYPTION_KEYS, or in the key file (made on first start when it is the default one).
 */
export function openSealer(config: Readonly<Config>): Sealer {
  const { enabled, keys, keyFile } = config.privacy.encryption;
  if (!enabled) return plainSealer;
  if (keys !== undefined) return createAesSealer(parseKeyring(keys, 'TAILOR_ENCRYPTION_KEYS'));
  return createAesSealer(readKeyFile(keyFileOf(config), keyFile === undefined));
}
