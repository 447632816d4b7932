/**
 * Runs a unit of work again and again while it finds something to do, in the background: started
 * by `wake` (a commit said there is new work) and by a poll (when given one), never twice at once,
 * yielding to requests between units; a wake while it runs makes it run again once it ends. The
 * profile pipeline, the webhook dispatcher and a node's reading of settings another node changed
 * run on it.
 */
export class BackgroundLoop {
  private started = false;
  private running = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> = Promise.resolve();

  /** `work` returns how much it did; the loop stops when it returns 0 (or throws: `onError`). */
  constructor(
    private readonly work: () => Promise<number>,
    private readonly options: {
      /** Also runs this often (none: only when woken). */
      pollMs?: number;
      /**
       * How long to wait after a unit that did `done` before the next (none: the next runs once
       * requests waiting have had their turn). A wake meanwhile runs nothing sooner.
       */
      restMs?: (done: number) => number;
      onError?: ((error: unknown) => void) | undefined;
    },
  ) {}

  start(): void {
    this.started = true;
    if (this.options.pollMs !== undefined) {
      this.timer = setInterval(() => {
        this.wake();
      }, this.options.pollMs);
      this.timer.unref();
    }
    this.wake();
  }

  /** There may be new work: run soon (once started). */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.current = this.run().finally(() => {
      this.running = false;
    });
  }

  /** Resolves when the run in progress, if any, has finished. */
  idle(): Promise<void> {
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.current;
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      try {
        for (let done = 0; !this.stopped && (done = await this.work()) > 0;) {
          const rest = this.options.restMs?.(done) ?? 0;
          await new Promise((resolve) =>
            rest > 0 ? setTimeout(resolve, rest) : setImmediate(resolve),
          );
        }
      } catch (error) {
        this.options.onError?.(error);
        return;
      }
    } while (this.wokenMeanwhile());
  }

  /** True when `wake` was called while the loop ran (set from outside, between awaits). */
  private wokenMeanwhile(): boolean {
    return this.again && !this.stopped;
  }
}
