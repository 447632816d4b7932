import type { Review } from '../matching/review.schema.js';

export type { Review };

export type NewReview = Pick<
  Review,
  'leftId' | 'rightId' | 'weight' | 'probability' | 'comparison'
>;

/** The review queue's port. A pair is queued once: a pair already queued or decided is skipped. */
export interface ReviewQueue {
  add(reviews: readonly NewReview[], at: string): Promise<number>;
  /** True when this pair of profiles was already queued or decided, in either order. */
  known(leftId: string, rightId: string): Promise<boolean>;
  list(query: {
    status?: Review['status'];
    after: number;
    limit: number;
  }): Promise<{ reviews: Review[]; next: number | null }>;
  get(id: number): Promise<Review | undefined>;
  /** Records a decision on a pending review; undefined when there is no such pending review. */
  decide(
    id: number,
    decision: 'match' | 'distinct',
    by: string,
    at: string,
  ): Promise<Review | undefined>;
}
