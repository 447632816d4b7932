import type { Job, JobStep } from '../jobs/job.js';
import type { BackfillJobs } from '../store/backfill-jobs.js';
import type { SegmentSizes } from '../store/profile-store.js';
import { hourStart } from '../store/segment-size-rules.js';

/** Segments counted per step at most (each count is one indexed query). */
const PER_STEP = 50;

export interface SegmentVersion {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface SegmentSizeDeps {
  sizes: SegmentSizes;
  backfills: Pick<BackfillJobs, 'next' | 'latest'>;
  /** The segments defined now, with their versions and when each was created and changed. */
  segments: () => Promise<readonly SegmentVersion[]>;
  now: () => number;
  /** How often to look whether a count is due, in ms (nothing is read in between). */
  checkMs: number;
}

/**
 * Keeps each segment's size over time (docs/segments.md, "Size over time"), as an upkeep job, so
 * on one node at a time: a segment is counted once each clock hour, and as soon as the backfill
 * that follows a change of its definition is done (the count under the new version). A segment
 * a running backfill names is not counted until it is done: its membership is being rebuilt.
 */
export class SegmentSizeJob implements Job {
  readonly name = 'segment-sizes';
  /** Each segment's latest count as far as this job knows (read from the store once). */
  private latest: Map<string, { at: string; version: number }> | undefined;
  private checkedAt = -Infinity;

  constructor(private readonly deps: SegmentSizeDeps) {}

  async step(): Promise<JobStep> {
    const idle = { worked: 0, finished: true };
    const now = this.deps.now();
    if (now < this.checkedAt + this.deps.checkMs) return idle;
    this.checkedAt = now;
    const latest = (this.latest ??= new Map(
      (await this.deps.sizes.latest()).map((s) => [s.segment, s]),
    ));
    const segments = await this.deps.segments();
    if (segments.length === 0) return idle;
    const running = await this.deps.backfills.next();
    const rebuilding = new Set(running?.names ?? []);
    const hour = hourStart(now);
    const due: SegmentVersion[] = [];
    for (const s of segments) {
      if (rebuilding.has(`segment:${s.name}`)) continue;
      const last = latest.get(s.name);
      const changed = last === undefined || last.version !== s.version || last.at < s.createdAt;
      if (changed ? await this.rebuilt(s, now) : last.at < hour) due.push(s);
    }
    if (due.length === 0) return idle;
    const batch = due.slice(0, PER_STEP);
    await this.deps.sizes.record(
      batch.map(({ name, version }) => ({ name, version })),
      now,
    );
    // Those another node counted this hour are as good as counted here.
    const at = new Date(now).toISOString();
    for (const s of batch) latest.set(s.name, { at, version: s.version });
    if (due.length > batch.length) this.checkedAt = -Infinity; // the rest at the next step
    return { worked: batch.length, finished: due.length === batch.length };
  }

  /**
   * Whether the backfill the segment's last change started has rebuilt every profile. A segment
   * no backfill names (its record is gone) counts once its change is a minute old: a backfill is
   * recorded right after the definition is saved.
   */
  private async rebuilt(segment: SegmentVersion, now: number): Promise<boolean> {
    const job = await this.deps.backfills.latest(`segment:${segment.name}`);
    if (job === undefined) return Date.parse(segment.updatedAt) <= now - 60_000;
    return job.status === 'done' && job.startedAt >= segment.updatedAt;
  }
}
