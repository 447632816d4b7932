import { describe, expect, it } from 'vitest';
import type { EvaluationScope } from '../segments/evaluate-condition.js';
import { chooseItem, type CompiledItem } from './choose-item.js';
import { BUILTIN_SCORERS, scorerRegistry, type ItemScore, type ScorerKind } from './scorer.js';

const scope = (computed: Record<string, unknown>): EvaluationScope => ({ computed });

function compiled(registry: ReturnType<typeof scorerRegistry>, text: string): ItemScore {
  const result = registry.compile(text);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe('scorerRegistry', () => {
  it('compiles computed.NAME into a scorer reading the computed trait, a field inside it, or nothing', () => {
    const registry = scorerRegistry();
    const ltv = compiled(registry, 'computed.ltv');
    expect(ltv.computed).toEqual(['ltv']);
    expect(ltv.score(scope({ ltv: 12.5 }), 'a', 'p')).toBe(12.5);
    expect(ltv.score(scope({ ltv: '12' }), 'a', 'p')).toBeUndefined();
    expect(ltv.score(scope({}), 'a', 'p')).toBeUndefined();
    const r = compiled(registry, 'computed.rfm.r');
    expect(r.computed).toEqual(['rfm']);
    expect(r.score(scope({ rfm: { r: 4 } }), 'a', 'p')).toBe(4);
  });

  it('refuses a kind it does not have, naming the ones it has', () => {
    expect(scorerRegistry().compile('recommend.similar')).toEqual({
      ok: false,
      error: 'recommend.similar: not a scorer (one of computed.NAME, model.NAME)',
    });
  });

  it("compiles model.NAME into a scorer reading the model's score kept on the profile", () => {
    const churn = compiled(scorerRegistry(), 'model.churn');
    expect(churn.computed).toEqual([]);
    const scored: EvaluationScope = { model: { churn: { score: 0.82, version: 3 } } };
    expect(churn.score(scored, 'a', 'p')).toBe(0.82);
    expect(churn.score({ model: {} }, 'a', 'p')).toBeUndefined();
    expect(churn.score({}, 'a', 'p')).toBeUndefined();
    expect(scorerRegistry().compile('model.churn.score')).toEqual({
      ok: false,
      error: 'model.churn.score: name one model (model.NAME)',
    });
  });

  it('refuses a kind registered twice', () => {
    expect(() => scorerRegistry([...BUILTIN_SCORERS, ...BUILTIN_SCORERS])).toThrow(
      'registered twice',
    );
  });

  it('ranks a placement with a scorer kind registered beside the built-in one', () => {
    // What a recommendation source looks like: per person, a score per item, loaded at compile time.
    const affinity: Record<string, Record<string, number>> = {
      alice: { shoes: 0.9, hats: 0.2 },
    };
    const recommend: ScorerKind = {
      name: 'recommend',
      compile: (model) =>
        model === 'similar'
          ? {
              ok: true,
              value: {
                score: (s, itemId) => affinity[String(s.traits?.['id'])]?.[itemId],
                computed: [],
              },
            }
          : { ok: false, error: `no recommender named ${model}` },
    };
    const registry = scorerRegistry([...BUILTIN_SCORERS, recommend]);
    expect(registry.compile('recommend.other')).toEqual({
      ok: false,
      error: 'no recommender named other',
    });
    const score = compiled(registry, 'recommend.similar');
    const item = (id: string, priority = 0): CompiledItem => ({
      id,
      priority,
      override: false,
      score,
    });
    const placement = {
      name: 'p',
      items: [item('hats', 5), item('shoes'), item('socks', 9)],
      defaultId: 'none',
    };
    const choose = (id: string) =>
      chooseItem(placement, {
        scope: { traits: { id } },
        now: 0,
        exposures: () => 0,
      });
    expect(choose('alice').itemId).toBe('shoes');
    expect(choose('alice').reasons).toEqual([
      'shoes: chosen',
      'hats: ranked below shoes',
      'socks: ranked below shoes',
    ]);
    // Nobody scored: every item ranks the same, by priority.
    expect(choose('bob').itemId).toBe('socks');
  });
});
