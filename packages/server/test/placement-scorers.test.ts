import { describe, expect, it } from 'vitest';
import { BUILTIN_SCORERS, chooseItem, scorerRegistry, type ScorerKind } from '@tailor/core';
import { createLiquid } from '../src/decide/create-liquid.js';
import { compilePlacement } from '../src/decide/placements.js';

const body = {
  items: [
    { id: 'plain', priority: 5, template: 'P' },
    { id: 'by-ltv', score: 'computed.ltv', template: 'L' },
    { id: 'by-churn', score: 'uplift.churn', template: 'C' },
  ],
  default: { id: 'd', template: 'D' },
};

/** A kind Tailor does not have (an uplift model, say): it reads a score kept in the traits. */
const uplift: ScorerKind = {
  name: 'uplift',
  compile: (name) => ({
    ok: true,
    value: {
      score: (scope) => {
        const score = scope.traits?.[`uplift.${name}.score`];
        return typeof score === 'number' ? score * 100 : undefined;
      },
      computed: [],
    },
  }),
};

function decide(
  placement: ReturnType<typeof compilePlacement>,
  traits: Record<string, unknown>,
  computed: Record<string, unknown>,
) {
  return chooseItem(placement, { scope: { traits, computed }, now: 0, exposures: () => 0 }).itemId;
}

describe('placement scorers', () => {
  it('refuses an item scored by a kind that is not registered, naming the field', () => {
    expect(() => compilePlacement('p', body, createLiquid())).toThrow(
      'items[2].score: uplift.churn: not a scorer (one of computed.NAME, model.NAME)',
    );
  });

  it('ranks with a scorer kind registered beside the computed trait, compiled once with the placement', () => {
    let compiles = 0;
    const counted: ScorerKind = {
      ...uplift,
      compile: (name) => {
        compiles += 1;
        return uplift.compile(name);
      },
    };
    const scorers = scorerRegistry([...BUILTIN_SCORERS, counted]);
    const placement = compilePlacement('p', body, createLiquid(), { scorers });
    expect(compiles).toBe(1);
    expect(decide(placement, { 'uplift.churn.score': 0.9 }, { ltv: 50 })).toBe('by-churn');
    expect(decide(placement, { 'uplift.churn.score': 0.2 }, { ltv: 50 })).toBe('by-ltv');
    // Unscored items rank below the unscored-by-design item (score 0), then by priority.
    expect(decide(placement, {}, {})).toBe('plain');
    expect(decide(placement, {}, { ltv: -1 })).toBe('plain');
    expect(decide(placement, {}, { ltv: 1 })).toBe('by-ltv');
    expect(compiles).toBe(1);
  });

  it('still loads a stored placement whose scorer kind is gone; its item ranks as unscored', () => {
    const placement = compilePlacement('p', body, createLiquid(), { stored: true });
    expect(decide(placement, { 'uplift.churn.score': 0.9 }, {})).toBe('plain');
  });
});
