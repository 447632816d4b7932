import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ContentVectors } from '@tailor/core';
import type { HnswIndex, HnswOptions } from './hnsw-search.js';

/** The item vectors as the search thread reads them: shared with the serving thread, not copied. */
export type SharedContent = Pick<ContentVectors, 'dimensions' | 'vectors' | 'known'>;

/** What the serving thread posts to the search thread (`search-worker.ts`), in order. */
export type SearchOrder =
  | {
      op: 'open';
      seq: number;
      id: number;
      file: string;
      content: SharedContent;
      options: Partial<HnswOptions>;
      leftOut?: Uint8Array | undefined;
    }
  | { op: 'close'; id: number }
  | { op: 'leftOut'; id: number; item: number; out: boolean }
  | { op: 'upsert'; id: number; item: number; vector: Float32Array }
  | { op: 'remove'; id: number; item: number }
  | { op: 'search'; seq: number; id: number; query: Float32Array; k: number };

/** The search thread's answer to an `open` or a `search` (`seq` -1: a change that failed). */
export type SearchAnswer =
  | { seq: number; ok: true; items?: Int32Array; similarities?: Float64Array }
  | { seq: number; ok: false; error: string };

/** A search's answer: the items found, best first, and their exact similarities. */
export interface FoundItems {
  items: Int32Array;
  similarities: Float64Array;
}

/**
 * A content index held by the search thread: searched asynchronously; its changes (as
 * `HnswIndex`'s) are posted and take effect before any search posted after them.
 */
export interface RemoteIndex extends Omit<HnswIndex, 'search'> {
  search(query: Float32Array, k: number): Promise<FoundItems>;
  /** Searches posted and not yet answered, for every index of the thread. */
  backlog(): number;
  /** Drops the index (its model is no longer served); searches posted before are still answered. */
  close(): void;
}

/**
 * Copies the vectors into shared memory when they are not there already, in place, so the
 * serving thread and the search thread read the same rows (a million items at 256 dimensions
 * are a gigabyte): a row the serving thread writes later (an item's new text) is read by both.
 */
export function shareContent(content: ContentVectors): SharedContent {
  if (!(content.vectors.buffer instanceof SharedArrayBuffer)) {
    const vectors = new Float32Array(new SharedArrayBuffer(content.vectors.byteLength));
    vectors.set(content.vectors);
    content.vectors = vectors;
  }
  if (!(content.known.buffer instanceof SharedArrayBuffer)) {
    const known = new Uint8Array(new SharedArrayBuffer(content.known.byteLength));
    known.set(content.known);
    content.known = known;
  }
  return { dimensions: content.dimensions, vectors: content.vectors, known: content.known };
}

/**
 * A worker thread of its own for the HNSW searches of large content models (`search-worker.ts`),
 * so that a list's search (2 to 5 ms of CPU in a catalogue of a million items) never holds the
 * request thread: the serving thread makes a list from the search's answer. Started with the
 * first index opened; it does not keep the process alive. A thread that fails fails every
 * search waiting, and the next index opened starts another.
 */
export class SearchThread {
  private worker: Worker | undefined;
  private seq = 0;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (answer: SearchAnswer & { ok: true }) => void; reject: (error: Error) => void }
  >();

  /** `entry`: the built search-worker.js; `onError`: a change the thread could not make. */
  constructor(
    private readonly entry: URL,
    private readonly onError: (message: string, error: unknown) => void,
  ) {}

  /**
   * Reads the index `file` (written by `writeHnswIndex` for `content`) on the thread, the items
   * where `leftOut` is 1 left out (one message, not one per item).
   */
  async open(
    content: ContentVectors,
    file: string,
    options: Partial<HnswOptions>,
    leftOut?: Uint8Array,
  ): Promise<RemoteIndex> {
    const id = this.nextId++;
    await this.ask({
      op: 'open',
      seq: this.seq++,
      id,
      file,
      content: shareContent(content),
      options,
      leftOut,
    });
    const post = (order: SearchOrder): void => {
      this.started().postMessage(order);
    };
    return {
      search: async (query, k) => {
        const answer = await this.ask({ op: 'search', seq: this.seq++, id, query, k });
        return {
          items: answer.items ?? new Int32Array(0),
          similarities: answer.similarities ?? new Float64Array(0),
        };
      },
      setLeftOut: (item, out) => {
        post({ op: 'leftOut', id, item, out });
      },
      upsert: (item, vector) => {
        post({ op: 'upsert', id, item, vector: Float32Array.from(vector) });
      },
      remove: (item) => {
        post({ op: 'remove', id, item });
      },
      backlog: () => this.waiting.size,
      close: () => this.worker?.postMessage({ op: 'close', id } satisfies SearchOrder),
    };
  }

  /** Ends the thread (the server closing): searches waiting fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.fail(new Error('the search thread was stopped'));
    await worker?.terminate();
  }

  private ask(order: SearchOrder & { seq: number }): Promise<SearchAnswer & { ok: true }> {
    return new Promise((resolve, reject) => {
      this.waiting.set(order.seq, { resolve, reject });
      this.started().postMessage(order);
    });
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(this.entry);
    worker.unref();
    worker.on('message', (answer: SearchAnswer) => {
      const waiting = this.waiting.get(answer.seq);
      if (waiting === undefined) {
        if (!answer.ok) this.onError('the search thread could not change an index', answer.error);
        return;
      }
      this.waiting.delete(answer.seq);
      if (answer.ok) waiting.resolve(answer);
      else waiting.reject(new Error(answer.error));
    });
    const ended = (error: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.fail(error);
    };
    worker.once('error', ended);
    worker.once('exit', (code) => {
      ended(new Error(`the search thread exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private fail(error: Error): void {
    for (const { reject } of this.waiting.values()) reject(error);
    this.waiting.clear();
  }
}

/**
 * The search thread of the built worker beside this module (under `tailor serve`, from dist/),
 * else none: code run from the TypeScript sources searches on the serving thread.
 */
export function defaultSearchThread(
  onError: (message: string, error: unknown) => void,
): SearchThread | undefined {
  const entry = new URL('./search-worker.js', import.meta.url);
  return existsSync(fileURLToPath(entry)) ? new SearchThread(entry, onError) : undefined;
}
