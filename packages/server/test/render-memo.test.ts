import { describe, expect, it, vi } from 'vitest';
import { createLiquid } from '../src/decide/create-liquid.js';
import { RenderMemo, type RenderScope } from '../src/decide/render-memo.js';

const scope = (
  traits: Record<string, unknown>,
  context: Record<string, unknown> = {},
  computed: Record<string, unknown> = {},
): RenderScope => ({
  profile: { id: 'p1', traits, computed, segments: [] },
  traits,
  computed,
  context,
});

function memo() {
  const liquid = createLiquid();
  const renders = vi.spyOn(liquid, 'renderBounded');
  return { liquid, renders, memo: new RenderMemo(liquid, { max: 1000, maxChars: 1_000_000 }) };
}

describe('rendering placement templates with recent outputs kept', () => {
  it('renders once per set of values the template reads, and again when one of them changes', () => {
    const { liquid, renders, memo: m } = memo();
    const template = liquid.parse(
      'Hi {{ traits.first_name }}! {% if computed.revenue %}You spent {{ computed.revenue | money: "EUR" }}.{% endif %} {{ context.page.path }}',
    );
    const ann = scope({ first_name: 'Ann', plan: 'pro' }, { page: { path: '/shoes' } });
    expect(m.render(template, ann)).toBe('Hi Ann!  /shoes');
    // Another person with the same values read (the plan is not read): kept.
    expect(
      m.render(template, scope({ first_name: 'Ann', plan: 'free' }, { page: { path: '/shoes' } })),
    ).toBe('Hi Ann!  /shoes');
    expect(renders).toHaveBeenCalledTimes(1);
    expect(
      m.render(
        template,
        scope({ first_name: 'Ann' }, { page: { path: '/bags' } }, { revenue: 12.5 }),
      ),
    ).toBe('Hi Ann! You spent €12.50. /bags');
    // The locale the money filter reads is part of the key.
    expect(
      m.render(
        template,
        scope(
          { first_name: 'Ann', locale: 'de-DE' },
          { page: { path: '/bags' } },
          { revenue: 12.5 },
        ),
      ),
    ).toBe('Hi Ann! You spent 12,50\u00a0€. /bags');
    expect(renders).toHaveBeenCalledTimes(3);
  });

  it('keeps outputs per view: a masked render and a full one never share an output', () => {
    const { liquid, renders, memo: m } = memo();
    const template = liquid.parse('Hi {{ traits.plan }}');
    const values = scope({ plan: 'pro' });
    expect(m.render(template, values, undefined, 'public')).toBe('Hi pro');
    expect(m.render(template, values, undefined, 'full')).toBe('Hi pro');
    expect(renders).toHaveBeenCalledTimes(2);
    expect(m.render(template, values, undefined, 'public')).toBe('Hi pro');
    expect(renders).toHaveBeenCalledTimes(2);
  });

  it('tells a missing value from null, and reads the whole object behind a computed index', () => {
    const { liquid, renders, memo: m } = memo();
    const json = liquid.parse('{{ traits.nickname | json }}');
    expect(m.render(json, scope({ nickname: null }))).toBe('null');
    expect(m.render(json, scope({}))).toBe('');
    const indexed = liquid.parse('{{ traits[context.field] }}');
    expect(m.render(indexed, scope({ a: 'one', b: 'two' }, { field: 'a' }))).toBe('one');
    expect(m.render(indexed, scope({ a: 'one', b: 'two' }, { field: 'b' }))).toBe('two');
    expect(m.render(indexed, scope({ a: 'uno', b: 'two' }, { field: 'a' }))).toBe('uno');
    expect(renders).toHaveBeenCalledTimes(5);
  });

  it('always renders templates whose filters read the clock, chance or an expression in a string', () => {
    const { liquid, renders, memo: m } = memo();
    const dated = liquid.parse('{% if traits.plan %}{{ "now" | date: "%s" }}{% endif %}');
    const sampled = liquid.parse('{{ traits.colours | sample }}');
    // The expression reads context.plan, which the static analysis does not see inside the string.
    const filtered = liquid.parse(
      '{{ traits.offers | where_exp: "o", "o.plan == context.plan" | map: "name" | join }}',
    );
    const offers = [
      { plan: 'pro', name: 'Pro deal' },
      { plan: 'free', name: 'Starter' },
    ];
    for (let i = 0; i < 3; i++) {
      m.render(dated, scope({ plan: 'pro' }));
      m.render(sampled, scope({ colours: ['red', 'blue'] }));
    }
    expect(m.render(filtered, scope({ offers }, { plan: 'pro' }))).toBe('Pro deal');
    expect(m.render(filtered, scope({ offers }, { plan: 'free' }))).toBe('Starter');
    expect(renders).toHaveBeenCalledTimes(8);
  });

  it('keeps outputs within a size budget: an entry too large for it is rendered every time', () => {
    const liquid = createLiquid();
    const renders = vi.spyOn(liquid, 'renderBounded');
    const m = new RenderMemo(liquid, { max: 1000, maxChars: 16_000 });
    const whole = liquid.parse('{{ traits | json }}');
    const big = scope({ notes: 'x'.repeat(2_000) });
    const small = scope({ plan: 'pro' });
    for (let i = 0; i < 3; i++) {
      expect(m.render(whole, big)).toContain('xxx');
      expect(m.render(whole, small)).toBe('{&#34;plan&#34;:&#34;pro&#34;}');
    }
    expect(renders).toHaveBeenCalledTimes(3 + 1);
  });

  it('keeps no failed render', () => {
    const { liquid, renders, memo: m } = memo();
    const failing = liquid.parse('{{ traits.query | url_decode }}');
    expect(() => m.render(failing, scope({ query: '%E0%A4%A' }))).toThrow(/URI/);
    expect(() => m.render(failing, scope({ query: '%E0%A4%A' }))).toThrow(/URI/);
    expect(m.render(failing, scope({ query: 'a%20b' }))).toBe('a b');
    expect(renders).toHaveBeenCalledTimes(3);
  });

  it('gives what rendering gives, over random people, contexts and templates', () => {
    const { liquid, memo: m } = memo();
    const reference = createLiquid();
    const sources = [
      'Hi {{ traits.first_name | default: "there" }}, {{ profile.traits.plan | upcase }}',
      '{% for s in profile.segments %}{{ s }},{% endfor %}{% assign n = computed.orders | plus: 1 %}{{ n }}',
      '{% case context.device %}{% when "mobile" %}M{% else %}D{% endcase %} {{ computed.revenue | money }}',
      '{{ context.page | json }} {% cycle "a", "b" %}{% cycle "a", "b" %} {% increment k %}{% increment k %}',
      '{{ traits.birthday | local_date: "long" }} in {{ traits.timezone | default: "UTC" }}',
      '{{ traits.tags.size }} {{ traits.tags.first }} {{ traits.tags.last }} {{ traits.tags[-1] }} {{ traits.first_name.size }} {{ traits.tags[0].size }}',
    ];
    const templates = sources.map((s) => [liquid.parse(s), reference.parse(s)] as const);
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    for (let i = 0; i < 2000; i++) {
      const traits: Record<string, unknown> = {
        first_name: pick(['Ann', 'Ben', undefined, null]),
        plan: pick(['free', 'pro']),
        locale: pick(['en-US', 'de-DE', undefined]),
        timezone: pick(['Europe/Paris', 'America/New_York', undefined]),
        birthday: pick(['1990-04-01T12:00:00Z', undefined]),
        tags: pick([['a'], ['a', 'bb'], ['bb', 'a'], [], 'a,bb', null, undefined, { size: 'own' }]),
      };
      const computed = { orders: pick([0, 1, 2]), revenue: pick([0, 9.99, 1234.5, null]) };
      const context = {
        device: pick(['mobile', 'desktop']),
        page: pick([{ path: '/' }, { path: '/shoes' }, undefined]),
        locale: pick(['fr-FR', undefined]),
      };
      const person: RenderScope = {
        profile: {
          id: `p${i}`,
          traits,
          computed,
          segments: pick([[], ['buyers'], ['buyers', 'vip']]),
        },
        traits,
        computed,
        context,
      };
      const [template, fresh] = pick(templates);
      // Each render gets its own scope, as decide's do (increment counts in the scope it is given);
      // time enough for the first formatters built on a busy machine, for both engines.
      expect(m.render(template, structuredClone(person), 60_000)).toBe(
        reference.renderSync(fresh, structuredClone(person), { renderLimit: 60_000 }),
      );
    }
  });
});
