import { describe, expect, it, vi } from 'vitest';
import { compileTemplate } from '../src/decide/compile-template.js';
import { createLiquid } from '../src/decide/create-liquid.js';
import { TEMPLATE_LIMITS } from '../src/decide/template-engine.js';

/**
 * The compiled templates are checked against LiquidJS itself: the same sources, parsed by two
 * engines, rendered for the same random scopes, compiled on one side and by LiquidJS's own
 * renderer on the other.
 */
const COMPILED = [
  // Outputs: values of every kind, escaped or raw, through properties, indexes and sizes.
  '{{ v }}|{{ v | raw }}|{{ o.name }}|{{ o["name"] }}|{{ o[k] }}|{{ o[o.key] }}|{{ list[0] }}|{{ list[-1] }}',
  '{{ list.size }} {{ list.first }} {{ list.last }} {{ v.size }} {{ o.size }} {{ "abc".size }} {{ (1..n) }}',
  '{{ toString }}{{ constructor }}{{ o.constructor }}{{ list.map }}{{ v.length }}{{ nil }}{{ empty }}{{ 3.5 }}{{ true }}',
  // Filters: plain, with positional and keyword arguments, generators (map, where, sort), and
  // those that read the context (money, local_date) or evaluate an expression (where_exp).
  '{{ v | default: "none" }}|{{ v | default: o.name, allow_false: true }}|{{ v | append: "&" | upcase | truncate: 6 }}',
  '{{ list | join: ", " }}|{{ list | map: "item" | join: "," }}|{{ list | where: "item", "b" | size }}|{{ list | sort | first }}',
  '{{ o.price | money }} {{ o.price | money: "EUR" }} {{ o.when | local_date: "long" }} {{ list | json }} {{ o | json }}',
  '{{ list | where_exp: "x", "x.item != \'b\'" | map: "item" | join }}|{{ v | url_encode }}|{{ n | plus: 1 | times: 2 }}',
  // Conditions: comparisons, contains, and/or/not, empty and blank, elsif, else, unless.
  '{% if v == "b" %}B{% elsif v > 2 %}big{% elsif v %}some{% else %}none{% endif %}',
  '{% if list contains "b" and n >= 2 or v == empty %}Y{% endif %}{% if not v %}N{% endif %}{% if o != blank %}O{% endif %}',
  '{% unless v %}no v{% elsif n < 3 %}small{% else %}else{% endunless %}{% unless list.size > 1 %}one{% endunless %}',
  '{% if v contains "a" %}has a{% endif %}{% if o.name == nil %}nil{% endif %}{% if list == empty %}empty{% endif %}',
  // Loops: lists, strings, objects, ranges, nothing; else; modifiers; forloop; nested; shadowing.
  '{% for x in list %}{{ forloop.index }}/{{ forloop.length }}:{{ x.item | default: x }}{% unless forloop.last %}, {% endunless %}{% else %}nothing{% endfor %}',
  '{% for x in list limit: 2 offset: 1 reversed %}{{ x }}{{ forloop }}{% endfor %}|{% for x in list reversed limit: 1 %}{{ x | json }}{% endfor %}',
  '{% for p in o %}{{ p[0] }}={{ p[1] }};{% endfor %}{% for c in v %}[{{ c }}]{% endfor %}{% for i in (1..n) %}{{ i }}{% endfor %}',
  '{% for a in list %}{% for b in list %}{{ forloop.index0 }}{{ forloop.rindex }}{{ forloop.first }}{% endfor %}{{ forloop.rindex0 }}{% endfor %}',
  '{% for v in list %}{{ v | json }}{% endfor %}{{ v }}{% for list in list %}{{ list | json }}{% endfor %}{% for forloop in list %}x{% endfor %}',
  // Assign, comments and whitespace control.
  '{% assign v = list | size %}{{ v }}{% for x in list %}{% assign last = x %}{% endfor %}{{ last | json }}{% comment %}{{ gone }}{% endcomment %}{% # note %}',
  '  {%- if v -%}  v  {%- endif -%}  |{{- o.name -}}  |  {%- for x in list %} {{ x.item -}} {% endfor -%}',
  '{% for r in recommendations.shop %}<a href="/p/{{ r.item | url_encode }}">{{ r.item }}</a>{% endfor %}',
];

/** Templates with tags or arguments the compiler leaves to LiquidJS. */
const NOT_COMPILED = [
  '{% case v %}{% when 1 %}one{% endcase %}',
  '{% cycle "a", "b" %}',
  '{% increment k %}',
  '{% capture x %}{{ v }}{% endcapture %}{{ x }}',
  '{% for x in list %}{% break %}{% endfor %}',
  '{% for x in list limit: n %}{{ x }}{% endfor %}',
  '{% for x in list offset: continue %}{{ x }}{% endfor %}',
  '{% tablerow x in list %}{{ x }}{% endtablerow %}',
  '{% echo v %}',
  '{% raw %}{{ v }}{% endraw %}',
  '{% if true %}{% increment k %}{% endif %}',
];

function randomScopes(count: number) {
  let seed = 11;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const values = [
    'a<b>&"c\'',
    'b',
    'abc',
    '',
    0,
    1,
    2.5,
    7,
    -1,
    true,
    false,
    null,
    undefined,
    ['b', 'a'],
    [],
    { item: 'b' },
    { size: 'own' },
  ];
  const items = [{ item: 'a' }, { item: 'b', price: 3 }, { item: '<c>' }, 'b', 2, null, ['x']];
  return Array.from({ length: count }, () => {
    const list = pick([
      Array.from({ length: Math.floor(random() * 5) }, () => pick(items)),
      ['a', 'b', 'c'],
      [],
      'b',
      null,
      undefined,
      { item: 'o' },
    ]);
    return {
      v: pick(values),
      n: pick([0, 1, 2, 3, '2', null, undefined, 2.5]),
      k: pick(['name', 'key', 'size', 'missing', 0]),
      list,
      o: pick([
        {
          name: pick(values),
          key: 'name',
          price: pick([9.99, 1234.5, 'x']),
          when: '2026-03-01T12:00:00Z',
        },
        { size: 3, name: 'sized' },
        {},
        null,
        undefined,
      ]),
      context: {
        locale: pick(['de-DE', 'en-GB', undefined]),
        timezone: pick(['Asia/Tokyo', undefined]),
      },
      traits: { locale: pick(['fr-FR', undefined]) },
      recommendations: { shop: pick([[], [{ item: 'p 1' }, { item: 'p/2?x=<y>' }], null]) },
    };
  });
}

describe('templates compiled for rendering without LiquidJS generators', () => {
  it('compiles text, outputs, if, unless, for, assign and comments, and leaves every other tag to LiquidJS', () => {
    const liquid = createLiquid();
    for (const source of COMPILED)
      expect(compileTemplate(liquid.parse(source), liquid.options), source).not.toBeNull();
    for (const source of NOT_COMPILED)
      expect(compileTemplate(liquid.parse(source), liquid.options), source).toBeNull();
    expect(
      compileTemplate(liquid.parse('{{ v }}'), { ...liquid.options, strictVariables: true }),
    ).toBeNull();
  });

  it('renders what LiquidJS renders, over random scopes', () => {
    const liquid = createLiquid();
    const reference = createLiquid();
    const renders = vi.spyOn(liquid.renderer, 'renderTemplates');
    const templates = COMPILED.map((s) => [s, liquid.parse(s), reference.parse(s)] as const);
    let errors = 0;
    for (const scope of randomScopes(300)) {
      for (const [source, template, fresh] of templates) {
        let expected: string;
        try {
          expected = reference.renderSync(fresh, structuredClone(scope), { renderLimit: 60_000 });
        } catch (error) {
          errors++;
          expect(
            () => liquid.renderBounded(template, structuredClone(scope), 60_000),
            source,
          ).toThrow((error as Error).message);
          continue;
        }
        expect(liquid.renderBounded(template, structuredClone(scope), 60_000), source).toBe(
          expected,
        );
      }
    }
    // LiquidJS rendered a whole template only after its compiled form threw, as LiquidJS did.
    const wholes = new Set<unknown>(templates.map(([, template]) => template));
    expect(renders.mock.calls.filter(([template]) => wholes.has(template))).toHaveLength(errors);
    expect(errors).toBeLessThan(templates.length * 300 * 0.05);
  });

  it('renders the templates it does not compile through LiquidJS, as before', () => {
    const liquid = createLiquid();
    const reference = createLiquid();
    for (const scope of randomScopes(20))
      for (const source of NOT_COMPILED)
        expect(liquid.renderBounded(liquid.parse(source), structuredClone(scope), 60_000)).toBe(
          reference.renderSync(reference.parse(source), structuredClone(scope)),
        );
  });

  it("raises LiquidJS's own errors, with where they happened, at the same limits", () => {
    const liquid = createLiquid();
    const scope = { traits: { long: 'x'.repeat(1000), k: 100, n: 200_000 } };
    const output = liquid.parse(
      'ok\n  {% for i in (1..traits.k) %}{{ traits.long | raw }}{% endfor %}',
    );
    expect(compileTemplate(output, liquid.options)).not.toBeNull();
    expect(() => liquid.renderBounded(output, scope)).toThrow(
      /^output size limit exceeded \(50000 characters\), line:2, col:3/,
    );
    const memory = liquid.parse('{% for i in (1..traits.n) %}{% endfor %}');
    expect(() => liquid.renderBounded(memory, scope)).toThrow(
      /^memory alloc limit exceeded, line:1, col:1/,
    );
    // Within the limits, the same loops render.
    expect(liquid.renderBounded(output, { traits: { long: 'ab', k: 3 } })).toBe('ok\n  ababab');
    expect(TEMPLATE_LIMITS.outputChars).toBe(50_000);
    const late = liquid.parse('{% for i in traits.list %}{{ i }}{% endfor %}');
    expect(() => liquid.renderBounded(late, { traits: { list: [1, 2] } }, -1)).toThrow(
      /^template render limit exceeded/,
    );
  });
});
