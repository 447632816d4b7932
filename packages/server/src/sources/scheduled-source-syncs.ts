import type { SourceService } from './source-service.js';

/** How often the background looks for scheduled sources that are due. */
export const SOURCE_SCHEDULE_CHECK_MS = 15_000;

/**
 * The background's work for scheduled sources: at most every `checkEveryMs`, syncs the sources
 * that are due (SourceService.syncDue). It runs where the journeys run: in the embedded
 * background, or on several nodes on the node holding the upkeep lease, so one node syncs. It never
 * throws (a source's failure is in its status) and returns how many sources it synced.
 */
export function scheduledSourceSyncs(
  sources: Pick<SourceService, 'syncDue'>,
  now: () => number,
  checkEveryMs = SOURCE_SCHEDULE_CHECK_MS,
  onError: (error: unknown) => void = () => undefined,
): () => Promise<number> {
  let checkedAt = -Infinity;
  return async () => {
    if (now() - checkedAt < checkEveryMs) return 0;
    checkedAt = now();
    try {
      return await sources.syncDue();
    } catch (error) {
      onError(error);
      return 0;
    }
  };
}
