import { describe, expect, it } from 'vitest';
import { parseComputed } from '../segments/parse-definition.js';
import type { ComputedNode } from '../segments/segments.schema.js';
import { rfmPopulation } from '../traits/builtin-traits.js';
import {
  computedFeatures,
  computedTraitPlan,
  computedTraitsAt,
  liveComputedTraits,
  type TraitFeedEvent,
} from './computed-trait-features.js';

const DAY = 86_400_000;
const CUTOFF = Date.UTC(2026, 5, 1);

function trait(name: string, text: string): { name: string; tree: ComputedNode } {
  const parsed = parseComputed(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { name, tree: parsed.value };
}

const DEFINITIONS = [
  trait('orders_30d', 'count("Order Completed", 30d)'),
  trait('spend', 'sum("Order Completed".revenue)'),
  trait('rfm', 'rfm("Order Completed".revenue, 365d)'),
];

const order = (daysBefore: number, revenue: number): TraitFeedEvent => ({
  at: CUTOFF - daysBefore * DAY,
  event: 'Order Completed',
  properties: { revenue },
});

describe('computed traits as model features', () => {
  it('flattens values into features: scalars as they are, RFM and CLV per field', () => {
    expect(computedFeatures('n', 3)).toEqual({ 'computed:n': 3 });
    expect(computedFeatures('vip', true)).toEqual({ 'computed:vip': 'true' });
    expect(computedFeatures('n', null)).toEqual({});
    expect(computedFeatures('rfm', { recency: 2, r: null, score: '545', nested: {} })).toEqual({
      'computed:rfm.recency': 2,
      'computed:rfm.r': null,
      'computed:rfm.score': '545',
    });
  });

  it('refuses an unknown trait and one reading model scores', () => {
    expect(computedTraitPlan(DEFINITIONS, ['nope'])).toEqual({
      ok: false,
      error: 'no computed trait named nope',
    });
    const staged = trait(
      'stage',
      'stage(hot: model.buy.score > 0.5, cold: count("Order Completed", 30d) >= 0)',
    );
    const refused = computedTraitPlan([...DEFINITIONS, staged], ['stage']);
    expect(refused.ok).toBe(false);
  });

  it('reads each trait at the cutoff only: events after it change nothing, RFM scored against everyone then', () => {
    const compiled = computedTraitPlan(DEFINITIONS, ['orders_30d', 'spend', 'rfm']);
    if (!compiled.ok) throw new Error(compiled.error);
    const people = Array.from({ length: 25 }, (_, i) => ({
      id: `p${String(i)}`,
      events: Array.from({ length: 1 + (i % 4) }, (_, o) => order(3 + o * 20 + i, 10 * (i + 1))),
    }));
    const base = computedTraitsAt(compiled.value, people, CUTOFF);
    // The same people with a large order each after the cutoff.
    const later = computedTraitsAt(
      compiled.value,
      people.map((p) => ({ ...p, events: [...p.events, order(-1, 1000)] })),
      CUTOFF,
    );
    expect(later.rows).toEqual(base.rows);
    const p0 = base.rows.get('p0');
    expect(p0).toMatchObject({ 'computed:orders_30d': 1, 'computed:spend': 10 });
    // RFM's quintiles are those of everyone's figures at the cutoff.
    const cuts = rfmPopulation(
      people.map((p) => {
        const row = base.rows.get(p.id) ?? {};
        return {
          recency: Number(row['computed:rfm.recency']),
          frequency: Number(row['computed:rfm.frequency']),
          monetary: Number(row['computed:rfm.monetary']),
        };
      }),
      '',
    ).cuts;
    const m = (monetary: number) => 1 + cuts.monetary.filter((c) => monetary > c).length;
    for (const p of people) {
      const row = base.rows.get(p.id) ?? {};
      expect(row['computed:rfm.m']).toBe(m(Number(row['computed:rfm.monetary'])));
    }
    expect(base.columns.slice(0, 3)).toEqual([
      'computed:orders_30d',
      'computed:spend',
      'computed:rfm.f',
    ]);
  });

  it('gives a live trait never fed its value over no events', () => {
    const compiled = computedTraitPlan(DEFINITIONS, ['spend']);
    if (!compiled.ok) throw new Error(compiled.error);
    expect(
      liveComputedTraits(
        compiled.value.plan,
        ['spend', 'rfm', 'orders_30d'],
        { rfm: null },
        CUTOFF,
      ),
    ).toEqual({ spend: 0, rfm: null, orders_30d: 0 });
  });
});
