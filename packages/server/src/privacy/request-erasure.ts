import { randomUUID } from 'node:crypto';
import { formatTimestamp } from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { ProfileReader } from '../store/profile-store.js';
import type { Suppressions } from './suppressions.js';

/** What an erasure request answers: it is carried out by the pipeline when it reaches the request in the log. */
export interface ErasureAccepted {
  requestId: string;
  profileId: string;
}

export interface ErasureRequestDeps {
  store: Pick<ProfileReader, 'identifiers'>;
  log: Pick<EventLog, 'append'>;
  suppressions: Pick<Suppressions, 'add'>;
  now: () => number;
  /**
   * Moves the definitions generation once the suppressions are stored, before the instruction
   * enters the log: a fold under an older generation (another node's pipeline that has not read
   * the new suppressions yet) is refused and reads them again, so no event of the person folded
   * after the erasure brings them back (docs/scale-out.md).
   */
  fence?: () => Promise<unknown>;
}

/**
 * Files an erasure of a profile: its identifiers are suppressed at once (nothing collected from now
 * on recreates the person), and an instruction is appended to the log, which the pipeline carries
 * out in log order (every event before it included). `requestedBy` is who asked (a key, or
 * `source:NAME`), named in the audit entry of its completion.
 */
export async function requestErasure(
  deps: ErasureRequestDeps,
  profileId: string,
  requestedBy: string,
): Promise<ErasureAccepted> {
  const now = formatTimestamp(deps.now());
  await deps.suppressions.add(await deps.store.identifiers(profileId), now);
  await deps.fence?.();
  const requestId = randomUUID();
  await deps.log.append([
    {
      type: 'track',
      event: 'Erasure Requested',
      messageId: `erase:${requestId}`,
      userId: null,
      anonymousId: null,
      timestamp: now,
      receivedAt: now,
      properties: { profileId, requestId },
      context: {},
      tailor: { source: requestedBy, erase: { profileId, requestId } },
    },
  ]);
  return { requestId, profileId };
}
