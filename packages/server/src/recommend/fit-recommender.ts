import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  buildBasketMatrix,
  buildInteractionMatrix,
  err,
  fitParameters,
  idTable,
  ok,
  type FittedParameters,
  type BlendSpec,
  type ContentVectors,
  type IdTable,
  type Interaction,
  type InteractionMatrix,
  type ItemContent,
  type RecommenderMethod,
  type RecommenderOptions,
  type Result,
} from '@tailor/core';

import { writeHnswIndex, type HnswOptions } from './hnsw-search.js';

/** Who had which item when (epoch ms; NaN when unknown), as columns: cheap to send to a worker. */
export interface InteractionColumns {
  users: string[];
  items: string[];
  times: Float64Array;
  /** The order (basket) of each interaction, '' for none: method bought-together learns from them. */
  baskets?: string[];
}

/** What a fit needs: the interactions, the method and its options. */
export interface FitRequest {
  interactions: InteractionColumns;
  method: RecommenderMethod;
  options: Partial<RecommenderOptions>;
  /** Blend only: its parts. */
  blend?: BlendSpec[];
  /** Content only: the catalogue's text of its items, every one of them in the model (new items too). */
  contentOf?: Map<string, ItemContent>;
  /**
   * Content only: where to write the HNSW index when more than `exactUpTo` items have text, so it
   * is built where the fit runs (a worker thread under `tailor serve`) and read back.
   */
  index?: { file: string; exactUpTo: number; settings?: Partial<HnswOptions> };
}

/**
 * The matrix the interactions make (its ids as tables, so the thread serving it never holds a
 * large model's ids as strings), and the parameters fitted on it.
 */
export interface Fitted {
  matrix: InteractionMatrix<IdTable>;
  parameters: FittedParameters;
  /** The HNSW index file written for content vectors (`FitRequest.index`), if one was. */
  indexFile?: string;
}

/** Builds the matrix and fits a method's parameters (core), here or elsewhere; `signal` stops it. */
export type Fitter = (request: FitRequest, signal?: AbortSignal) => Promise<Result<Fitted>>;

/** The matrix and the parameters: the work a fitter does, wherever it runs. */
export function fitInteractions({
  interactions,
  method,
  options,
  contentOf,
  index,
  blend,
}: FitRequest): Result<Fitted> {
  const { users, items, times, baskets } = interactions;
  const rows: Interaction[] = users.map((user, i) => {
    const basket = baskets?.[i];
    return {
      user,
      item: items[i] as string,
      time: times[i] as number,
      ...(basket !== undefined && basket !== '' && { basket }),
    };
  });
  const matrix = buildInteractionMatrix(rows, contentOf?.keys());
  const orders = method === 'bought-together' || blend?.some((p) => p.method === 'bought-together');
  const parameters = fitParameters(matrix, method, options, {
    contentOf,
    blend,
    baskets: orders === true ? buildBasketMatrix(rows, matrix.itemIds) : undefined,
  });
  if (!parameters.ok) return parameters;
  const fitted: Fitted = {
    matrix: {
      ...matrix,
      userIds: idTable(matrix.userIds, randomInt(2 ** 32), matrix.userIds.length),
      itemIds: idTable(matrix.itemIds, randomInt(2 ** 32), matrix.itemIds.length),
    },
    parameters: parameters.value,
  };
  const content = contentParameters(fitted.parameters);
  if (index !== undefined && content !== undefined) {
    if (content.known.reduce((n, k) => n + k, 0) > index.exactUpTo) {
      writeHnswIndex(content, index.file, index.settings);
      fitted.indexFile = index.file;
    }
  }
  return ok(fitted);
}

/** The content vectors of a fit: content's own, or a blend's content part's. */
export function contentParameters(parameters: FittedParameters): ContentVectors | undefined {
  if (parameters.method === 'content') return parameters.content;
  if (parameters.method !== 'blend') return undefined;
  for (const part of parameters.parts) {
    const found = contentParameters(part.parameters);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Fits on this thread (tests, and code run from the TypeScript sources). */
export const fitHere: Fitter = (request) => Promise.resolve(fitInteractions(request));

/**
 * Fits on a worker thread of its own (`entry`: the built fit-worker.js), so the request thread
 * keeps answering while the matrix is built and EASE inverts its Gram matrix; it only copies the
 * interactions out and takes the arrays back. The worker ends with the fit, or at once when
 * `signal` aborts (the server closing).
 */
export function workerFitter(entry: URL): Fitter {
  return (request, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        resolve(err('stopped'));
        return;
      }
      const worker = new Worker(entry, { workerData: request });
      const stop = (): void => {
        void worker.terminate();
        resolve(err('stopped'));
      };
      signal?.addEventListener('abort', stop, { once: true });
      worker.once('message', (fitted: Result<Fitted>) => {
        signal?.removeEventListener('abort', stop);
        resolve(fitted);
      });
      worker.once('error', (error) => {
        signal?.removeEventListener('abort', stop);
        reject(error);
      });
      worker.once('exit', (code) => {
        signal?.removeEventListener('abort', stop);
        reject(new Error(`the fit worker exited with code ${code} before answering`));
      });
    });
}

/**
 * The built worker beside this module (under `tailor serve`, from dist/), else this thread (from
 * the TypeScript sources, where there is no built worker).
 */
export function defaultFitter(): Fitter {
  const entry = new URL('./fit-worker.js', import.meta.url);
  return existsSync(fileURLToPath(entry)) ? workerFitter(entry) : fitHere;
}
