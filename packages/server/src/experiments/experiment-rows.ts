import { createHash } from 'node:crypto';
import type { StoredMessage } from '@tailor/core';
import { EXPOSURE_EVENT } from './exposure-event.js';

/**
 * What experiment results need of one logged event, as the reports projection keeps it: the
 * person it counts for (`key`, the 64-bit key of userId ?? anonymousId; null when the event is no
 * track call or carries neither), the second identifier's key when it carries both (`other`), and
 * for an exposure the experiment and variant it names. The feed's input is this small shape, so
 * records other than track events (compact exposure records) can feed the same columns.
 */
export interface ExperimentFields {
  key: bigint | null;
  other: bigint | null;
  exposure: { experiment: string; variant: string } | undefined;
}

/** An identifier's 64-bit key (see `experimentKeys`). */
export type ExperimentKey = (value: string) => bigint;

/**
 * Keys people as the log pass does (by the identifier's value, whatever its type), as the first 8
 * bytes of a SHA-256 of its blind index: with encryption on an HMAC under the index key, so the
 * projection holds no identifier nor anything a dictionary reverses; off, the identifiers are in
 * the clear in the log anyway. Two of 4 million people share a key with a chance of about 5e-7.
 */
export function experimentKeys(blind: (type: string, value: string) => string): ExperimentKey {
  return (value) => createHash('sha256').update(blind('userId', value)).digest().readBigInt64BE(0);
}

export function experimentFieldsOf(message: StoredMessage, keyOf: ExperimentKey): ExperimentFields {
  const none: ExperimentFields = { key: null, other: null, exposure: undefined };
  if (message.type !== 'track' || message.event === undefined) return none;
  const first = message.userId ?? message.anonymousId;
  if (first === null) return none;
  const other =
    message.userId !== null && message.anonymousId !== null ? keyOf(message.anonymousId) : null;
  return { key: keyOf(first), other, exposure: exposureOf(message) };
}

/** The experiment and variant an `Experiment Viewed` event names (both strings), else undefined. */
export function exposureOf(
  message: StoredMessage,
): { experiment: string; variant: string } | undefined {
  if (message.event !== EXPOSURE_EVENT) return undefined;
  const p = message.properties;
  if (typeof p?.experiment !== 'string' || typeof p.variant !== 'string') return undefined;
  return { experiment: p.experiment, variant: p.variant };
}
