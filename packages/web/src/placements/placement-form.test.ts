import { describe, expect, it } from 'vitest';
import { bodyOf, fieldsOf, refusedField } from './placement-form.js';

describe('fieldsOf and bodyOf', () => {
  it('give back the body they were made from, fields the form lacks kept as they were', () => {
    const body = {
      description: 'Top of the home page',
      items: [
        {
          id: 'pro',
          when: 'traits.plan = "pro"',
          priority: 2,
          template: '<p>Pro</p>',
          override: true,
          cap: { max: 3, per: '7d' },
          schedule: { start: '2026-12-01T00:00:00.000Z' },
        },
        { id: 'sale', template: '<p>Sale</p>' },
      ],
      default: { id: 'welcome', template: '<p>Welcome</p>' },
      optimize: { method: 'thompson' as const, metric: { event: 'Order Completed' } },
      browserTraits: ['firstName'],
    };
    expect(bodyOf(fieldsOf(body))).toEqual(body);
    expect(fieldsOf(body).items[0]?.rest).toEqual({
      cap: { max: 3, per: '7d' },
      schedule: { start: '2026-12-01T00:00:00.000Z' },
    });
  });

  it('leaves out an empty rule, priority and description; sends a priority that is no number as typed', () => {
    const fields = fieldsOf({ items: [], default: { id: 'd', template: 'x' } });
    fields.items.push({
      id: 'a',
      when: '  ',
      priority: '',
      template: 't',
      override: false,
      rest: {},
    });
    fields.items.push({
      id: 'b',
      when: '',
      priority: 'high',
      template: 't',
      override: false,
      rest: {},
    });
    fields.items.push({
      id: 'c',
      when: '',
      priority: '-1.5',
      template: 't',
      override: false,
      rest: {},
    });
    expect(bodyOf(fields)).toEqual({
      items: [
        { id: 'a', template: 't' },
        { id: 'b', priority: 'high', template: 't' },
        { id: 'c', priority: -1.5, template: 't' },
      ],
      default: { id: 'd', template: 'x' },
    });
  });
});

describe('refusedField', () => {
  it.each([
    ['items[1].id: big is used twice', 'items.1.id'],
    ['items[0].when: expected a value after = at 14', 'items.0.when'],
    ['items[2].template: template does not parse: tag "if" not closed', 'items.2.template'],
    ['items[3]: no computed trait named ltv', 'items.3'],
    ['items[0].cap: ...', 'items.0'],
    ['items[0].variants.b: template does not parse', 'items.0'],
    ['body.items.0.priority: must be number', 'items.0.priority'],
    ['body.items.4.template: must NOT have more than 50000 characters', 'items.4.template'],
    ['body.default.id: must NOT have fewer than 1 characters', 'default.id'],
    ['default.template: template does not parse: x', 'default.template'],
    ['body.default: must have required property template', 'default.id'],
    ['body.description: must NOT have more than 2000 characters', 'description'],
    ['optimize.metric.event: Decision Made is the exposure itself', undefined],
    ['body: must have required property items', undefined],
    ['the server cannot be reached', undefined],
  ])('%s → %s', (message, field) => {
    expect(refusedField(message)).toBe(field);
  });
});
