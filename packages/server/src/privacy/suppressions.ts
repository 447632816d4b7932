import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractIdentifiers, ownConsent, type IdentifierRef, type IdentityRules, type StoredMessage } from '@tailor/core';
import type { ProfileStore } from '../store/profile-store.js';
import { logError } from './log-error.js';
import { writeFileDurably } from './private-files.js';
import { RecentBlinds } from './sealer.js';

/**
 * Erased people, remembered without their identifiers: a keyed hash (HMAC-SHA256) of each, under a
 * key kept in the data folder (`suppression.key`, created on first use) or configured
 * (`privacy.suppressionKey` in the config file). Messages for a suppressed identifier are dropped at collection until the
 * person gives analytics consent again (a message with `categoryPreferences.analytics = true`).
 */
export class Suppressions {
  /** Hashes of the identifiers seen lately: once anyone is suppressed, every message is checked. */
  private readonly recent = new RecentBlinds();

  private constructor(
    private readonly key: Buffer,
    private readonly hashes: Set<string>,
    private readonly store: ProfileStore['suppressions'],
    private readonly rules: IdentityRules,
  ) {}

  static async open(dataDir: string, store: ProfileStore['suppressions'], rules: IdentityRules, key?: string): Promise<Suppressions> {
    return new Suppressions(keyOf(dataDir, key), new Set(await store.list()), store, rules);
  }

  async add(identifiers: readonly IdentifierRef[], at: string): Promise<void> {
    const hashes = identifiers.map((i) => this.hash(i));
    await this.store.add(hashes, at);
    for (const h of hashes) this.hashes.add(h);
  }

  /**
   * Whether a message names a suppressed person. One that gives analytics consent lifts the
   * suppression (at once here; the store follows) and passes.
   */
  drops(message: StoredMessage): boolean {
    if (this.hashes.size === 0) return false;
    const hashes = extractIdentifiers(message, this.rules).identifiers.map((i) => this.hash(i));
    const hits = hashes.filter((h) => this.hashes.has(h));
    if (hits.length === 0) return false;
    if (ownConsent(message, 'analytics') !== true) return true;
    for (const h of hits) this.hashes.delete(h);
    this.store.remove(hits).catch((error: unknown) => {
      logError('lifting a suppression failed', error);
    });
    return false;
  }

  private hash(identifier: IdentifierRef): string {
    const text = `${identifier.type}\u0000${identifier.value}`;
    return this.recent.get(text, () => createHmac('sha256', this.key).update(text).digest('hex'));
  }
}

function keyOf(dataDir: string, given: string | undefined): Buffer {
  if (given !== undefined && given.length > 0) return Buffer.from(given, 'utf8');
  const file = join(dataDir, 'suppression.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  const key = randomBytes(32);
  // Durably (0600, fsynced, the folder too): a lost key would forget who was erased.
  if (!writeFileDurably(file, key.toString('hex'), { replace: false })) return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  return key;
}
