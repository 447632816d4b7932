import type { Dispatcher } from '../destinations/dispatcher.js';
import type { BackgroundLoop } from '../pipeline/background-loop.js';
import type { ProfilePipeline } from '../pipeline/profile-pipeline.js';

/**
 * The work `tailor serve` runs beside its requests: the profile pipeline (identity, profiles,
 * computed traits, segments) and the webhook dispatcher. Either on the request thread
 * (`InlineBackground`) or on a worker thread with its own database connections
 * (`BackgroundThread`), so folding and delivering never hold up collection.
 */
export interface Background {
  start(): void;
  /**
   * Resolves once the work runs (a worker thread has opened the folder and started its pipeline and
   * dispatcher); rejects when it could not start. `serve` listens only after it.
   */
  ready(): Promise<void>;
  /** True while the work runs (false before it is ready, and while a failed worker restarts). */
  running(): boolean;
  /** New events were committed to the log: fold and deliver them soon. */
  wake(): void;
  /** A segment, computed trait, placement, tracking plan or destination changed: work with the new definitions. */
  definitionsChanged(): void;
  /** A suppression was lifted or added on this thread: the pipeline and the dispatcher read the list again. */
  suppressionsChanged(): void;
  stop(): Promise<void>;
}

/**
 * The pipeline and the dispatcher on the calling thread (tests, and the worker thread itself), and
 * other loops that follow the log beside them (the journeys): each runs on its own, so one that
 * fails does not hold up the others.
 */
export class InlineBackground implements Background {
  private started = false;

  constructor(
    private readonly pipeline: ProfilePipeline,
    private readonly dispatcher: Dispatcher,
    private readonly loops: readonly BackgroundLoop[] = [],
  ) {}

  start(): void {
    this.pipeline.start();
    this.dispatcher.start();
    for (const loop of this.loops) loop.start();
    this.started = true;
  }

  /** Both loops run as soon as `start` returns. */
  ready(): Promise<void> {
    return this.started
      ? Promise.resolve()
      : Promise.reject(new Error('the background work was not started'));
  }

  running(): boolean {
    return this.started;
  }

  wake(): void {
    this.pipeline.wake();
    this.dispatcher.wake();
    for (const loop of this.loops) loop.wake();
  }

  /** The in-process pipeline reads the definitions as they are now; the dispatcher reads its destinations again. */
  definitionsChanged(): void {
    this.pipeline.wake();
    this.dispatcher.destinationsChanged();
  }

  /** The in-process pipeline and dispatcher share this thread's suppression list. */
  suppressionsChanged(): void {
    this.pipeline.wake();
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.pipeline.stop();
    await this.dispatcher.stop();
    for (const loop of this.loops) await loop.stop();
  }
}
