import { formatTimestamp, type StoredMessage } from '@tailor/core';
import type { Tailor } from '../open-tailor.js';

/**
 * Asks the pipeline to merge two profiles that share no identifier, by appending a `Profiles
 * Merged` event carrying the instruction: the merge is then part of the log like everything else
 * (replayed by backfills, visible in the person's events). Idempotent per pair of profiles.
 */
export async function requestMerge(
  tailor: Tailor,
  pair: { leftId: string; rightId: string },
  reason: string,
  source: string,
): Promise<void> {
  const [a, b] = [pair.leftId, pair.rightId].sort() as [string, string];
  const identifiers = await tailor.profiles.identifiers(a);
  const userId = identifiers.find((i) => i.type === 'userId')?.value ?? null;
  const anonymousId =
    userId === null ? (identifiers.find((i) => i.type === 'anonymousId')?.value ?? null) : null;
  const now = formatTimestamp(tailor.now());
  const message: StoredMessage = {
    type: 'track',
    messageId: `merge:${a}:${b}`,
    event: 'Profiles Merged',
    userId,
    anonymousId,
    properties: { profiles: [a, b], reason },
    timestamp: now,
    receivedAt: now,
    context: {},
    tailor: { source, merge: { profiles: [a, b], reason } },
  };
  await tailor.log.append([message]);
  tailor.background.wake();
}
