import { randomUUID } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562): the time in milliseconds in the first 48 bits, then random bits
 * (those of a version 4 UUID, which Node draws from a pooled source). The log's messageId index
 * keeps ids in order, so ids Tailor makes in time order (decisions, exposures) go to the end of
 * the index instead of to a random page each: fewer pages written per commit.
 */
export function timeOrderedId(at: number): string {
  const time = (Math.max(0, Math.floor(at)) % 2 ** 48).toString(16).padStart(12, '0');
  // randomUUID: xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx (y holds the variant, kept).
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
