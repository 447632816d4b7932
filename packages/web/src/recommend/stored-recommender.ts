import type { Profile, RecommenderBody, RecommenderModel, RecommenderTraining } from '@tailor/core';

/** A recommender as `GET /v1/recommenders` answers it: definition, model and training under way. */
export type StoredRecommender = RecommenderBody & {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  model?: RecommenderModel;
  training?: RecommenderTraining;
};

export const METHOD_TEXT: Record<RecommenderBody['method'], string> = {
  ease: 'EASE (item to item, closed form)',
  'item-knn': 'item-kNN (cosine)',
  'bought-together': 'bought together (items in the same orders)',
  popularity: 'popularity (the same for everyone)',
  content: 'content (nearest catalogue items)',
  blend: 'a mixed list',
};

/**
 * The query the recommendations route takes for a found person: their userId, else their
 * anonymousId (the route names people by those alone); undefined for a profile holding neither.
 */
export function personQuery(profile: Pick<Profile, 'identifiers'>): string | undefined {
  for (const type of ['userId', 'anonymousId'] as const) {
    const found = profile.identifiers.find((identifier) => identifier.type === type);
    if (found !== undefined) return new URLSearchParams({ [type]: found.value }).toString();
  }
  return undefined;
}
