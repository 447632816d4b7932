import { ACTIVITY_WINDOWS, type ActivityResult, type ActivityWindow } from './activity.schema.js';

/** Where a window's buckets lie: [from, to), `buckets` of `bucketMs` each, the last holding `now`. */
export interface ActivityFrame {
  window: ActivityWindow;
  from: number;
  to: number;
  bucketMs: number;
  buckets: number;
}

/** The window ending with the (UTC-aligned) bucket `now` falls in. */
export function activityFrame(window: ActivityWindow, now: number): ActivityFrame {
  const { ms, bucketMs } = ACTIVITY_WINDOWS[window];
  const to = (Math.floor(now / bucketMs) + 1) * bucketMs;
  return { window, from: to - ms, to, bucketMs, buckets: ms / bucketMs };
}

/** Counts events into a frame's buckets and by name, as they come in any order. */
export class ActivityTally {
  readonly counts: number[];
  private readonly names = new Map<string, number>();

  constructor(private readonly frame: ActivityFrame) {
    this.counts = new Array<number>(frame.buckets).fill(0);
  }

  /** An event at `at` (ms), named `name` (undefined for identify, group, alias); outside the frame: ignored. */
  add(at: number, name: string | undefined): void {
    if (!(at >= this.frame.from && at < this.frame.to)) return;
    const b = Math.floor((at - this.frame.from) / this.frame.bucketMs);
    this.counts[b] = (this.counts[b] ?? 0) + 1;
    if (name !== undefined) this.names.set(name, (this.names.get(name) ?? 0) + 1);
  }

  /** The names with their counts, any order. */
  byName(): [string, number][] {
    return [...this.names];
  }
}

/** The report from the counts per bucket and per name (any order; the `top` most are kept). */
export function activityResult(
  frame: ActivityFrame,
  counts: readonly number[],
  byName: readonly (readonly [string, number])[],
  options: { top: number; read: 'projection' | 'log'; complete: boolean },
): ActivityResult {
  const buckets = Array.from({ length: frame.buckets }, (_, b) => ({
    at: new Date(frame.from + b * frame.bucketMs).toISOString(),
    events: counts[b] ?? 0,
  }));
  const top = [...byName]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, options.top)
    .map(([event, events]) => ({ event, events }));
  return {
    window: frame.window,
    from: new Date(frame.from).toISOString(),
    to: new Date(frame.to).toISOString(),
    bucketSeconds: frame.bucketMs / 1000,
    buckets,
    total: buckets.reduce((sum, b) => sum + b.events, 0),
    top,
    read: options.read,
    complete: options.complete,
  };
}
