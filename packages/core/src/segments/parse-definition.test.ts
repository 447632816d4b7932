import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { conditionFromTree, parseComputed, parseCondition } from './parse-definition.js';
import { printComputed, printCondition } from './print-definition.js';
import type { Condition } from './segments.schema.js';

const path = (root: string, ...p: string[]) => ({ type: 'path', root, path: p });
const lit = (value: unknown) => ({ type: 'literal', value });

const CASES: [string, unknown][] = [
  [
    'traits.plan = "pro"',
    { type: 'compare', op: '=', left: path('traits', 'plan'), right: lit('pro') },
  ],
  [
    'computed.orders_7d >= 3',
    { type: 'compare', op: '>=', left: path('computed', 'orders_7d'), right: lit(3) },
  ],
  [
    'consent.marketing = true',
    { type: 'compare', op: '=', left: path('consent', 'marketing'), right: lit(true) },
  ],
  [
    'traits.age != null',
    { type: 'compare', op: '!=', left: path('traits', 'age'), right: lit(null) },
  ],
  [
    'traits.score < -2.5',
    { type: 'compare', op: '<', left: path('traits', 'score'), right: lit(-2.5) },
  ],
  ['traits.plan in ["a", "b"]', { type: 'in', value: path('traits', 'plan'), list: ['a', 'b'] }],
  [
    'traits.tags contains "vip"',
    { type: 'contains', value: path('traits', 'tags'), search: lit('vip') },
  ],
  [
    'traits.name starts_with "An"',
    { type: 'starts_with', value: path('traits', 'name'), prefix: lit('An') },
  ],
  [
    'traits.email matches /@acme\\.com$/i',
    { type: 'matches', value: path('traits', 'email'), pattern: '@acme\\.com$', flags: 'i' },
  ],
  ['traits.address.city exists', { type: 'exists', value: path('traits', 'address', 'city') }],
  [
    'traits."first name" = "Ann"',
    { type: 'compare', op: '=', left: path('traits', 'first name'), right: lit('Ann') },
  ],
  [
    'context.page.path starts_with "/shoes"',
    { type: 'starts_with', value: path('context', 'page', 'path'), prefix: lit('/shoes') },
  ],
  ['true', { type: 'boolean', value: true }],
  ['in_segment("big spenders")', { type: 'in_segment', segment: 'big spenders' }],
  [
    'in_cluster("rfm", "big spenders")',
    { type: 'in_cluster', clustering: 'rfm', persona: 'big spenders' },
  ],
  [
    'count("Order Completed", 7d) >= 3',
    {
      type: 'compare',
      op: '>=',
      left: {
        type: 'aggregate',
        fn: 'count',
        pattern: { event: 'Order Completed' },
        window: { amount: 7, unit: 'd' },
      },
      right: lit(3),
    },
  ],
  [
    'count("Product Viewed" where properties.category = "shoes", 30d) > 0',
    {
      type: 'compare',
      op: '>',
      left: {
        type: 'aggregate',
        fn: 'count',
        pattern: {
          event: 'Product Viewed',
          where: {
            type: 'compare',
            op: '=',
            left: path('properties', 'category'),
            right: lit('shoes'),
          },
        },
        window: { amount: 30, unit: 'd' },
      },
      right: lit(0),
    },
  ],
  [
    'sum("Order Completed".revenue, 30d) > 100',
    {
      type: 'compare',
      op: '>',
      left: {
        type: 'aggregate',
        fn: 'sum',
        pattern: { event: 'Order Completed' },
        property: ['revenue'],
        window: { amount: 30, unit: 'd' },
      },
      right: lit(100),
    },
  ],
  [
    'days_since("Order Completed") > 90',
    {
      type: 'compare',
      op: '>',
      left: { type: 'aggregate', fn: 'days_since', pattern: { event: 'Order Completed' } },
      right: lit(90),
    },
  ],
  [
    '"Product Added" then "Order Completed" within 1h',
    {
      type: 'sequence',
      first: { event: 'Product Added' },
      then: { event: 'Order Completed' },
      negated: false,
      within: { amount: 1, unit: 'h' },
    },
  ],
  [
    '"Product Added" where properties.price > 50 then not "Order Completed" within 30m',
    {
      type: 'sequence',
      first: {
        event: 'Product Added',
        where: { type: 'compare', op: '>', left: path('properties', 'price'), right: lit(50) },
      },
      then: { event: 'Order Completed' },
      negated: true,
      within: { amount: 30, unit: 'm' },
    },
  ],
];

describe('the segment language', () => {
  it.each(CASES)('parses %s', (text, tree) => {
    expect(parseCondition(text)).toEqual({ ok: true, value: tree });
    expect(printCondition(tree as Condition)).toBe(text);
  });

  it('gives and precedence over or, keeps parentheses, and prints back what it read', () => {
    const text = 'traits.a = 1 or traits.b = 2 and not (traits.c = 3 or traits.d = 4)';
    const parsed = parseCondition(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value).toMatchObject({
      type: 'or',
      children: [
        { type: 'compare' },
        { type: 'and', children: [{}, { type: 'not', child: { type: 'or' } }] },
      ],
    });
    expect(printCondition(parsed.value)).toBe(text);
    const grouped = parseCondition(
      '(traits.a = 1 or traits.b = 2) and (traits.c = 3 and traits.d = 4)',
    );
    if (!grouped.ok) throw new Error(grouped.error.message);
    expect(printCondition(grouped.value)).toBe(
      '(traits.a = 1 or traits.b = 2) and (traits.c = 3 and traits.d = 4)',
    );
  });

  it('prints every case in a canonical form that parses back to the same tree', () => {
    const messy =
      '  count( "A"  where properties.x=1 and properties.y in [ 1,2 ] ,ever )>=2 and\n not traits.vip = true';
    const parsed = parseCondition(messy);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const text = printCondition(parsed.value);
    expect(text).toBe(
      'count("A" where properties.x = 1 and properties.y in [1, 2]) >= 2 and not traits.vip = true',
    );
    expect(parseCondition(text)).toEqual(parsed);
  });

  it('parses computed-trait aggregates on their own', () => {
    for (const text of [
      'sum("Order Completed".revenue, 30d)',
      'avg("Order Completed".revenue where properties.currency = "EUR", 365d)',
      'distinct("Product Viewed".sku, 30d)',
      'first("Order Completed".revenue)',
      'most_frequent("Product Viewed".category, 30d)',
      'max("Order Completed".items.count, 2w)',
      'count("Page Viewed", 30s)',
    ]) {
      const parsed = parseComputed(text);
      if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
      expect(printComputed(parsed.value)).toBe(text);
    }
  });

  it.each([
    ['traits.plan = ', 14, /Expected/],
    ['traits.plan == "pro"', 13, /Expected/],
    ['plan = "pro"', 0, /Expected/],
    ['traits.plan = "pro" and', 23, /Expected/],
    ['count("A", 0d) > 1', 11, /duration must be positive/],
    ['traits.email matches /(unclosed/', 21, /invalid regular expression/],
    ['days_since("A", 7d) > 3', 14, /Expected/],
    ['"A" then "B"', 12, /within/],
    ['traits.x = "unterminated', 11, /Expected/],
  ])('refuses %s with the position of the problem', (text, position, message) => {
    const parsed = parseCondition(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.message).toMatch(message);
    expect(parsed.error.position).toBe(position);
    // One convention: the message names the same 0-based offset the field gives.
    expect(parsed.error.message).toContain(`(at offset ${position})`);
    expect(parsed.error.message).not.toMatch(/character \d/);
  });

  it('refuses definitions nested more than 400 deep, with the position, before the parser recurses', () => {
    const nested = (levels: number, open = '(', close = ')') =>
      `${open.repeat(levels)}traits.plan = "pro"${close.repeat(levels)}`;
    expect(parseCondition(nested(400)).ok).toBe(true);
    for (const [text, position] of [
      [nested(401), 400],
      [nested(4_990), 400],
      [`${'not '.repeat(401)}true`, 1_600],
      [`${'not ('.repeat(201)}true${')'.repeat(201)}`, 1_000],
      [`count("A" where ${'(count("A" where '.repeat(199)}true${') > 0)'.repeat(199)}) > 0`, 2_271],
    ] as [string, number][]) {
      const parsed = parseCondition(text);
      expect(parsed).toEqual({
        ok: false,
        error: {
          message: `nested more than 400 deep (parentheses, not and where count as levels) (at offset ${position})`,
          position,
        },
      });
    }
    // Parentheses in strings and patterns are not levels; computed traits are held to the same.
    expect(
      parseCondition(`traits.x = "${'('.repeat(1_000)}" or traits.y matches /${'\\('.repeat(500)}/`)
        .ok,
    ).toBe(true);
    expect(parseComputed(`count("A" where ${'('.repeat(500)}true${')'.repeat(500)})`).ok).toBe(
      false,
    );
    // As a JSON tree: refused without printing it (which would recurse as deep).
    let tree: unknown = { type: 'boolean', value: true };
    for (let i = 0; i < 100_000; i++) tree = { type: 'not', child: tree };
    expect(conditionFromTree(tree)).toEqual({
      ok: false,
      error: { message: 'not a valid definition tree: nested more than 400 deep', position: 0 },
    });
  });

  it('refuses patterns the linear-time engine cannot run (backreferences, lookaround), with the position', () => {
    for (const [text, position, detail] of [
      ['traits.x matches /(a)\\1/', 17, 'invalid escape sequence: `\\1`'],
      [
        'traits.x = 1 or traits.y matches /a(?=b)/i',
        33,
        'invalid or unsupported Perl syntax: `(?=`',
      ],
    ] as [string, number, string][]) {
      const parsed = parseCondition(text);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.error.position).toBe(position);
      expect(parsed.error.message).toBe(
        `unsupported regular expression: ${detail}; patterns run on a linear-time engine (RE2), without backreferences or lookaround (at offset ${position})`,
      );
    }
    expect(parseCondition('traits.x matches /^(a+)+$/').ok).toBe(true);
  });

  it('uses the parser generated from the grammar at build time, and that parser is current', () => {
    const script = fileURLToPath(
      new URL('../../scripts/generate-segment-parser.js', import.meta.url),
    );
    expect(() =>
      execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
    // Nothing is compiled at run time: the parser is plain code, and Peggy is not imported.
    expect(readFileSync(new URL('./parse-definition.ts', import.meta.url), 'utf8')).not.toMatch(
      /from 'peggy'/,
    );
    expect(
      readFileSync(new URL('./segment-parser.generated.ts', import.meta.url), 'utf8'),
    ).not.toMatch(/\beval\(|new Function|from 'peggy'/);
  });

  it('accepts a JSON tree that prints and parses, in its canonical form', () => {
    const tree = {
      type: 'compare',
      op: '=',
      left: { type: 'path', root: 'traits', path: ['plan'], note: 'x' },
      right: lit('pro'),
    };
    expect(conditionFromTree(tree)).toEqual({
      ok: true,
      value: { ...tree, left: path('traits', 'plan') },
    });
    const bad = conditionFromTree({ type: 'compare', op: '=', left: { type: 'nonsense' } });
    expect(bad.ok).toBe(false);
    expect(conditionFromTree({ type: 'teleport' }).ok).toBe(false);
  });
});
