import { describe, expect, it } from 'vitest';
import {
  bodyOf,
  emptyItem,
  fieldsOf,
  instantOf,
  localInputOf,
  refusedField,
} from './placement-form.js';

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
          score: 'computed.affinity',
        },
        {
          id: 'sale',
          template: '<p>Sale</p>',
          schedule: { end: '2026-12-24T18:30:15.000Z' },
          experiment: 'hero-copy',
          variants: { bold: '<p><b>Sale</b></p>', plain: '<p>sale</p>' },
        },
      ],
      default: { id: 'welcome', template: '<p>Welcome</p>' },
      optimize: { method: 'thompson' as const, metric: { event: 'Order Completed' } },
      browserTraits: ['firstName'],
    };
    expect(bodyOf(fieldsOf(body))).toEqual(body);
    // Only what the form has no field for is kept aside.
    expect(fieldsOf(body).items[0]?.rest).toEqual({ score: 'computed.affinity' });
    expect(fieldsOf(body).items[0]).toMatchObject({ capMax: '3', capEvery: '7', capUnit: 'd' });
    expect(fieldsOf(body).items[1]).toMatchObject({
      scheduleStart: '',
      scheduleEnd: localInputOf('2026-12-24T18:30:15.000Z'),
      experiment: 'hero-copy',
      variants: [
        { id: 'bold', template: '<p><b>Sale</b></p>' },
        { id: 'plain', template: '<p>sale</p>' },
      ],
    });
  });

  it('leaves out an empty rule, priority and description; sends a priority that is no number as typed', () => {
    const fields = fieldsOf({ items: [], default: { id: 'd', template: 'x' } });
    fields.items.push({
      ...emptyItem(),
      id: 'a',
      when: '  ',
      priority: '',
      template: 't',
      override: false,
      rest: {},
    });
    fields.items.push({
      ...emptyItem(),
      id: 'b',
      when: '',
      priority: 'high',
      template: 't',
      override: false,
      rest: {},
    });
    fields.items.push({
      ...emptyItem(),
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

describe('schedule, cap and experiment fields', () => {
  it('send a local date and time as the instant it is, and text that is no date as typed', () => {
    const local = localInputOf('2026-12-01T08:00:00Z');
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(instantOf(local)).toBe('2026-12-01T08:00:00.000Z');
    expect(instantOf('soon')).toBe('soon');
    expect(localInputOf('soon')).toBe('soon');
  });

  it('send a cap as typed, a window in its unit, and leave out what is empty', () => {
    const item = { ...emptyItem(), id: 'a', template: 't' };
    const body = (changes: object) =>
      (
        bodyOf({ ...fieldsOf({ items: [] }), items: [{ ...item, ...changes }] }).items as object[]
      )[0];
    expect(body({})).toEqual({ id: 'a', template: 't' });
    expect(body({ capMax: '2', capEvery: '12', capUnit: 'h' })).toMatchObject({
      cap: { max: 2, per: '12h' },
    });
    // The API refuses these at the cap's field: the form sends them as they are.
    expect(body({ capMax: 'two', capEvery: '', capUnit: 'd' })).toMatchObject({
      cap: { max: 'two', per: 'd' },
    });
    expect(body({ experiment: ' hero ', variants: [{ id: 'b', template: 'B' }] })).toMatchObject({
      experiment: 'hero',
      variants: { b: 'B' },
    });
  });
});

describe('refusedField', () => {
  it.each([
    ['items[1].id: big is used twice', 'items.1.id'],
    ['items[0].when: expected a value after = at 14', 'items.0.when'],
    ['items[2].template: template does not parse: tag "if" not closed', 'items.2.template'],
    ['items[3]: no computed trait named ltv', 'items.3'],
    ['items[0].cap: ...', 'items.0.cap'],
    ['items[0].variants.b: template does not parse', 'items.0.variants'],
    ['body.items.0.schedule.start: must match format "date-time"', 'items.0.schedule'],
    ['body.items.1.cap.per: must match pattern', 'items.1.cap'],
    ['items[2].experiment: no experiment named hero', 'items.2.experiment'],
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
