import type { EventLog } from '../log/event-log.js';

/** The records the decision retention deletes: track events of this name. */
export const DECISION_EVENT = 'Decision Made';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Positions a step reads (~10 ms), between which the thread serves requests. */
const CHUNK = 20_000;

export interface DecisionRetentionOptions {
  log: EventLog;
  days: number;
  now: () => number;
  /** The last position the profile pipeline folded: nothing past it is deleted before it counted it. */
  folded: () => Promise<number>;
  onError: (error: unknown) => void;
}

/**
 * Deletes `Decision Made` records received more than `days` ago from the log, at start and every
 * hour, a range of positions at a time. The log is in order of receipt, so each pass goes on from
 * where the last one met a newer record. Counts derived from the records (frequency caps, bandit
 * arms) are kept by the pipeline as it folds them, and only folded records are deleted; a cap
 * counted again from the log (a changed definition) sees the records within the retention only.
 */
export class DecisionRetention {
  private from = 0;
  private running: Promise<number> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private first: ReturnType<typeof setImmediate> | undefined;
  private stopped = false;

  constructor(private readonly options: DecisionRetentionOptions) {}

  start(): void {
    const run = (): void => {
      this.run().catch(this.options.onError);
    };
    this.first = setImmediate(run);
    this.timer = setInterval(run, HOUR_MS);
    this.timer.unref();
  }

  /** One pass; how many records it deleted. */
  run(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearImmediate(this.first);
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<number> {
    const { log, days, now, folded } = this.options;
    const receivedBefore = now() - days * DAY_MS;
    const upTo = await folded();
    let deleted = 0;
    for (;;) {
      const step = await log.prune({
        event: DECISION_EVENT,
        receivedBefore,
        after: this.from,
        upTo,
        chunk: CHUNK,
      });
      deleted += step.deleted;
      // A range that held a newer record is read again next time (its records will age).
      if (step.newer) return deleted;
      this.from = step.next;
      if (step.next >= upTo || this.stopped) return deleted;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
