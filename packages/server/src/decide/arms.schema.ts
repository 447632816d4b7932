import { PlacementOptimize } from '@tailor/core';
import { Type, type Static } from 'typebox';

/** What a placement that optimizes has learnt: each item's exposures and conversions, as the decider reads them. */
export const Arms = Type.Object({
  placement: Type.String(),
  optimize: Type.Union([PlacementOptimize, Type.Null()], {
    description: 'What the placement optimizes; null when it ranks its items instead',
  }),
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      exposures: Type.Integer({
        description:
          'Distinct people shown the item (decisions that were not fallbacks or the holdout)',
      }),
      conversions: Type.Integer({
        description:
          "Of those, people who did the metric's event within its window after their first exposure",
      }),
      rate: Type.Union([Type.Number(), Type.Null()], {
        description: 'conversions / exposures; null before the first exposure',
      }),
    }),
  ),
});
export type Arms = Static<typeof Arms>;
