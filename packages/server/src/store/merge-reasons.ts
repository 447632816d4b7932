import { sealedIn, type Sealer } from '../privacy/sealer.js';

/**
 * How a merge's reason is kept. It names what linked two profiles (`identifier userId:VALUE`),
 * so with encryption on it is sealed in `sealed_reason` and `reason` is left empty; without, it
 * is kept in `reason`. Returns the two columns' values.
 */
export function mergeReasonColumns(
  sealer: Sealer,
  reason: string,
): [string, string | Buffer | null] {
  return sealer.encrypts ? ['', sealer.seal(reason, sealedIn.merge)] : [reason, null];
}

/** A merge's reason back from its two columns (rows written before reasons were sealed have only `reason`). */
export function readMergeReason(
  sealer: Sealer,
  reason: string,
  sealed: string | Buffer | null,
): string {
  return sealed === null ? reason : sealer.open(sealed, sealedIn.merge);
}
