import { Worker } from 'node:worker_threads';
import type { IdentifierRef, StoredMessage } from '@tailor/core';
import type { Config } from '../config/config.schema.js';
import type { FoldedRows } from '../reports/projection/projection-feed.js';
import type { Background } from './background.js';

/** What the request thread tells the worker. */
export type ToWorker =
  | { type: 'wake' }
  | { type: 'definitions' }
  | { type: 'suppressions' }
  | { type: 'stop' }
  | { type: 'appended'; id: number; stored: boolean[] }
  | { type: 'append-failed'; id: number; error: string };
/** What the worker tells the request thread. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'batch'; events: number; lagSeconds: number }
  | { type: 'changed'; profiles: string[]; identifiers: IdentifierRef[] }
  | { type: 'projected'; rows: FoldedRows }
  | { type: 'suppressed' }
  | { type: 'append'; id: number; messages: StoredMessage[] };

export interface BackgroundThreadOptions {
  config: Readonly<Config>;
  /** The worker folded a batch (for the request thread's metrics). */
  onBatch: (events: number, lagSeconds: number) => void;
  onError: (message: string, error: unknown) => void;
  /** The worker's pipeline suppressed more identifiers (an erasure it carried out): this thread reads the list again. */
  onSuppressed?: () => void;
  /** The worker's pipeline changed these profiles and identifiers (for caches on this thread). */
  onChanged: (profiles: string[], identifiers: IdentifierRef[]) => void;
  /** The worker folded a batch: its rows for the reports projection on this thread. */
  onProjected?: (rows: FoldedRows) => void;
  /**
   * Appends the worker's events (segment entries and exits) to the log on this thread, so the log
   * has one writer: two threads taking turns at SQLite's write lock wait in sleeps of up to 100 ms.
   */
  append: (messages: readonly StoredMessage[]) => Promise<boolean[]>;
  /** The SQLite files the checkpointer thread keeps checkpointed (every other connection leaves it to it); none, no thread. */
  checkpoint: string[];
  /** The worker's entry point; the built `background-worker.js` beside this file by default. */
  entry?: URL;
  /** How long `stop` waits for the worker to finish its unit of work and close, in ms. */
  stopTimeoutMs?: number;
}

/**
 * Runs the background work on a worker thread. The worker opens the same data folder with its own
 * connections (SQLite in WAL lets them read while the request thread commits) and learns of new
 * events from `wake` messages, else from its poll. A worker that dies is restarted: it resumes
 * from its consumer positions, which move in the same transactions as its state.
 */
export class BackgroundThread implements Background {
  private worker: Worker | undefined;
  private checkpointer: Worker | undefined;
  private stopping = false;
  private wakePosted = false;
  /** The worker has opened the folder and started its loops (reset when it exits). */
  private isRunning = false;
  /** Whether a worker was ever ready: one that fails before its first start fails `ready()` instead of restarting. */
  private everReady = false;
  private waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private lastError: unknown;

  constructor(private readonly options: BackgroundThreadOptions) {}

  start(): void {
    if (this.worker !== undefined || this.stopping) return;
    if (this.options.checkpoint.length > 0)
      this.checkpointer ??= new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
        workerData: { files: this.options.checkpoint, everyMs: 500 },
      })
        .on('error', (error) => {
          this.options.onError('checkpointer failed', error);
        })
        .on('exit', () => {
          this.checkpointer = undefined; // so `stop` does not wait for an exit that already happened
        });
    const worker = new Worker(
      this.options.entry ?? new URL('./background-worker.js', import.meta.url),
      {
        workerData: { config: this.options.config },
      },
    );
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') this.becameReady();
      else if (message.type === 'batch') this.options.onBatch(message.events, message.lagSeconds);
      else if (message.type === 'changed')
        this.options.onChanged(message.profiles, message.identifiers);
      else if (message.type === 'projected') this.options.onProjected?.(message.rows);
      else if (message.type === 'suppressed') this.options.onSuppressed?.();
      else this.appendFor(worker, message.id, message.messages);
    });
    worker.on('error', (error) => {
      this.lastError = error;
      if (this.everReady) this.options.onError('background worker failed', error);
    });
    worker.on('exit', (code) => {
      this.worker = undefined;
      this.isRunning = false;
      if (this.stopping) return;
      if (!this.everReady) {
        const why = this.lastError instanceof Error ? this.lastError.message : `exit code ${code}`;
        this.failWaiters(
          new Error(`the background worker could not start: ${why}`, { cause: this.lastError }),
        );
        return;
      }
      this.options.onError(
        'background worker exited; restarting in 1 s',
        new Error(`exit code ${code}`),
      );
      setTimeout(() => {
        this.start();
      }, 1000).unref();
    });
    this.worker = worker;
  }

  ready(): Promise<void> {
    if (this.isRunning) return Promise.resolve();
    if (this.worker === undefined && !this.everReady && this.lastError !== undefined) {
      return Promise.reject(
        new Error('the background worker could not start', { cause: this.lastError }),
      );
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
  }

  running(): boolean {
    return this.isRunning;
  }

  private becameReady(): void {
    this.isRunning = true;
    this.everReady = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }

  private failWaiters(error: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }

  /** Posts at most one wake a turn of the event loop, however many commits the turn made. */
  wake(): void {
    if (this.wakePosted) return;
    this.wakePosted = true;
    setImmediate(() => {
      this.wakePosted = false;
      this.post({ type: 'wake' });
    });
  }

  definitionsChanged(): void {
    this.post({ type: 'definitions' });
  }

  suppressionsChanged(): void {
    this.post({ type: 'suppressions' });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.failWaiters(new Error('the background work was stopped before it was ready'));
    const checkpointer = this.checkpointer;
    if (checkpointer !== undefined) {
      const exited = exitOf(checkpointer);
      checkpointer.postMessage({ type: 'stop' });
      await exited;
    }
    const worker = this.worker;
    if (worker === undefined) return;
    const exited = exitOf(worker);
    this.post({ type: 'stop' });
    const timeout = setTimeout(() => void worker.terminate(), this.options.stopTimeoutMs ?? 30_000);
    await exited;
    clearTimeout(timeout);
  }

  private post(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private appendFor(worker: Worker, id: number, messages: StoredMessage[]): void {
    this.options.append(messages).then(
      (stored) => {
        worker.postMessage({ type: 'appended', id, stored } satisfies ToWorker);
      },
      (error: unknown) => {
        worker.postMessage({ type: 'append-failed', id, error: String(error) } satisfies ToWorker);
      },
    );
  }
}

/** Settles when the worker has exited, whatever it reported on the way (events.once would reject on an 'error'). */
function exitOf(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    worker.once('exit', () => {
      resolve();
    });
  });
}
