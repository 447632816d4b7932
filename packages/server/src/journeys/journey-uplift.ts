import { analyzeExperiment } from '@tailor/core';
import { holdoutWindow } from './journey-definition.js';
import type { Static } from 'typebox';
import type { JourneyBody, JourneyHoldout, JourneyStats } from './journey.schema.js';
import type { JourneyStore } from './journey-store.js';

/** The goal metric's name in the uplift's result. */
const GOAL = 'goal';

/**
 * A journey's uplift: the goal's conversion among the treated against the holdout (the control),
 * analysed as an experiment of two variants weighted by the holdout's share (rates with their
 * intervals, relative uplift, p-value, chance to beat, sequential p-value, sample ratio check).
 */
export async function journeyUplift(
  store: Pick<JourneyStore, 'groups'>,
  name: string,
  body: JourneyBody,
  holdoutOf: JourneyHoldout,
): Promise<NonNullable<Static<typeof JourneyStats>['holdout']>> {
  const { treated, holdout } = await store.groups(name);
  const percent = holdoutOf.percent;
  const variant = (id: string, counts: typeof treated, weight: number) => ({
    id,
    users: counts.people,
    weight,
    metrics: { [GOAL]: { users: counts.people, conversions: counts.converted } },
  });
  const analysed =
    treated.people === 0 || holdout.people === 0
      ? undefined
      : analyzeExperiment(
          {
            variants: [
              variant('holdout', holdout, percent),
              variant('treated', treated, 100 - percent),
            ],
            control: 'holdout',
          },
          [{ name: GOAL, type: 'conversion' }],
        );
  return {
    percent,
    window: holdoutWindow(body),
    treated,
    holdout,
    result: analysed?.ok === true ? analysed.value : null,
  };
}
