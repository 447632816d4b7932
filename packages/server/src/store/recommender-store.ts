import type { RecommenderBody } from '@tailor/core';

/** A recommender as stored: the body as given, with its name, version and times. */
export interface StoredRecommender extends RecommenderBody {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * Recommender definitions (docs/recommendations.md): named JSON bodies beside the other
 * definitions, in state.sqlite or PostgreSQL. Their models are kept in memory, not here.
 */
export interface RecommenderStore {
  list(): Promise<StoredRecommender[]>;
  get(name: string): Promise<StoredRecommender | undefined>;
  put(recommender: StoredRecommender): Promise<void>;
  delete(name: string): Promise<boolean>;
  close(): Promise<void>;
}
