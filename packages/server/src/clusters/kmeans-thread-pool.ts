import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  betterStart,
  KMeansStartRunner,
  type FeatureMatrix,
  type KMeansStartFit,
  type KMeansStartsJob,
  type KMeansThreads,
} from '@tailor/core';

// The words of a job's control array (an Int32Array on a SharedArrayBuffer, one per job).
/** The next start to claim (Atomics.add: each number goes to one thread). */
const NEXT = 0;
/** How many starts have finished, on any thread (for the tests). */
const FINISHED = 1;
/** From here, one word per start: who finished it first (0 while nobody has). */
const OWNER = 2;
/** The calling thread, as an owner; worker w is WORKER + w. */
const CALLER = 1;
const WORKER = 2;

/** Where a worker leaves its best fit: shared arrays, kept by the pool and grown as needed. */
interface FitSlot {
  labels: Int32Array;
  centroids: Float64Array;
  /** inertia, iterations, converged (1 or 0), start. */
  figures: Float64Array;
}

/** What the pool posts to a worker for one fit. */
export interface StartsMessage {
  control: Int32Array;
  /** Per start, its inertia, written by the thread that finished it first. */
  inertias: Float64Array;
  /** The table, its values on a SharedArrayBuffer (read, never copied, by the worker). */
  matrix: FeatureMatrix;
  job: KMeansStartsJob;
  worker: number;
  slot: FitSlot;
}

/** Where the pool posts a worker's share of a fit: the worker itself. */
export interface StartsPort {
  postMessage(message: StartsMessage): void;
}

/** A claim on a job's starts: the next start number, or −1 when all are taken. */
function claimFrom(control: Int32Array, starts: number): () => number {
  return () => {
    const start = Atomics.add(control, NEXT, 1);
    return start < starts ? start : -1;
  };
}

/** Records a finished start (its first finisher only). */
function finish(control: Int32Array, inertias: Float64Array, fit: KMeansStartFit, who: number) {
  inertias[fit.start] = fit.inertia;
  if (Atomics.compareExchange(control, OWNER + fit.start, 0, who) === 0)
    Atomics.add(control, FINISHED, 1);
}

/**
 * A worker's side of a fit (kmeans-starts-worker.ts): it runs the starts it claims, leaves its
 * best so far in its slot before saying a start is finished, so the slot holds the fit of any
 * start that is the best of all. A message that arrives after the starts were all taken claims
 * none. A start that fails is left unfinished: the calling thread runs it itself.
 */
export function runStartsMessage(message: StartsMessage): void {
  const { control, inertias, matrix, job, worker, slot } = message;
  const claim = claimFrom(control, job.starts);
  let start = claim();
  if (start < 0) return;
  let best: KMeansStartFit | undefined;
  try {
    const runner = new KMeansStartRunner(matrix, job);
    for (; start >= 0; start = claim()) {
      // Given up if the calling thread, racing it, finished it first.
      const owner = OWNER + start;
      const fit = runner.race(start, () => Atomics.load(control, owner) !== 0);
      if (fit === undefined) continue;
      if (betterStart(best, fit) === fit) {
        slot.labels.set(fit.labels);
        slot.centroids.set(fit.centroids);
        slot.figures.set([fit.inertia, fit.iterations, fit.converged ? 1 : 0, fit.start]);
        best = fit;
      }
      finish(control, inertias, fit, WORKER + worker);
    }
  } catch {
    // Left unfinished: the calling thread runs the start again, and fails there if it must.
  }
}

/**
 * fitKMeans' starts shared between the calling thread and a few worker threads kept for the
 * process (`KMeansThreads`): the table is copied into shared memory, each worker is posted the
 * job, and the calling thread runs starts too until none is left to claim. No thread waits for
 * another: a worker slow to wake claims fewer starts, or none, and the starts still running on
 * workers once none is left to claim are raced by the calling thread, which runs each too and
 * gives it up as soon as the worker finishes it first (asked at each Lloyd iteration). So a
 * worker given no core on a busy machine does not hold the fit up, and on a quiet one the race
 * costs the calling thread's otherwise idle time. The fit is the same whoever finished which
 * start. The workers do not keep the process alive.
 */
export class KMeansThreadPool implements KMeansThreads {
  private readonly slots: (FitSlot | undefined)[];

  /** A pool over these workers (or anything that takes their messages, in tests). */
  constructor(private readonly workers: (StartsPort | null)[]) {
    this.slots = this.workers.map(() => undefined);
  }

  /** `size` workers running `entry` (the built kmeans-starts-worker.js). */
  static start(entry: URL, size: number): KMeansThreadPool {
    const workers = Array.from({ length: size }, () => new Worker(entry));
    const pool = new KMeansThreadPool(workers);
    workers.forEach((worker, i) => {
      worker.unref();
      // A worker that failed to start, or ended, is not posted to again.
      const drop = (): void => {
        pool.workers[i] = null;
      };
      worker.once('error', drop);
      worker.once('exit', drop);
    });
    return pool;
  }

  /** The workers sharing the fits (those that started and have not ended). */
  get workerCount(): number {
    return this.workers.filter((w) => w !== null).length;
  }

  fitStarts(matrix: FeatureMatrix, job: KMeansStartsJob): KMeansStartFit[] {
    const { rows, columns } = matrix;
    const { starts } = job;
    const control = new Int32Array(new SharedArrayBuffer(4 * (OWNER + starts)));
    const inertias = new Float64Array(new SharedArrayBuffer(8 * starts));
    // A copy per fit: a worker may still be running a start of the last fit that was run here.
    const values = new Float64Array(new SharedArrayBuffer(matrix.values.length * 8));
    values.set(matrix.values);
    this.workers.forEach((worker, i) => {
      if (worker === null) return;
      const slot = this.slot(i, rows, job.k * columns);
      const message: StartsMessage = {
        control,
        inertias,
        matrix: { values, rows, columns },
        job,
        worker: i,
        slot,
      };
      worker.postMessage(message);
    });
    const runner = new KMeansStartRunner(matrix, job);
    let best: KMeansStartFit | undefined;
    const keep = (fit: KMeansStartFit | undefined): KMeansStartFit | undefined => {
      if (fit === undefined) return undefined;
      finish(control, inertias, fit, CALLER);
      if (betterStart(best, fit) === fit) best = { ...fit, labels: fit.labels.slice() };
      return fit;
    };
    const claim = claimFrom(control, starts);
    for (let start = claim(); start >= 0; start = claim()) keep(runner.run(start));
    // The starts still running on workers: raced here, each given up once its worker finishes.
    for (let late = unfinished(control, starts); late >= 0; late = unfinished(control, starts))
      keep(runner.race(late, () => Atomics.load(control, OWNER + late) !== 0));
    return this.chosen(control, inertias, best, job, rows, columns, (start) =>
      keep(runner.run(start)),
    );
  }

  /**
   * The best start's fit (lowest inertia, the lowest start on a tie): the calling thread's own,
   * or copied from the slot of the worker that ran it (where it stays: no start beats it).
   */
  private chosen(
    control: Int32Array,
    inertias: Float64Array,
    own: KMeansStartFit | undefined,
    job: KMeansStartsJob,
    rows: number,
    columns: number,
    runHere: (start: number) => KMeansStartFit | undefined,
  ): KMeansStartFit[] {
    let chosen = 0;
    inertias.forEach((inertia, s) => {
      if (inertia < (inertias[chosen] ?? Infinity)) chosen = s;
    });
    if (own?.start === chosen) return [own];
    const slot = this.slots[Atomics.load(control, OWNER + chosen) - WORKER];
    if (slot !== undefined && slot.figures[3] === chosen)
      return own === undefined
        ? [readSlot(slot, job.k, rows, columns)]
        : [own, readSlot(slot, job.k, rows, columns)];
    // Not expected: the slot holds the best start of its worker.
    const fit = runHere(chosen);
    return fit === undefined ? [] : [{ ...fit, labels: fit.labels.slice() }];
  }

  /** Ends the workers (the process may also just exit: they do not hold it). */
  async close(): Promise<void> {
    const workers = this.workers.filter((w) => w instanceof Worker);
    this.workers.fill(null);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private slot(i: number, rows: number, centroids: number): FitSlot {
    const slot = this.slots[i];
    if (slot !== undefined && slot.labels.length >= rows && slot.centroids.length >= centroids)
      return { ...slot, labels: slot.labels.subarray(0, rows) };
    const made = {
      labels: new Int32Array(new SharedArrayBuffer(rows * 4)),
      centroids: new Float64Array(new SharedArrayBuffer(centroids * 8)),
      figures: new Float64Array(new SharedArrayBuffer(4 * 8)),
    };
    this.slots[i] = made;
    return made;
  }
}

/** The lowest start nobody has finished (one still running on a worker). */
function unfinished(control: Int32Array, starts: number): number {
  for (let s = 0; s < starts; s++) if (Atomics.load(control, OWNER + s) === 0) return s;
  return -1;
}

/** A worker's best fit, copied out of its slot. */
function readSlot(slot: FitSlot, k: number, rows: number, columns: number): KMeansStartFit {
  const [inertia = NaN, iterations = 0, converged = 0, start = -1] = slot.figures;
  return {
    k,
    centroids: slot.centroids.slice(0, k * columns),
    labels: slot.labels.slice(0, rows),
    inertia,
    iterations,
    converged: converged === 1,
    start,
  };
}

let processPool: KMeansThreadPool | null | undefined;

/**
 * The process's pool (made on first use): one worker fewer than the machine's cores, at most 3
 * (10 starts over 4 threads), from the built worker beside this module. Undefined on one core,
 * and when run from the TypeScript sources (no built worker): the starts then run on the
 * calling thread, to the same fit.
 */
export function kmeansThreads(): KMeansThreadPool | undefined {
  if (processPool === undefined) {
    const size = Math.min(availableParallelism() - 1, 3);
    const entry = new URL('./kmeans-starts-worker.js', import.meta.url);
    processPool =
      size > 0 && existsSync(fileURLToPath(entry)) ? KMeansThreadPool.start(entry, size) : null;
  }
  return processPool ?? undefined;
}
