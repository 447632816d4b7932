/** A candidate pair of profiles the matcher was unsure about, waiting for a person to decide. */
export interface Review {
  id: number;
  leftId: string;
  rightId: string;
  weight: number;
  probability: number;
  /** The compared values and how well each field agreed, for the reviewer. */
  comparison: Record<string, unknown>;
  status: 'pending' | 'match' | 'distinct';
  createdAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

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
