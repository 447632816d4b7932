import type { ErasureRecords, PendingErasure } from '../store/profile-store.js';

/**
 * A store that holds data about people beside the profile store (the log, webhook deliveries,
 * bandit counts, the suppression list, the audit log): it erases what it holds of one erased
 * person. Idempotent: an erasure a stopped process left half done is completed again from the top.
 */
export interface ErasureOwner {
  /** What it holds, for errors and docs (`the log`, `webhook deliveries`…). */
  readonly name: string;
  erase(person: PendingErasure): Promise<void>;
}

/**
 * Completes erasures in one place. The profile store erases its part in the transaction that
 * moves the pipeline past the request, and records what is left (a pending erasure); then each
 * owner is asked in turn, and the record is deleted only once every one has answered. An owner
 * that fails leaves the record, and the erasure job asks them all again later.
 */
export class ErasureCoordinator {
  constructor(
    private readonly owners: readonly ErasureOwner[],
    private readonly store: { erasures: ErasureRecords },
  ) {}

  /** Who is asked, in order. */
  get ownerNames(): string[] {
    return this.owners.map((o) => o.name);
  }

  async complete(erasure: PendingErasure): Promise<void> {
    for (const owner of this.owners) {
      try {
        await owner.erase(erasure);
      } catch (error) {
        throw new Error(`erasing ${erasure.requestId} from ${owner.name} failed`, {
          cause: error,
        });
      }
    }
    await this.store.erasures.done(erasure.requestId);
  }
}
