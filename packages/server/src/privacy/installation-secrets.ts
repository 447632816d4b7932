import { hkdfSync } from 'node:crypto';
import { TailorError } from '@tailor/core';
import type { Config } from '../config/config.schema.js';
import { parseKeyring, readKeyFile, type Keyring } from './keyring.js';

/** Secrets every node of an installation must hold alike. */
export interface InstallationSecrets {
  /** Keys the hashes that remember erased people. */
  suppressionKey?: string;
  /** Keys the `userHash` of identity verification. */
  identitySecret?: string;
}

/**
 * The secrets nodes on PostgreSQL and NATS share. The embedded store makes them in its data
 * folder on first start, but nodes do not share a folder: unless given in the config, they are
 * derived (HKDF-SHA256) from the keyring every node is started with, from its blind-index key,
 * which key rotation keeps. Without encryption there is no keyring: both must be given.
 */
export function installationSecrets(config: Readonly<Config>): InstallationSecrets {
  const given = {
    suppressionKey: config.privacy.suppressionKey,
    identitySecret: config.decide.identitySecret,
  };
  if (given.suppressionKey !== undefined && given.identitySecret !== undefined) return given;
  const keyring = sharedKeyring(config);
  if (keyring === undefined) {
    throw new TailorError(
      'invalid_request',
      'invalid configuration: nodes without encryption need privacy.suppressionKey and decide.identitySecret (TAILOR_IDENTITY_SECRET) given alike to every node',
    );
  }
  return {
    suppressionKey: given.suppressionKey ?? derive(keyring, 'tailor suppression key'),
    identitySecret: given.identitySecret ?? derive(keyring, 'tailor identity secret'),
  };
}

function sharedKeyring(config: Readonly<Config>): Keyring | undefined {
  const { enabled, keys, keyFile } = config.privacy.encryption;
  if (!enabled) return undefined;
  if (keys !== undefined) return parseKeyring(keys, 'TAILOR_ENCRYPTION_KEYS');
  if (keyFile === undefined) return undefined; // refused when the config was read
  return readKeyFile(keyFile, false);
}

function derive(keyring: Keyring, purpose: string): string {
  return Buffer.from(hkdfSync('sha256', keyring.index, 'tailor', purpose, 32)).toString('hex');
}
