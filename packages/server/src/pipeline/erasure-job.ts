import type { Job, JobStep } from '../jobs/job.js';
import type { ErasureRecords, PendingErasure } from '../store/profile-store.js';

/** How old an unfinished erasure is before the job takes it up (the pipeline finishes its own at once). */
export const ERASURE_GRACE_MS = 60_000;
/** How often the job looks when it found nothing. */
const LOOK_EVERY_MS = 30_000;

export interface ErasureJobDeps {
  store: { erasures: ErasureRecords };
  now: () => number;
  /** Erases what the other owners hold of the person, then marks the erasure done. */
  complete: (erasure: PendingErasure) => Promise<void>;
}

/**
 * Finishes erasures a stopped process left half done: the profile store's part committed (with a
 * record of the rest) and the log's, the deliveries' or the counts' part not. Each owner's erase
 * is idempotent, so finishing one twice (this job beside the pipeline that began it) is harmless;
 * the grace period keeps the job off the ones under way.
 */
export class ErasureJob implements Job {
  readonly name = 'erasures';
  private lookAt = 0;

  constructor(private readonly deps: ErasureJobDeps) {}

  async step(): Promise<JobStep> {
    const now = this.deps.now();
    if (now < this.lookAt) return { worked: 0, finished: true };
    const pending = await this.deps.store.erasures.pending(now - ERASURE_GRACE_MS, 10);
    for (const erasure of pending) await this.deps.complete(erasure);
    if (pending.length === 0) this.lookAt = now + LOOK_EVERY_MS;
    return { worked: pending.length, finished: pending.length === 0 };
  }
}
