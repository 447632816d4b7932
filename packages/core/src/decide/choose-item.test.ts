import { describe, expect, it } from 'vitest';
import type { EvaluationScope } from '../segments/evaluate-condition.js';
import { readCondition } from '../segments/read-definition.js';
import { chooseItem, type CompiledItem, type CompiledPlacement } from './choose-item.js';
import { exposureCounter } from './exposure-counter.js';
import type { ArmCounts } from './decide.schema.js';
import { seededRandom } from './seeded-random.js';

const scope: EvaluationScope = {
  traits: { plan: 'free' },
  computed: {},
  consent: {},
  context: {},
  inSegment: () => false,
  aggregate: () => null,
  sequence: () => false,
};
const when = (text: string) => {
  const read = readCondition(text);
  if (!read.ok) throw new Error(read.error.message);
  return { when: read.value.tree, whenText: read.value.text };
};
const item = (id: string, extra: Partial<CompiledItem> = {}): CompiledItem => ({
  id,
  priority: 0,
  override: false,
  ...extra,
});
const capped = (id: string): Partial<CompiledItem> => ({
  cap: { max: 1, per: '1d', exposures: exposureCounter('p', id, '1d') },
});

const OPTIMIZE = {
  method: 'thompson',
  metric: { event: 'Order Completed', within: '7d' },
} as const;
/** a converts 50%, b 1%, c has never been shown. */
const COUNTS: Record<string, ArmCounts> = {
  a: { exposures: 1000, conversions: 500 },
  b: { exposures: 1000, conversions: 10 },
};

function choose(
  items: CompiledItem[],
  shown: Record<string, number> = {},
  optimize: boolean = true,
) {
  const placement: CompiledPlacement = {
    name: 'p',
    items,
    defaultId: 'welcome',
    ...(optimize && { optimize: OPTIMIZE }),
  };
  return chooseItem(placement, {
    scope,
    now: 0,
    exposures: (i) => shown[i.id] ?? 0,
    bandit: {
      arms: (i) => COUNTS[i.id] ?? { exposures: 0, conversions: 0 },
      random: seededRandom(1),
    },
  });
}

// [name, items, exposures so far, winner, reasons (as regular expressions, in order)]
const CASES: [string, CompiledItem[], Record<string, number>, string, RegExp[]][] = [
  [
    'the item with the highest draw wins, whatever its priority',
    [item('b', { priority: 10 }), item('a')],
    {},
    'a',
    [
      /^a: chosen, thompson: sampled 0\.\d+ \(500\/1000 converted\)$/,
      /^b: thompson: sampled 0\.0\d+ \(10\/1000 converted\), below a$/,
    ],
  ],
  [
    'an eligible override still wins',
    [item('a'), item('flash', { override: true })],
    {},
    'flash',
    [/^flash: chosen$/, /^a: flash is an override$/],
  ],
  [
    'a capped override lets the bandit choose among the rest',
    [item('b'), item('a'), item('flash', { override: true, ...capped('flash') })],
    { flash: 1 },
    'a',
    [
      /^a: chosen, thompson/,
      /^flash: frequency cap reached \(1 of 1 per 1d\)$/,
      /^b: thompson: .*, below a$/,
    ],
  ],
  [
    'ineligible and capped items are not sampled',
    [item('a', capped('a')), item('b', when('traits.plan = "pro"')), item('c')],
    { a: 1 },
    'c',
    [
      /^c: chosen, thompson: sampled [\d.e-]+ \(0\/0 converted\)$/,
      /^b: rule did not hold/,
      /^a: frequency cap reached/,
    ],
  ],
  [
    'nothing eligible: the default, as before',
    [item('a', capped('a'))],
    { a: 1 },
    'welcome',
    [/^welcome: default, no eligible item$/, /^a: frequency cap/],
  ],
];

describe('chooseItem with optimize: thompson', () => {
  it.each(CASES)('%s', (_name, items, shown, winner, reasons) => {
    const choice = choose(items, shown);
    expect(choice.itemId).toBe(winner);
    expect(choice.reasons).toHaveLength(reasons.length);
    reasons.forEach((pattern, i) => {
      expect(choice.reasons[i]).toMatch(pattern);
    });
  });

  it('ranks by priority as before when the placement does not optimize', () => {
    expect(choose([item('a'), item('b', { priority: 10 })], {}, false)).toMatchObject({
      itemId: 'b',
      reasons: ['b: chosen', 'a: ranked below b'],
    });
  });
});

describe('chooseItem reasons by id only', () => {
  const placement = (optimize: boolean): CompiledPlacement => ({
    name: 'p',
    items: [
      item('a', capped('a')),
      item('b', when('traits.plan = "pro"')),
      item('c'),
      item('d', { priority: -1 }),
    ],
    defaultId: 'welcome',
    ...(optimize && { optimize: OPTIMIZE }),
  });
  const input = {
    scope,
    now: 0,
    exposures: (i: CompiledItem) => (i.id === 'a' ? 1 : 0),
    reasons: 'ids' as const,
  };

  it('names items and their outcome, never a rule, a count or a draw', () => {
    expect(chooseItem(placement(false), input).reasons).toEqual([
      'c: chosen',
      'b: rule did not hold',
      'a: frequency cap reached',
      'd: ranked below c',
    ]);
    const bandit = {
      arms: (i: CompiledItem) => COUNTS[i.id] ?? { exposures: 0, conversions: 0 },
      random: seededRandom(7),
    };
    const optimized = chooseItem(placement(true), { ...input, bandit });
    expect(optimized.reasons[0]).toMatch(/^[cd]: chosen$/);
    for (const reason of optimized.reasons) expect(reason).not.toMatch(/traits|thompson|\d/);
  });

  it('gives a default no cause, as for an unknown person (rules failed, caps reached or nothing listed)', () => {
    const nobodyEligible: CompiledPlacement = {
      name: 'p',
      items: [item('a', capped('a')), item('b', when('traits.plan = "pro"'))],
      defaultId: 'welcome',
    };
    expect(chooseItem(nobodyEligible, input)).toEqual({
      itemId: 'welcome',
      fallback: true,
      reasons: ['welcome: default'],
    });
    expect(chooseItem(nobodyEligible, { ...input, reasons: 'full' }).reasons[0]).toBe(
      'welcome: default, no eligible item',
    );
  });
});
