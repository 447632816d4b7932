import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Decision } from '../src/decide/decider.js';
import { startTestTailor, type ConfigOverrides, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
let clock = Date.UTC(2026, 10, 29, 12);
afterEach(async () => {
  await t.close();
});

async function start(overrides: ConfigOverrides = {}) {
  clock = Date.UTC(2026, 10, 29, 12);
  t = await startTestTailor(overrides, () => clock);
}
function admin(method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}
async function collect(batch: Record<string, unknown>[]) {
  t.tailor.flushDecisions();
  if (batch.length === 0) return t.tailor.pipeline.catchUp();
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: t.writeAuth },
    payload: { batch },
  });
  expect(res.json().rejected).toEqual([]);
  await t.tailor.pipeline.catchUp();
}
/** Asked with the admin key: full reasons and every trait (what the write key sees: decide-write-key.test.ts). */
async function decide(body: Record<string, unknown>) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/decide',
    headers: { authorization: t.adminAuth },
    payload: body,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ decisions: Decision[] }>().decisions;
}
const iso = (ms: number) => new Date(ms).toISOString();
/** The computed traits and segment HERO reads, then HERO itself. */
async function defineHero() {
  await admin('PUT', '/v1/computed-traits/orders', { definition: 'count("Order Completed")' });
  await admin('PUT', '/v1/computed-traits/revenue', {
    definition: 'sum("Order Completed".revenue)',
  });
  await admin('PUT', '/v1/segments/buyers', { definition: 'computed.orders >= 1' });
  return admin('PUT', '/v1/placements/home_hero', HERO);
}

const HERO = {
  items: [
    {
      id: 'pro',
      when: 'traits.plan = "pro"',
      priority: 10,
      template: 'Hi {{ traits.name }}, your plan: {{ traits.plan }}',
    },
    {
      id: 'shoes',
      when: 'context.page.path starts_with "/shoes"',
      priority: 5,
      template: 'Shoes for you',
    },
    {
      id: 'buyers',
      when: 'in_segment("buyers")',
      priority: 1,
      template: 'Thanks for {{ computed.orders }} orders: {{ computed.revenue | money: "EUR" }}',
    },
  ],
  default: { id: 'welcome', template: 'Welcome!' },
};

describe('placements and decisions', () => {
  it('picks the best eligible item for the person and the request, renders it escaped, and explains why', async () => {
    await start();
    const put = await defineHero();
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      name: 'home_hero',
      version: 1,
      items: [{ id: 'pro' }, { id: 'shoes' }, { id: 'buyers' }],
    });

    await collect([
      {
        type: 'identify',
        userId: 'ann',
        traits: { plan: 'pro', name: '<script>x</script>' },
        timestamp: iso(clock),
      },
      {
        type: 'track',
        userId: 'bob',
        event: 'Order Completed',
        properties: { revenue: 1234.5 },
        timestamp: iso(clock),
      },
    ]);
    const [ann] = await decide({ userId: 'ann', placements: ['home_hero'] });
    expect(ann).toMatchObject({
      placement: 'home_hero',
      itemId: 'pro',
      fallback: false,
      content: 'Hi &lt;script&gt;x&lt;/script&gt;, your plan: pro',
    });
    expect(ann?.reasons[0]).toBe('pro: chosen (traits.plan = "pro")');
    expect(ann?.reasons).toContain(
      'shoes: rule did not hold (context.page.path starts_with "/shoes")',
    );

    // The request's context counts; priority ranks the eligible ones; money formats in the locale.
    const [bobOnShoes, bobHome] = [
      (
        await decide({
          userId: 'bob',
          placements: ['home_hero'],
          context: { page: { path: '/shoes/run' } },
        })
      )[0],
      (await decide({ userId: 'bob', placements: ['home_hero'], context: { locale: 'de-DE' } }))[0],
    ];
    expect(bobOnShoes).toMatchObject({ itemId: 'shoes', fallback: false });
    expect(bobOnShoes?.reasons).toContain('buyers: ranked below shoes');
    expect(bobHome).toMatchObject({
      itemId: 'buyers',
      content: 'Thanks for 1 orders: 1.234,50\u00a0€',
    });

    // Unknown people and placements get the default, flagged, never an error.
    const [stranger, missing] = await decide({
      anonymousId: 'nobody',
      placements: ['home_hero', 'nope'],
    });
    expect(stranger).toMatchObject({
      itemId: 'welcome',
      content: 'Welcome!',
      fallback: true,
      reasons: ['welcome: default, unknown person'],
    });
    expect(missing).toMatchObject({
      placement: 'nope',
      itemId: null,
      content: null,
      fallback: true,
    });

    // Each decision is an event in the log, so exposures can be measured.
    t.tailor.flushDecisions();
    const events = (await admin('GET', '/v1/events?userId=ann')).json().events as {
      event?: string;
      properties?: Record<string, unknown>;
    }[];
    await t.tailor.pipeline.catchUp();
    expect(events.filter((e) => e.event === 'Decision Made').map((e) => e.properties)).toEqual([
      {
        placement: 'home_hero',
        itemId: 'pro',
        fallback: false,
        reason: 'pro: chosen (traits.plan = "pro")',
      },
    ]);
  });

  it('lets an override win inside its schedule, and caps exposures per person, counted before and after the pipeline', async () => {
    await start();
    const body = {
      items: [
        {
          id: 'flash',
          override: true,
          priority: 0,
          template: 'Flash sale',
          schedule: { start: iso(clock + 3_600_000), end: iso(clock + 7_200_000) },
        },
        { id: 'offer', priority: 10, template: 'Offer', cap: { max: 2, per: '1d' } },
        { id: 'plain', priority: 1, template: 'Plain' },
      ],
      default: { id: 'none', template: '' },
    };
    expect((await admin('PUT', '/v1/placements/banner', body)).statusCode).toBe(200);
    await collect([
      { type: 'identify', userId: 'cap', traits: { plan: 'free' }, timestamp: iso(clock) },
    ]);
    const shown = async () => (await decide({ userId: 'cap', placements: ['banner'] }))[0];

    expect(await shown()).toMatchObject({ itemId: 'offer' });
    await collect([]); // the pipeline counts the first exposure
    expect(await shown()).toMatchObject({ itemId: 'offer' }); // second: pending, not yet folded
    const third = await shown();
    expect(third).toMatchObject({ itemId: 'plain' });
    expect(third?.reasons).toContain('offer: frequency cap reached (2 of 2 per 1d)');
    await collect([]);
    expect(await shown()).toMatchObject({ itemId: 'plain' }); // counted once each, not twice

    clock += 3_600_000; // the flash sale starts: the override beats everything
    const flash = await shown();
    expect(flash).toMatchObject({ itemId: 'flash', content: 'Flash sale' });
    expect(flash?.reasons).toContain('plain: flash is an override');
    clock += 86_400_000; // the sale is over and the cap window has passed
    await t.tailor.pipeline.catchUp();
    expect(await shown()).toMatchObject({ itemId: 'offer' });
  });

  it('counts exposures to capped items as it decides, without the pipeline, and reads them back after a restart or a merge', async () => {
    await start();
    const body = {
      items: [
        { id: 'offer', priority: 10, template: 'Offer', cap: { max: 2, per: '1d' } },
        { id: 'plain', priority: 1, template: 'Plain' },
      ],
      default: { id: 'none', template: '' },
    };
    expect((await admin('PUT', '/v1/placements/banner', body)).statusCode).toBe(200);
    await collect([
      { type: 'identify', userId: 'cap', traits: { plan: 'free' }, timestamp: iso(clock) },
      { type: 'identify', userId: 'm', traits: { plan: 'free' }, timestamp: iso(clock) },
      { type: 'page', anonymousId: 'anon-1', name: 'Home', timestamp: iso(clock) },
    ]);
    const shown = async (who: Record<string, string>) =>
      (await decide({ ...who, placements: ['banner'] }))[0]?.itemId;

    expect(await shown({ userId: 'cap' })).toBe('offer');
    clock += 1000;
    expect(await shown({ userId: 'cap' })).toBe('offer');
    await collect([]);
    expect(await shown({ userId: 'cap' })).toBe('plain');
    // The pipeline keeps no exposure counter: the decisions did not touch the profile.
    const profile = await t.tailor.profiles.byIdentifier({ type: 'userId', value: 'cap' });
    expect(profile?.aggregates).toEqual({});

    // Held across a restart: read back from the person's decision records.
    await t.reopen();
    await t.tailor.pipeline.catchUp();
    expect(await shown({ userId: 'cap' })).toBe('plain');
    clock += 86_400_000 - 500; // the first exposure leaves the window, the second does not
    expect(await shown({ userId: 'cap' })).toBe('offer');
    expect(await shown({ userId: 'cap' })).toBe('plain');

    // Two people's exposures add up once their profiles merge.
    expect(await shown({ userId: 'm' })).toBe('offer');
    expect(await shown({ anonymousId: 'anon-1' })).toBe('offer');
    expect(await shown({ anonymousId: 'anon-1' })).toBe('offer');
    await collect([
      { type: 'identify', userId: 'm', anonymousId: 'anon-1', timestamp: iso(clock) },
    ]);
    const merged = await t.tailor.profiles.byIdentifier({ type: 'anonymousId', value: 'anon-1' });
    expect(merged?.id).toBe(
      (await t.tailor.profiles.byIdentifier({ type: 'userId', value: 'm' }))?.id,
    );
    expect(await shown({ userId: 'm' })).toBe('plain');
  });

  it('follows profile changes: the cached person is dropped when the pipeline changes them', async () => {
    await start();
    expect((await defineHero()).statusCode).toBe(200);
    await collect([
      { type: 'identify', userId: 'cy', traits: { plan: 'free' }, timestamp: iso(clock) },
    ]);
    expect((await decide({ userId: 'cy', placements: ['home_hero'] }))[0]).toMatchObject({
      itemId: 'welcome',
      fallback: true,
    });
    expect(t.tailor.people.size).toBe(1);
    await collect([
      {
        type: 'identify',
        userId: 'cy',
        traits: { plan: 'pro', name: 'Cy' },
        timestamp: iso(clock),
      },
    ]);
    expect((await decide({ userId: 'cy', placements: ['home_hero'] }))[0]).toMatchObject({
      itemId: 'pro',
      content: 'Hi Cy, your plan: pro',
    });
    // An anonymous visitor cached as unknown is known once the pipeline links them.
    expect((await decide({ anonymousId: 'anon-cy', placements: ['home_hero'] }))[0]).toMatchObject({
      fallback: true,
    });
    await collect([
      { type: 'identify', userId: 'cy', anonymousId: 'anon-cy', timestamp: iso(clock) },
    ]);
    expect((await decide({ anonymousId: 'anon-cy', placements: ['home_hero'] }))[0]).toMatchObject({
      itemId: 'pro',
    });
  });

  it('decisions about a person fold without rewriting their profile or dropping them from the cache', async () => {
    await start();
    expect((await defineHero()).statusCode).toBe(200);
    await admin('PUT', '/v1/computed-traits/orders', { definition: 'count("Order Completed")' });
    await collect([
      {
        type: 'identify',
        userId: 'dee',
        traits: { plan: 'pro', name: 'Dee' },
        timestamp: iso(clock),
      },
    ]);
    const row = () => t.tailor.profiles.byIdentifier({ type: 'userId', value: 'dee' });
    const sealed = () => {
      const db = new Database(join(t.dir, 'state.sqlite'), { readonly: true });
      try {
        return db.prepare('SELECT sealed, updated_at AS updatedAt FROM profiles').get() as {
          sealed: Buffer;
          updatedAt: string;
        };
      } finally {
        db.close();
      }
    };
    const before = sealed();
    expect(before.sealed).toBeInstanceOf(Buffer); // encrypted at rest
    expect((await decide({ userId: 'dee', placements: ['home_hero'] }))[0]).toMatchObject({
      itemId: 'pro',
    });
    clock += 60_000;
    expect((await decide({ userId: 'dee', placements: ['home_hero'] }))[0]).toMatchObject({
      itemId: 'pro',
    });
    await collect([]);
    // The decisions are the person's (their events) but nothing they did: the profile row is not
    // written (the same sealed body, the same times) and the person stays cached.
    expect(sealed()).toEqual(before);
    expect(t.tailor.people.size).toBe(1);
    expect(
      (await t.tailor.profiles.eventPositions((await row())!.id, 0, 10)).positions,
    ).toHaveLength(3);
    // An order is taken by a computed trait: the body changes and readers see it.
    await collect([
      { type: 'track', userId: 'dee', event: 'Order Completed', timestamp: iso(clock) },
    ]);
    expect(sealed().sealed.equals(before.sealed)).toBe(false);
    expect(sealed().updatedAt).toBe(iso(clock));
    expect((await row())?.computed).toMatchObject({ orders: 1 });
    expect(t.tailor.people.size).toBe(0);
  });

  it('falls back to the default when a template fails or the time budget is exceeded', async () => {
    await start({
      decide: { budgetMs: 0.000_001, cacheProfiles: 10, holdout: { share: 0, seed: 's' } },
    });
    await admin('PUT', '/v1/placements/p', {
      items: [{ id: 'a', priority: 0, template: 'A' }],
      default: { id: 'd', template: 'D' },
    });
    await collect([{ type: 'identify', userId: 'slow', timestamp: iso(clock) }]);
    const [slow] = await decide({ userId: 'slow', placements: ['p'] });
    expect(slow).toMatchObject({ itemId: 'd', content: 'D', fallback: true });
    expect(slow?.reasons[0]).toMatch(/time budget of 0.000001 ms exceeded/);
  });

  it('decides a placement named twice in a request once, and answers every name in order', async () => {
    await start();
    for (const name of ['p', 'q'])
      await admin('PUT', `/v1/placements/${name}`, {
        items: [{ id: 'a', priority: 0, template: name.toUpperCase() }],
        default: { id: 'd', template: 'D' },
      });
    await collect([{ type: 'identify', userId: 'twice', timestamp: iso(clock) }]);
    const answer = await decide({ userId: 'twice', placements: ['p', 'q', 'p', 'p'] });
    expect(answer.map((d) => [d.placement, d.content])).toEqual([
      ['p', 'P'],
      ['q', 'Q'],
      ['p', 'P'],
      ['p', 'P'],
    ]);
    t.tailor.flushDecisions();
    const events = (await admin('GET', '/v1/events?userId=twice')).json().events as {
      event?: string;
      properties: { placement?: string };
    }[];
    const recorded = events.filter((e) => e.event === 'Decision Made');
    expect(recorded.map((e) => e.properties.placement)).toEqual(['p', 'q']);
  });

  it('never reads files from templates, and a failing template serves the default', async () => {
    await start();
    const put = await admin('PUT', '/v1/placements/p', {
      items: [{ id: 'a', priority: 0, template: 'A {% include "/etc/passwd" %}' }],
      default: { id: 'd', template: 'D' },
    });
    expect(put.statusCode).toBe(200);
    await collect([{ type: 'identify', userId: 'u', timestamp: iso(clock) }]);
    const [d] = await decide({ userId: 'u', placements: ['p'] });
    expect(d).toMatchObject({ itemId: 'd', content: 'D', fallback: true });
    expect(d?.reasons[0]).toMatch(/^a: template failed: ENOENT/);
  });

  it('refuses bad placements with the reason and the item', async () => {
    await start();
    const bad = async (items: unknown[], message: RegExp) => {
      const res = await admin('PUT', '/v1/placements/p', {
        items,
        default: { id: 'd', template: 'D' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(message);
      return res.json();
    };
    const syntax = await bad(
      [{ id: 'a', priority: 0, when: 'traits.plan ==', template: 'A' }],
      /items\[0\]\.when: Expected/,
    );
    expect(syntax.position).toBe(13);
    await bad(
      [{ id: 'a', priority: 0, when: 'count("Order Completed", 7d) > 1', template: 'A' }],
      /belongs in a computed trait/,
    );
    await bad(
      [{ id: 'a', priority: 0, when: 'in_segment("vip")', template: 'A' }],
      /no segment named "vip"/,
    );
    await bad(
      [{ id: 'a', priority: 0, template: '{{ a | no_such_filter }}' }],
      /items\[0\]\.template: template does not parse/,
    );
    await bad(
      [
        { id: 'a', priority: 0, template: 'A' },
        { id: 'a', priority: 0, template: 'B' },
      ],
      /a is used twice/,
    );
    await bad(
      [
        {
          id: 'a',
          priority: 0,
          template: 'A',
          schedule: { start: iso(clock), end: iso(clock - 1) },
        },
      ],
      /end must be after start/,
    );
    // Only define-level keys change placements; the write key decides.
    const asWriter = await t.app.inject({
      method: 'PUT',
      url: '/v1/placements/p',
      headers: { authorization: `Bearer test-write-key-0001` },
      payload: { items: [], default: { id: 'd', template: 'D' } },
    });
    expect(asWriter.statusCode).toBe(403);
  });

  it('previews a placement or one item for a profile without recording an exposure', async () => {
    await start();
    expect((await defineHero()).statusCode).toBe(200);
    await collect([
      {
        type: 'identify',
        userId: 'pv',
        traits: { plan: 'pro', name: 'Pat', timezone: 'Europe/Paris' },
        timestamp: iso(clock),
      },
    ]);
    const decision = (
      await admin('POST', '/v1/placements/home_hero/preview', { userId: 'pv' })
    ).json();
    expect(decision).toMatchObject({ itemId: 'pro', content: 'Hi Pat, your plan: pro' });
    const item = (
      await admin('POST', '/v1/placements/home_hero/preview', { userId: 'pv', itemId: 'shoes' })
    ).json();
    expect(item).toMatchObject({ itemId: 'shoes', content: 'Shoes for you' });
    t.tailor.flushDecisions();
    const events = (await admin('GET', '/v1/events?userId=pv')).json().events as {
      event?: string;
    }[];
    expect(events.some((e) => e.event === 'Decision Made')).toBe(false);
  });

  it('keeps a global holdout of people on the default, the same people every time, marked in the exposure events', async () => {
    // A budget no decision reaches even on a loaded machine: this test is about the holdout, and a
    // decision over budget would fall back to the default for another reason.
    await start({
      decide: {
        budgetMs: 10_000,
        cacheProfiles: 10_000,
        holdout: { share: 0.3, seed: 'test-holdout' },
      },
    });
    await admin('PUT', '/v1/placements/p', {
      items: [{ id: 'all', priority: 0, template: 'For you' }],
      default: { id: 'd', template: 'Default' },
    });
    await collect(
      Array.from({ length: 1000 }, (_, n) => ({
        type: 'identify',
        userId: `h${n}`,
        timestamp: iso(clock),
      })),
    );
    const held: string[] = [];
    for (let n = 0; n < 1000; n++) {
      const [decision] = await decide({ userId: `h${n}`, placements: ['p'] });
      if (decision?.itemId === 'd') {
        expect(decision).toMatchObject({
          fallback: false,
          holdout: true,
          content: 'Default',
          reasons: ['d: default, in the global holdout'],
        });
        held.push(`h${n}`);
      } else {
        expect(decision).toMatchObject({ itemId: 'all' });
      }
    }
    // 30 % give or take three standard deviations (binomial, n = 1000: 14.5).
    expect(held.length).toBeGreaterThan(256);
    expect(held.length).toBeLessThan(344);
    for (const userId of held.slice(0, 20))
      expect((await decide({ userId, placements: ['p'] }))[0]?.holdout).toBe(true);
    t.tailor.flushDecisions();
    const events = (await admin('GET', `/v1/events?userId=${held[0] ?? ''}`)).json().events as {
      event?: string;
      properties?: Record<string, unknown>;
    }[];
    expect(events.find((e) => e.event === 'Decision Made')?.properties).toMatchObject({
      itemId: 'd',
      holdout: true,
    });
  });

  it('serves the variant of the experiment a winning item names, sticky per person, with the exposure recorded', async () => {
    await start();
    expect(
      (
        await admin('PUT', '/v1/experiments/hero-copy', {
          variants: [{ id: 'control' }, { id: 'bold' }],
        })
      ).statusCode,
    ).toBe(200);
    const put = await admin('PUT', '/v1/placements/hero', {
      items: [
        {
          id: 'promo',
          priority: 1,
          template: 'Spring sale',
          experiment: 'hero-copy',
          variants: { bold: '<b>SPRING SALE</b> {{ traits.name }}' },
        },
      ],
      default: { id: 'd', template: 'Hi' },
    });
    expect(put.statusCode).toBe(200);
    await collect(
      Array.from({ length: 40 }, (_, n) => ({
        type: 'identify',
        userId: `x${n}`,
        traits: { name: `N${n}` },
        timestamp: iso(clock),
      })),
    );
    const seen = new Map<string, string>();
    for (let n = 0; n < 40; n++) {
      const [d] = await decide({ userId: `x${n}`, placements: ['hero'] });
      const variant = d?.experiment?.variant ?? '';
      expect(['control', 'bold']).toContain(variant);
      expect(d?.content).toBe(variant === 'bold' ? `<b>SPRING SALE</b> N${n}` : 'Spring sale');
      expect(d?.reasons).toContain(`experiment hero-copy: variant ${variant}`);
      seen.set(`x${n}`, variant);
    }
    expect(new Set(seen.values()).size).toBe(2);
    const again = await decide({ userId: 'x7', placements: ['hero'] });
    expect(again[0]?.experiment?.variant).toBe(seen.get('x7'));
    t.tailor.flushDecisions();
    const events = (await admin('GET', '/v1/events?userId=x7')).json().events as {
      event?: string;
      properties?: Record<string, unknown>;
    }[];
    expect(
      events.filter((e) => e.event === 'Experiment Viewed').map((e) => e.properties?.variant),
    ).toEqual([seen.get('x7'), seen.get('x7')]);
    expect(events.find((e) => e.event === 'Decision Made')?.properties).toMatchObject({
      experiment: 'hero-copy',
      variant: seen.get('x7'),
    });
    // A placement naming an experiment that does not exist is refused.
    const bad = await admin('PUT', '/v1/placements/other', {
      items: [{ id: 'a', priority: 0, template: 'A', experiment: 'nope' }],
      default: { id: 'd', template: 'D' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it("serves a factorial experiment's levels: one template reading experiment.factors, or a template per cell", async () => {
    await start();
    const factors = [
      { name: 'headline', levels: [{ id: 'plain' }, { id: 'bold' }] },
      { name: 'cta', levels: [{ id: 'buy' }, { id: 'try' }] },
    ];
    expect((await admin('PUT', '/v1/experiments/hero-grid', { factors })).statusCode).toBe(200);
    const put = await admin('PUT', '/v1/placements/grid', {
      items: [
        {
          id: 'promo',
          priority: 1,
          template:
            '{% if experiment.factors.headline == "bold" %}<b>Sale</b>{% else %}Sale{% endif %} {{ experiment.factors.cta }}',
          experiment: 'hero-grid',
          variants: { 'headline=plain|cta=try': 'Try it, {{ traits.name }}' },
        },
      ],
      default: { id: 'd', template: 'Hi' },
    });
    expect(put.statusCode).toBe(200);
    await collect(
      Array.from({ length: 40 }, (_, n) => ({
        type: 'identify',
        userId: `f${n}`,
        traits: { name: `N${n}` },
        timestamp: iso(clock),
      })),
    );
    const cells = new Set<string>();
    for (let n = 0; n < 40; n++) {
      const [d] = await decide({ userId: `f${n}`, placements: ['grid'] });
      const levels = d?.experiment?.factors ?? {};
      expect(d?.experiment?.variant).toBe(`headline=${levels.headline}|cta=${levels.cta}`);
      const expected =
        levels.headline === 'plain' && levels.cta === 'try'
          ? `Try it, N${n}`
          : `${levels.headline === 'bold' ? '<b>Sale</b>' : 'Sale'} ${levels.cta}`;
      expect(d?.content).toBe(expected);
      cells.add(d?.experiment?.variant ?? '');
    }
    expect(cells.size).toBe(4);
  });
});
