import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  fitKMeansStarts,
  type FeatureMatrix,
  type KMeansStartFit,
  type KMeansStartsJob,
  type KMeansThreads,
} from '@tailor/core';

// The words of a job's control array (an Int32Array on a SharedArrayBuffer, one per job).
/** The next start to claim (Atomics.add: each number goes to one thread). */
const NEXT = 0;
/** Workers inside the job; the calling thread waits for 0 once no start is left. */
const PENDING = 1;
/** From here, one word per worker: what it left in its slot. */
const STATUS = 2;
const LEFT_NOTHING = 0;
const LEFT_FIT = 1;
const FAILED = 2;

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
  /** The table, its values on a SharedArrayBuffer (read, never copied, by the worker). */
  matrix: FeatureMatrix;
  job: KMeansStartsJob;
  worker: number;
  slot: FitSlot;
}

/** A claim on a job's starts: the next start number, or −1 when all are taken. */
function claimFrom(control: Int32Array, starts: number): () => number {
  return () => {
    const start = Atomics.add(control, NEXT, 1);
    return start < starts ? start : -1;
  };
}

/**
 * A worker's side of a fit (kmeans-starts-worker.ts): it runs the starts it claims and leaves the
 * best in its slot. Whatever happens, it says so in its status word and leaves the job, waking
 * the thread that waits for it. A message that arrives after the job's starts were all taken
 * claims none and leaves at once.
 */
export function runStartsMessage({ control, matrix, job, worker, slot }: StartsMessage): void {
  Atomics.add(control, PENDING, 1);
  let status = LEFT_NOTHING;
  try {
    const fit = fitKMeansStarts(matrix, job, claimFrom(control, job.starts));
    if (fit !== undefined) {
      slot.labels.set(fit.labels);
      slot.centroids.set(fit.centroids);
      slot.figures.set([fit.inertia, fit.iterations, fit.converged ? 1 : 0, fit.start]);
      status = LEFT_FIT;
    }
  } catch {
    status = FAILED;
  }
  Atomics.store(control, STATUS + worker, status);
  Atomics.sub(control, PENDING, 1);
  Atomics.notify(control, PENDING);
}

/**
 * fitKMeans' starts shared between the calling thread and a few worker threads kept for the
 * process (`KMeansThreads`): the table is copied once per fit into shared memory, each worker is
 * posted the job, and the calling thread runs starts too until none is left, then waits (blocked,
 * not spinning: Atomics.wait) for the workers still running one. No thread waits for another to
 * start: a worker that is slow to wake (a busy machine) claims fewer starts, or none. The
 * workers do not keep the process alive.
 */
export class KMeansThreadPool implements KMeansThreads {
  private readonly workers: (Worker | null)[];
  private readonly slots: (FitSlot | undefined)[];
  private table = new Float64Array(new SharedArrayBuffer(0));

  constructor(entry: URL, size: number) {
    this.workers = Array.from({ length: size }, (_, i) => {
      const worker = new Worker(entry);
      worker.unref();
      // A worker that failed to start, or ended, is not posted to again.
      const drop = (): void => {
        this.workers[i] = null;
      };
      worker.once('error', drop);
      worker.once('exit', drop);
      return worker;
    });
    this.slots = this.workers.map(() => undefined);
  }

  fitStarts(matrix: FeatureMatrix, job: KMeansStartsJob): KMeansStartFit[] {
    const { rows, columns } = matrix;
    const control = new Int32Array(new SharedArrayBuffer(4 * (STATUS + this.workers.length)));
    const shared = { values: this.shareValues(matrix.values), rows, columns };
    const posted: number[] = [];
    this.workers.forEach((worker, i) => {
      if (worker === null) return;
      const slot = this.slot(i, rows, job.k * columns);
      const message: StartsMessage = { control, matrix: shared, job, worker: i, slot };
      worker.postMessage(message);
      posted.push(i);
    });
    const fits: KMeansStartFit[] = [];
    const own = fitKMeansStarts(matrix, job, claimFrom(control, job.starts));
    if (own !== undefined) fits.push(own);
    for (let pending; (pending = Atomics.load(control, PENDING)) !== 0;)
      Atomics.wait(control, PENDING, pending);
    for (const i of posted) {
      const status = Atomics.load(control, STATUS + i);
      if (status === FAILED) throw new Error('a k-means worker thread failed during a fit');
      const slot = this.slots[i];
      if (status === LEFT_FIT && slot !== undefined)
        fits.push(readSlot(slot, job.k, rows, columns));
    }
    return fits;
  }

  /** The workers sharing the fits (those that started and have not ended). */
  get workerCount(): number {
    return this.workers.filter((w) => w !== null).length;
  }

  /** Ends the workers (the process may also just exit: they do not hold it). */
  async close(): Promise<void> {
    const workers = this.workers.filter((w): w is Worker => w !== null);
    this.workers.fill(null);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /**
   * The values in the pool's shared table, grown as needed. Reused across fits: a worker reads it
   * only while running a start, and the calling thread waits for those before the next fit.
   */
  private shareValues(values: Float64Array): Float64Array {
    if (this.table.length < values.length)
      this.table = new Float64Array(new SharedArrayBuffer(values.length * 8));
    const shared = this.table.subarray(0, values.length);
    shared.set(values);
    return shared;
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
      size > 0 && existsSync(fileURLToPath(entry)) ? new KMeansThreadPool(entry, size) : null;
  }
  return processPool ?? undefined;
}
