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
