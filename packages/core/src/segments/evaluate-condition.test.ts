import { describe, expect, it } from 'vitest';
import { compileCondition } from './compile-condition.js';
import { evaluateCondition, matchesPattern, type EvaluationScope } from './evaluate-condition.js';
import { parseCondition } from './parse-definition.js';

const scope: EvaluationScope = {
  traits: {
    plan: 'pro',
    age: 41,
    email: 'ann@acme.com',
    tags: ['vip', 'beta'],
    address: { city: 'Lyon' },
    createdAt: '2026-01-05T00:00:00.000Z',
  },
  computed: { orders_7d: 3 },
  consent: { marketing: true },
  context: { page: { path: '/shoes/trail' } },
  aggregate: (node) => (node.fn === 'count' ? 2 : node.fn === 'sum' ? 150.5 : undefined),
  inSegment: (name) => name === 'big spenders',
};

const CASES: [string, boolean][] = [
  ['traits.plan = "pro"', true],
  ['traits.plan != "pro"', false],
  ['traits.missing = null', true],
  ['traits.missing != "pro"', true],
  ['traits.missing > 3', false],
  ['traits.age >= 41 and traits.age < 42', true],
  ['traits.age > "40"', false],
  ['traits.createdAt < "2026-02-01"', true],
  ['computed.orders_7d >= 3', true],
  ['consent.marketing = true', true],
  ['consent.advertising = true', false],
  ['traits.plan in ["free", "pro"]', true],
  ['traits.tags contains "vip"', true],
  ['traits.email contains "acme"', true],
  ['traits.email starts_with "ann@"', true],
  ['traits.email matches /@ACME\\.com$/i', true],
  ['traits.email matches /@acme\\.org$/', false],
  ['traits.address.city exists', true],
  ['traits.address.zip exists', false],
  ['context.page.path starts_with "/shoes"', true],
  ['count("Order Completed", 7d) >= 2 and sum("Order Completed".revenue, 30d) > 100', true],
  ['max("Order Completed".revenue, 30d) > 1', false],
  ['in_segment("big spenders") and not in_segment("churned")', true],
  ['traits.plan = "free" or (traits.age > 40 and not traits.plan = "team")', true],
  ['false or true', true],
];

describe('evaluateCondition', () => {
  it.each(CASES)('%s → %s', (text, expected) => {
    const parsed = parseCondition(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(evaluateCondition(parsed.value, scope)).toBe(expected);
    expect(compileCondition(parsed.value)(scope)).toBe(expected);
  });

  it('matches events by name and where filter over properties and context', () => {
    const parsed = parseCondition(
      'count("Product Viewed" where properties.category = "shoes" and context.locale = "fr-FR", 30d) > 0',
    );
    if (!parsed.ok || parsed.value.type !== 'compare' || parsed.value.left.type !== 'aggregate')
      throw new Error('unexpected');
    const pattern = parsed.value.left.pattern;
    expect(
      matchesPattern(pattern, {
        event: 'Product Viewed',
        properties: { category: 'shoes' },
        context: { locale: 'fr-FR' },
      }),
    ).toBe(true);
    expect(
      matchesPattern(pattern, {
        event: 'Product Viewed',
        properties: { category: 'bags' },
        context: { locale: 'fr-FR' },
      }),
    ).toBe(false);
    expect(
      matchesPattern(pattern, {
        event: 'Product Added',
        properties: { category: 'shoes' },
        context: { locale: 'fr-FR' },
      }),
    ).toBe(false);
  });
});
