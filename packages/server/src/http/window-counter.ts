/**
 * Counts hits per name (a client address, a key and an address) in fixed windows shared by every
 * name: all counts are dropped when the window ends, so memory holds one window's names at most,
 * and past `maxNames` the counts start over early (a flood of distinct names makes the counter
 * forget, never grow). Synchronous, one Map lookup a hit: cheap enough for every request.
 */
export class WindowCounter {
  private counts = new Map<string, number>();
  private endsAt = 0;

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly maxNames = 100_000,
  ) {}

  /** Nothing counted in this window (callers skip working out a name). */
  get idle(): boolean {
    return this.counts.size === 0;
  }

  /** Counts a hit for `name`; false once it is over `max` in this window (this hit included). */
  hit(name: string, now: number): boolean {
    this.roll(now);
    const count = (this.counts.get(name) ?? 0) + 1;
    if (count === 1 && this.counts.size >= this.maxNames) this.counts.clear();
    this.counts.set(name, count);
    return count <= this.max;
  }

  /** How many hits `name` has in this window. */
  count(name: string, now: number): number {
    this.roll(now);
    return this.counts.get(name) ?? 0;
  }

  /** Whole seconds until the window ends, at least 1 (for Retry-After). */
  retryAfter(now: number): number {
    return Math.max(1, Math.ceil((this.endsAt - now) / 1000));
  }

  private roll(now: number): void {
    if (now < this.endsAt) return;
    this.counts.clear();
    this.endsAt = now - (now % this.windowMs) + this.windowMs;
  }
}
