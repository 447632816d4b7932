import { describe, expect, it } from 'vitest';
import { featureName, personaEffects, trainingText } from './persona-effects.js';

const trait = (feature: string, effect: number) => ({
  feature,
  direction: effect > 0 ? ('high' as const) : ('low' as const),
  effect,
  clusterMedian: 0,
  populationMedian: 0,
});

describe('personaEffects', () => {
  it('gives every feature some persona is set apart by, with each persona’s effect (0 where it is not a trait)', () => {
    const model = {
      features: [
        { path: 'traits.spend', name: 'spend' },
        { path: 'traits.visits', name: 'visits' },
        { path: 'traits.plan', name: 'plan: pro', level: 'pro' },
      ],
      clusters: [
        { id: 0, traits: [trait('spend', 1.2), trait('plan: pro', 0.8)] },
        { id: 3, traits: [trait('spend', -0.9)] },
      ],
    } as unknown as Parameters<typeof personaEffects>[0];
    expect(personaEffects(model)).toEqual([
      { feature: 'spend', effects: { '0': 1.2, '3': -0.9 } },
      { feature: 'plan: pro', effects: { '0': 0.8, '3': 0 } },
    ]);
  });
});

describe('trainingText and featureName', () => {
  it('says how the last training went, and names features as the definition does', () => {
    expect(trainingText({ name: 'a', features: [] })).toBe('not trained yet');
    expect(
      trainingText({
        name: 'a',
        features: [],
        trained: {
          training: 2,
          trainedAt: '2026-12-05T12:30:00.000Z',
          k: 3,
          rows: 1204,
          silhouette: 0.4321,
        },
        training: { done: 2000, total: 5000 },
      }),
    ).toBe(
      'trained 2026-12-05 12:30: k 3, 1,204 profiles, silhouette 0.43 (training: 2,000 of 5,000 profiles read)',
    );
    expect(featureName('computed.rfm.monetary')).toBe('monetary');
    expect(featureName({ path: 'traits.spend', name: 'spend' })).toBe('spend');
  });
});
