import { describe, expect, it } from 'vitest';
import { compileCondition } from './compile-condition.js';
import { evaluateCondition, type EvaluationScope } from './evaluate-condition.js';
import { parseCondition } from './parse-definition.js';

/** Rules as placements write them, and the corners of their semantics (missing, null, types). */
const CONDITIONS = [
  'traits.plan = "pro"',
  'traits.plan != "pro"',
  'traits.plan = null',
  'traits.plan in ["team", "enterprise", null]',
  'traits.age >= 30 and traits.age < 50',
  'traits.age > "30"',
  'traits.name < "m"',
  'traits.age <= 0',
  'traits.address.city = "Lyon"',
  'traits.address.geo.lat > 45',
  'traits.address exists',
  'traits.address.zip exists',
  'traits.tags contains "vip"',
  'traits.tags contains null',
  'traits.name contains "nn"',
  'traits.name starts_with "A"',
  'traits.name matches /^a/i',
  'context.page.path starts_with "/shoes" and context.device = "mobile"',
  'context.page.path = "/" or context.device = "desktop" or traits.plan = "free"',
  'not (in_segment("buyers") or in_segment("vip"))',
  'in_segment("buyers") and computed.revenue > 500',
  'computed.orders >= 2 and not in_segment("vip")',
  'consent.marketing = true',
  'model.churn.score > 0.5',
  'true and not false',
];

const SCOPES: EvaluationScope[] = [
  {
    traits: {
      plan: 'pro',
      age: 41,
      name: 'Ann',
      tags: ['vip', undefined],
      address: { city: 'Lyon', geo: { lat: 45.7 } },
    },
    computed: { orders: 3, revenue: 900 },
    consent: { marketing: true },
    model: { churn: { score: 0.7 } },
    context: { page: { path: '/shoes/run' }, device: 'mobile' },
    inSegment: (s) => s === 'buyers',
  },
  {
    traits: { plan: null, age: '41', name: 7, tags: 'vip', address: 'Lyon' },
    computed: {},
    context: { page: null, device: 'desktop' },
    inSegment: () => false,
  },
  { traits: { age: -0, tags: [] }, context: {} },
  {},
];

describe('compileCondition', () => {
  it.each(CONDITIONS)('answers %s as evaluateCondition does, in every scope', (text) => {
    const parsed = parseCondition(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const compiled = compileCondition(parsed.value);
    for (const scope of SCOPES)
      expect(compiled(scope)).toBe(evaluateCondition(parsed.value, scope));
  });
});
