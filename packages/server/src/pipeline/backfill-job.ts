import {
  ProfileGraph,
  rebuildDerived,
  type CompiledDefinitions,
  type StoredMessage,
} from '@tailor/core';
import type { Job, JobStep } from '../jobs/job.js';
import type { EventLog } from '../log/event-log.js';
import type { FoldStore, ProfileReader, ProfileStore } from '../store/profile-store.js';

/** Profiles rebuilt per step. */
const PAGE = 200;
/** Reads of a page's profiles before giving up on one that keeps receiving events (the step fails, and is run again). */
const REBUILD_ATTEMPTS = 20;

export interface BackfillDeps {
  store: Pick<ProfileStore, 'backfills'> &
    Pick<ProfileReader, 'live' | 'eventPositions'> &
    Pick<FoldStore, 'refresh'>;
  log: Pick<EventLog, 'readPositions'>;
  /** The current definitions (undefined: none, the pages are only counted). */
  plan: () => Promise<CompiledDefinitions | undefined>;
  now: () => number;
  /** The consent purposes kept on profiles (events that came without analytics consent feed nothing). */
  purposes?: readonly string[];
  /**
   * Reads the definitions from the store again before a backfill's first page: the backfill was
   * started after its definitions were saved, maybe by another thread or node whose news of the
   * change has not reached this one yet (it would rebuild everyone under the old ones).
   */
  reload?: () => Promise<void>;
  /** After a page was rebuilt and committed: tell readers which profiles changed. */
  rebuilt: (profiles: string[]) => Promise<void>;
}

/**
 * The definitions' backfill as a `Job`: each step rebuilds a page of profiles of the oldest running
 * backfill from all their events under the current definitions, and moves its stored cursor and
 * count (`store.backfills`), which is where a restarted node resumes. The pipeline runs it between
 * batches, so no event is folded while a profile is being rebuilt and a rebuilt profile is exact.
 */
export class BackfillJob implements Job {
  readonly name = 'backfill';

  /** The backfill whose definitions were read for it. */
  private readFor: number | undefined;

  constructor(private readonly deps: BackfillDeps) {}

  async step(): Promise<JobStep> {
    const { store, log } = this.deps;
    const job = await store.backfills.next();
    if (job === undefined) return { worked: 0, finished: true };
    if (job.id !== this.readFor) {
      await this.deps.reload?.();
      this.readFor = job.id;
    }
    const now = this.deps.now();
    const page = await store.live(job.cursor, PAGE);
    const plan = await this.deps.plan();
    if (plan !== undefined && page.profiles.length > 0) {
      // A fold on another node may add events to a profile between the read of its events and
      // its rebuild: the store leaves such a profile out, and it is read and rebuilt again.
      let pending = page.profiles.map((p) => p.id);
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > REBUILD_ATTEMPTS)
          throw new Error(
            `profiles ${pending.join(', ')} kept receiving events during their rebuild; the page is rebuilt again`,
          );
        const events = new Map<string, StoredMessage[]>();
        const lastEvents = new Map<string, number>();
        for (const id of pending) {
          const { positions } = await store.eventPositions(id, 0, Number.MAX_SAFE_INTEGER - 1);
          events.set(
            id,
            (await log.readPositions(positions)).map((e) => e.message),
          );
          lastEvents.set(id, positions[positions.length - 1] ?? 0);
        }
        const moved = await store.refresh(
          pending,
          (snapshot) => {
            const graph = new ProfileGraph(snapshot);
            for (const [id, messages] of events) {
              const profile = graph.find(id);
              if (profile) rebuildDerived(graph, profile, messages, plan, now, this.deps.purposes);
            }
            return graph.changes;
          },
          lastEvents,
        );
        const again = new Set(moved);
        await this.deps.rebuilt(pending.filter((id) => !again.has(id)));
        pending = moved;
      }
    }
    const last = page.profiles[page.profiles.length - 1];
    const finished = page.next === null;
    await store.backfills.advance(job.id, {
      cursor: last?.rank ?? job.cursor,
      processed: page.profiles.length,
      finishedAt: finished ? new Date(now).toISOString() : undefined,
    });
    return {
      worked: Math.max(1, page.profiles.length),
      progress: { done: Math.min(job.total, job.done + page.profiles.length), total: job.total },
      // This run is done; another may be waiting (the next step picks it up).
      finished: finished && (await store.backfills.next()) === undefined,
    };
  }
}
