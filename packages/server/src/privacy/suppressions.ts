import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decisionEventsOf,
  extractIdentifiers,
  type IdentifierRef,
  type IdentityRules,
  type DecisionRecord,
  type StoredMessage,
} from '@tailor/core';
import type { SuppressionList } from '../store/profile-store.js';
import { writeFileDurably } from './private-files.js';
import { RecentBlinds } from './sealer.js';
import { ReadOrder } from '../store/read-order.js';

/** Who asks whether a request names a suppressed person: the ids a decision or an assignment is asked for. */
export interface AskedFor {
  userId?: string | undefined;
  anonymousId?: string | undefined;
}

/**
 * Erased people, remembered without their identifiers: a keyed hash (HMAC-SHA256) of each, under a
 * key kept in the data folder (`suppression.key`, created on first use) or configured
 * (`privacy.suppressionKey` in the config file). Every path that appends to the log checks here
 * (collection and imports, decisions, experiment assignments), and the pipeline and the dispatcher
 * skip what names a suppressed identifier. Nothing a message says lifts a suppression (not even
 * analytics consent: the public write key must not undo an erasure); only an admin does (`lift`).
 */
export class Suppressions {
  /** Hashes of the identifiers seen lately: once anyone is suppressed, every message is checked. */
  private readonly recent = new RecentBlinds();
  /** Readings of the store and changes made here, in order (another node or thread changes them too). */
  private readonly order = new ReadOrder();

  private constructor(
    private readonly key: Buffer,
    private readonly hashes: Set<string>,
    private readonly store: SuppressionList,
    private readonly rules: IdentityRules,
  ) {}

  static async open(
    dataDir: string,
    store: SuppressionList,
    rules: IdentityRules,
    key?: string,
  ): Promise<Suppressions> {
    return new Suppressions(keyOf(dataDir, key), new Set(await store.list()), store, rules);
  }

  /** How many identifiers are suppressed. */
  get size(): number {
    return this.hashes.size;
  }

  async add(identifiers: readonly IdentifierRef[], at: string): Promise<void> {
    const hashes = identifiers.map((i) => this.hash(i));
    await this.store.add(hashes, at);
    for (const h of hashes) this.hashes.add(h);
    this.order.changed();
  }

  /** Lifts the suppression of one identifier (an admin's decision); false when it was not suppressed. */
  async lift(identifier: IdentifierRef): Promise<boolean> {
    const hash = this.hash(identifier);
    if (!this.hashes.has(hash)) return false;
    await this.store.remove([hash]);
    this.hashes.delete(hash);
    this.order.changed();
    return true;
  }

  /** Reads the list again (another thread added or lifted some). */
  async reload(): Promise<void> {
    await this.order.read(
      () => this.store.list(),
      (hashes) => {
        this.hashes.clear();
        for (const h of hashes) this.hashes.add(h);
      },
    );
  }

  /** Whether an identifier is suppressed. */
  has(identifier: IdentifierRef): boolean {
    return this.hashes.size > 0 && this.hashes.has(this.hash(identifier));
  }

  /** Whether a decision or an assignment is asked for a suppressed person (by userId or anonymousId). */
  names(who: AskedFor): boolean {
    if (this.hashes.size === 0) return false;
    return (
      (who.userId !== undefined &&
        this.hashes.has(this.hash({ type: 'userId', value: who.userId }))) ||
      (who.anonymousId !== undefined &&
        this.hashes.has(this.hash({ type: 'anonymousId', value: who.anonymousId })))
    );
  }

  /** Whether a message names a suppressed person by any of its identifiers: it is not to be kept, folded or sent. */
  drops(message: StoredMessage): boolean {
    if (this.hashes.size === 0) return false;
    for (const identifier of extractIdentifiers(message, this.rules).identifiers)
      if (this.hashes.has(this.hash(identifier))) return true;
    return false;
  }

  /** Whether a decide request's record names a suppressed person: it is not to be kept. */
  dropsRecord(record: DecisionRecord): boolean {
    if (this.hashes.size === 0) return false;
    return decisionEventsOf(record, '').some((m) => this.drops(m));
  }

  /** The messages that name no suppressed person (the same array when all do not). */
  keep<T extends StoredMessage>(messages: readonly T[]): readonly T[] {
    if (this.hashes.size === 0) return messages;
    return messages.filter((m) => !this.drops(m));
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
  if (!writeFileDurably(file, key.toString('hex'), { replace: false }))
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  return key;
}
