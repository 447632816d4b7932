import type { Neighbour, VectorSearch } from '@tailor/core';
import type { FoundItems, RemoteIndex } from './search-thread.js';

/** A search a list asked for: the query (the person's content profile) and how many. */
export interface AskedSearch {
  query: Float32Array;
  k: number;
}

/**
 * The content search of a model whose HNSW index is on the search thread, as the synchronous
 * `VectorSearch` its recommender calls. Making a list goes twice through the recommender: once
 * to learn the searches it asks for (`probe`: they answer nothing), then, when the thread has
 * answered them, with the answers (`withAnswers`). A list that searches nothing (a person the
 * model knows nothing of: popular items) is made by the probe itself. Synchronous throughout, so
 * one list's searches are never another's.
 */
export class RelayedSearch {
  private answers: FoundItems[] | undefined;
  private asked: AskedSearch[] | undefined;

  constructor(readonly index: RemoteIndex) {}

  readonly search: VectorSearch = (query, k) => {
    if (this.answers !== undefined) {
      const found = this.answers.shift();
      if (found === undefined) return [];
      const n = Math.min(k, found.items.length);
      const neighbours: Neighbour[] = new Array<Neighbour>(n);
      for (let i = 0; i < n; i++)
        neighbours[i] = { item: found.items[i] ?? 0, similarity: found.similarities[i] ?? 0 };
      return neighbours;
    }
    this.asked?.push({ query: Float32Array.from(query), k });
    return [];
  };

  /** `make`'s result, and the searches it asked for (none: the result is the list). */
  probe<T>(make: () => T): { made: T; asked: AskedSearch[] } {
    const asked: AskedSearch[] = [];
    this.asked = asked;
    try {
      return { made: make(), asked };
    } finally {
      this.asked = undefined;
    }
  }

  /** `make`'s result with its searches answered by `found`, in the order they are asked. */
  withAnswers<T>(found: readonly FoundItems[], make: () => T): T {
    this.answers = [...found];
    try {
      return make();
    } finally {
      this.answers = undefined;
    }
  }

  /** The thread's answers to the searches asked. */
  answer(asked: readonly AskedSearch[]): Promise<FoundItems[]> {
    return Promise.all(asked.map(({ query, k }) => this.index.search(query, k)));
  }
}
