import { Type, type Static } from 'typebox';

/** A candidate pair of profiles the matcher was unsure about, waiting for a person to decide. */
export const Review = Type.Object(
  {
    id: Type.Integer(),
    leftId: Type.String(),
    rightId: Type.String(),
    weight: Type.Number({
      description: 'Fellegi–Sunter match weight (sum of log2 m/u over the fields)',
    }),
    probability: Type.Number({ description: 'Posterior probability that the two are one person' }),
    comparison: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Per field: the two values and their agreement level',
    }),
    status: Type.Union([Type.Literal('pending'), Type.Literal('match'), Type.Literal('distinct')]),
    createdAt: Type.String(),
    decidedAt: Type.Union([Type.String(), Type.Null()]),
    decidedBy: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'Match review' },
);
export type Review = Static<typeof Review>;

/** What one run of probabilistic matching did. */
export const MatchSummary = Type.Object({
  profiles: Type.Integer({ description: 'Profiles compared' }),
  candidatePairs: Type.Integer({ description: 'Pairs compared after blocking' }),
  matched: Type.Integer({ description: 'Pairs above the upper threshold: merge requested' }),
  queued: Type.Integer({
    description: 'Pairs between the thresholds newly added to the review queue',
  }),
  skipped: Type.Integer({ description: 'Pairs already decided or queued before' }),
  fields: Type.Array(Type.String(), { description: 'Traits compared' }),
  thresholds: Type.Object({ upper: Type.Number(), lower: Type.Number() }),
});
export type MatchSummary = Static<typeof MatchSummary>;

/** GET /v1/identity/reviews: the querystring. */
export const ReviewsQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('match'), Type.Literal('distinct')]),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 100' })),
    cursor: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** GET /v1/identity/reviews: its 200 answer. */
export const ReviewsPage = Type.Object({
  reviews: Type.Array(Review),
  next: Type.Union([Type.Integer(), Type.Null()]),
});

/** POST /v1/identity/reviews/:id: the params. */
export const ReviewParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** POST /v1/identity/reviews/:id: the body. */
export const ReviewDecision = Type.Object(
  { decision: Type.Union([Type.Literal('match'), Type.Literal('distinct')]) },
  { additionalProperties: false },
);

/** POST /v1/identity/match: the body (optional: the settings it chooses itself otherwise). */
export const MatchRequest = Type.Optional(
  Type.Object(
    {
      config: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), {
          description:
            'Overrides of the chosen comparators, blocking and thresholds (see docs/matching.md)',
        }),
      ),
    },
    { additionalProperties: false },
  ),
);
