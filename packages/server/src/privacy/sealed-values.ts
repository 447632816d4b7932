import {
  TailorError,
  type ConflictRecord,
  type DecisionRecord,
  type StoredMessage,
  type TraitMap,
} from '@tailor/core';
import type { PendingErasure } from '../store/profile-store.js';
import type { Sealer } from './sealer.js';

/**
 * The one layer between the stores and encryption. Every adapter (SQLite, PostgreSQL, JetStream,
 * in memory) hands it the values that may hold personal data and stores what it gives back; none
 * names a context, serializes a sealed value or decides what is sealed. It declares each kind of
 * sealed value once: its context (the place it is bound to), its encoding (JSON or text), and how
 * identifiers are blinded. With encryption off, the same calls give the values as they are, so
 * the adapters keep one code path. See docs/encryption.md.
 */
export interface SealedValues {
  /** False when values are stored as they are (the plain sealer). */
  readonly encrypts: boolean;
  /** Names the blind index a store records, so data indexed under another key is refused at open. */
  readonly indexId: string;
  /** An identifier's lookup key (HMAC-SHA256 blind index, or the value when plain). */
  blind: Sealer['blind'];
  /** Remembers a blind read beside its value (the log's id columns, a stream's headers). */
  learn: Sealer['learn'];
  /** A logged event's payload, bound to its messageId. */
  event: KeyedValues<StoredMessage>;
  /**
   * A decide request's record (its `Decision Made` events in one row), bound to its messageId like
   * an event: key rotation reseals both alike.
   */
  decisions: KeyedValues<DecisionRecord>;
  /** A profile body's JSON text, bound to the profile's id (text: an unchanged body keeps its sealed value). */
  profile: KeyedValues<string>;
  /** A group's traits, bound to the group's id. */
  group: KeyedValues<TraitMap>;
  /** A webhook delivery's message, bound to its destination's name. */
  delivery: KeyedValues<StoredMessage>;
  /** A destination's signing secret, bound to its name. */
  destinationSecret: KeyedValues<string>;
  /** A database source's connection URL, bound to its name. */
  sourceUrl: KeyedValues<string>;
  /** Rows keyed by an automatic number, bound to their table. */
  conflict: TableValues<ConflictRecord>;
  review: TableValues<Record<string, unknown>>;
  outbox: TableValues<StoredMessage>;
  erasure: TableValues<Omit<PendingErasure, 'requestId' | 'at'>>;
  identifier: IdentifierValues;
  mergeReason: MergeReasons;
  /**
   * Refuses a store whose recorded blind index (`recorded`) is not this one: its lookups would all
   * miss. `where` names the store in the message (a file, a PostgreSQL schema).
   */
  checkIndex(recorded: string, where: string): void;
}

/** What is stored: sealed bytes, or the text itself when encryption is off. */
export type Stored = string | Buffer;

/** A kind of value bound to the row (or destination) named by `key`. */
export interface KeyedValues<T> {
  seal(key: string, value: T): Stored;
  open(key: string, stored: Stored): T;
}

/** A kind of value bound to its table only (its rows' keys are not known when it is sealed). */
export interface TableValues<T> {
  seal(value: T): Stored;
  open(stored: Stored): T;
}

/**
 * Identifiers are looked up by their blind index and kept beside it sealed for
 * `identities:TYPE:BLIND`; with encryption off the blind is the value and nothing is sealed.
 */
export interface IdentifierValues {
  seal(type: string, value: string): { blind: string; sealed: Stored | null };
  open(type: string, blind: string, sealed: Stored | null): string;
}

/**
 * A merge's reason names what linked two profiles (`identifier userId:VALUE`): with encryption on
 * it is sealed (`sealed_reason`) and the plain column left empty; without, kept plain. Rows
 * written before reasons were sealed have only the plain column.
 */
export interface MergeReasons {
  /** The plain and sealed columns for a reason. */
  columns(reason: string): [string, Stored | null];
  open(plain: string, sealed: Stored | null): string;
}

/**
 * The contexts values are sealed for: the table, and the row's key where it is known when the value
 * is sealed (rows keyed by an automatic number are bound to their table, deliveries to their
 * destination). A value copied to another row, table or destination fails to open.
 */
export const sealedIn = {
  event: (messageId: string) => `events:${messageId}`,
  profile: (id: string) => `profiles:${id}`,
  identifier: (type: string, blind: string) => `identities:${type}:${blind}`,
  group: (id: string) => `groups:${id}`,
  destinationSecret: (name: string) => `destinations:${name}`,
  sourceUrl: (name: string) => `sources:${name}`,
  delivery: (destination: string) => `deliveries:${destination}`,
  conflict: 'identity_conflicts',
  merge: 'profile_merges',
  review: 'match_reviews',
  outbox: 'log_outbox',
  erasure: 'pending_erasures',
} as const;

type Row = Record<string, unknown>;

/**
 * A sealed column that holds one value per row, sealed for a context read from the row: what key
 * rotation reseals. The ones both backends lay out alike; each rotation adds its own (profiles,
 * identifiers, events, deliveries' blinds, the plain merge reasons of old SQLite files).
 */
export interface SealedColumn {
  table: string;
  /** The row's key, to page by. */
  key: readonly string[];
  column: string;
  context: (row: Row) => string;
}

const text = (value: unknown): string => String(value);

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'groups', key: ['id'], column: 'traits', context: (r) => sealedIn.group(text(r.id)) },
  { table: 'identity_conflicts', key: ['seq'], column: 'record', context: () => sealedIn.conflict },
  { table: 'match_reviews', key: ['id'], column: 'comparison', context: () => sealedIn.review },
  { table: 'log_outbox', key: ['seq'], column: 'message', context: () => sealedIn.outbox },
  // Webhook secrets (an embedded store seals plain ones from older folders at open).
  {
    table: 'destinations',
    key: ['name'],
    column: 'secret',
    context: (r) => sealedIn.destinationSecret(text(r.name)),
  },
  // An erasure's remaining part, left by a process that stopped before finishing it.
  {
    table: 'pending_erasures',
    key: ['request_id'],
    column: 'body',
    context: () => sealedIn.erasure,
  },
  // Database sources' connection URLs, their passwords included.
  {
    table: 'sources',
    key: ['name'],
    column: 'url',
    context: (r) => sealedIn.sourceUrl(text(r.name)),
  },
];

const layers = new WeakMap<Sealer, SealedValues>();

/** The sealing layer over a sealer (one per sealer: the adapters of an installation share it). */
export function sealedValues(sealer: Sealer): SealedValues {
  let layer = layers.get(sealer);
  if (layer === undefined) layers.set(sealer, (layer = createSealedValues(sealer)));
  return layer;
}

function createSealedValues(sealer: Sealer): SealedValues {
  const json = <T>(context: (key: string) => string): KeyedValues<T> => ({
    seal: (key, value) => sealer.seal(JSON.stringify(value), context(key)),
    open: (key, stored) => JSON.parse(sealer.open(stored, context(key))) as T,
  });
  const plainText = (context: (key: string) => string): KeyedValues<string> => ({
    seal: (key, value) => sealer.seal(value, context(key)),
    open: (key, stored) => sealer.open(stored, context(key)),
  });
  const inTable = <T>(context: string): TableValues<T> => ({
    seal: (value) => sealer.seal(JSON.stringify(value), context),
    open: (stored) => JSON.parse(sealer.open(stored, context)) as T,
  });
  return {
    encrypts: sealer.encrypts,
    indexId: sealer.indexId,
    blind: sealer.blind.bind(sealer),
    learn: sealer.learn.bind(sealer),
    event: json(sealedIn.event),
    decisions: json(sealedIn.event),
    profile: plainText(sealedIn.profile),
    group: json(sealedIn.group),
    delivery: json(sealedIn.delivery),
    destinationSecret: plainText(sealedIn.destinationSecret),
    sourceUrl: plainText(sealedIn.sourceUrl),
    conflict: inTable(sealedIn.conflict),
    review: inTable(sealedIn.review),
    outbox: inTable(sealedIn.outbox),
    erasure: inTable(sealedIn.erasure),
    identifier: {
      seal(type, value) {
        const blind = sealer.blind(type, value);
        return {
          blind,
          sealed: sealer.encrypts ? sealer.seal(value, sealedIn.identifier(type, blind)) : null,
        };
      },
      open: (type, blind, sealed) =>
        sealed === null ? blind : sealer.open(sealed, sealedIn.identifier(type, blind)),
    },
    mergeReason: {
      columns: (reason) =>
        sealer.encrypts ? ['', sealer.seal(reason, sealedIn.merge)] : [reason, null],
      open: (plain, sealed) => (sealed === null ? plain : sealer.open(sealed, sealedIn.merge)),
    },
    checkIndex(recorded, where) {
      if (recorded === sealer.indexId) return;
      const why =
        recorded === 'plain'
          ? 'holds data written without encryption: encrypt it once with `tailor keys rotate` (server stopped), or set privacy.encryption.enabled to false'
          : sealer.indexId === 'plain'
            ? 'is encrypted, and encryption cannot be turned off for it (privacy.encryption.enabled is false)'
            : `was indexed under another key (${recorded}) than the keyring's (${sealer.indexId}): a wrong key file, or an interrupted \`tailor keys rotate\` to run again`;
      throw new TailorError('invalid_request', `${where} ${why}`);
    },
  };
}
