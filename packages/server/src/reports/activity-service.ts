import {
  activityFrame,
  activityResult,
  ActivityTally,
  MAX_FUTURE_MS,
  type ActivityQuery,
  type ActivityResult,
  type StoredMessage,
} from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { ProfileReader } from '../store/profile-store.js';
import { eventName, REPORTS_PURPOSE } from './person-timelines.js';
import { activityBucketsSql, activityNamesSql } from './projection/activity-sql.js';
import type { ReportProjection } from './projection/report-projection.js';

export interface ActivityDeps {
  log: Pick<EventLog, 'readBefore'>;
  profiles: Pick<ProfileReader, 'byIdentifier'>;
  /** The columnar projection of the log, when this process keeps one (docs/reports.md). */
  projection?: () => ReportProjection | undefined;
  /** Whether a message names a suppressed (erased) person. */
  suppressed: (message: StoredMessage) => boolean;
  now: () => number;
  /** Without a projection, the log read stops after this many events (200,000 by default). */
  logBound?: number;
  pageSize?: number;
  pause?: () => Promise<void>;
}

/** One event the log read keeps until its person's consent is known. */
interface Seen {
  at: number;
  name: string | undefined;
  userId: string | null;
  anonymousId: string | null;
}

/**
 * Events over time and the top event names for the overview (docs/reports.md), counted by event
 * time as the other reports count: from the reports' projection when this process keeps one
 * (events the pipeline folded), else from the log read back from its end until the window's
 * start (several nodes keep no projection). Either way people who refused analytics and erased
 * people are left out, and events that name nobody are not counted.
 */
export class ActivityService {
  constructor(private readonly deps: ActivityDeps) {}

  async activity(query: ActivityQuery): Promise<ActivityResult> {
    const frame = activityFrame(query.window ?? 'hour', this.deps.now());
    const top = query.top ?? 10;
    const projection = this.deps.projection?.();
    if (projection !== undefined) {
      const buckets = await projection.query(() => activityBucketsSql(frame));
      const names = await projection.query(() => activityNamesSql(frame, top));
      const counts = new Array<number>(frame.buckets).fill(0);
      for (const [b, n] of buckets) counts[Number(b)] = Number(n);
      const byName = names.map(([name, n]) => [String(name), Number(n)] as const);
      return activityResult(frame, counts, byName, { top, read: 'projection', complete: true });
    }
    const { seen, complete } = await this.readBack(frame.from, frame.to);
    const refused = await this.refusers(seen);
    const tally = new ActivityTally(frame);
    for (const e of seen) if (!refused(e)) tally.add(e.at, e.name);
    return activityResult(frame, tally.counts, tally.byName(), { top, read: 'log', complete });
  }

  /**
   * The events timestamped in [from, to), read from the log's end back to those received a day
   * before `from` (a timestamp may lie up to a day after its receipt), or to the bound.
   */
  private async readBack(from: number, to: number): Promise<{ seen: Seen[]; complete: boolean }> {
    const bound = this.deps.logBound ?? 200_000;
    const pageSize = this.deps.pageSize ?? 5000;
    const seen: Seen[] = [];
    let before: number | undefined;
    let read = 0;
    while (read < bound) {
      const ask = Math.min(pageSize, bound - read);
      const page = await this.deps.log.readBefore(before, ask);
      for (const { position, message } of page) {
        if (Date.parse(message.receivedAt) < from - MAX_FUTURE_MS) return { seen, complete: true };
        before = position;
        const at = Date.parse(message.timestamp);
        if (!(at >= from && at < to)) continue;
        if (message.userId === null && message.anonymousId === null) continue;
        if (this.deps.suppressed(message)) continue;
        const { userId, anonymousId } = message;
        seen.push({ at, name: eventName(message), userId, anonymousId });
      }
      read += page.length;
      if (page.length < ask) return { seen, complete: true }; // the log's start
      if (this.deps.pause) await this.deps.pause();
    }
    // Stopped by the bound: complete only if nothing is left before where it stopped.
    const rest = await this.deps.log.readBefore(before, 1);
    return { seen, complete: rest.length === 0 };
  }

  /**
   * Whether an event's person refused analytics: the profile of its userId, else of its
   * anonymousId (one read per identifier); an identifier with no profile yet refused nothing.
   */
  private async refusers(seen: readonly Seen[]): Promise<(e: Seen) => boolean> {
    const refuses = new Map<string, boolean | undefined>();
    const keys = new Set<string>();
    for (const e of seen) {
      if (e.userId !== null) keys.add(`u:${e.userId}`);
      if (e.anonymousId !== null) keys.add(`a:${e.anonymousId}`);
    }
    const all = [...keys];
    for (let i = 0; i < all.length; i += 256) {
      const chunk = all.slice(i, i + 256);
      const found = await Promise.all(
        chunk.map((key) =>
          this.deps.profiles.byIdentifier({
            type: key.startsWith('u:') ? 'userId' : 'anonymousId',
            value: key.slice(2),
          }),
        ),
      );
      chunk.forEach((key, j) => {
        const profile = found[j];
        refuses.set(
          key,
          profile === undefined
            ? undefined
            : profile.consent.current[REPORTS_PURPOSE]?.granted === false,
        );
      });
    }
    return (e) => {
      const user = e.userId === null ? undefined : refuses.get(`u:${e.userId}`);
      if (user !== undefined) return user;
      return (e.anonymousId === null ? undefined : refuses.get(`a:${e.anonymousId}`)) ?? false;
    };
  }
}
