import { afterEach, describe, expect, it } from 'vitest';
import { analyzeFactorial } from '@tailor/core';
import { formatResultsTable } from '../src/experiments/format-results-table.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
let clock = Date.UTC(2026, 10, 29, 12);
afterEach(async () => {
  await t.close();
});

const HOUR = 3_600_000;

async function start() {
  clock = Date.UTC(2026, 10, 29, 12);
  t = await startTestTailor({}, () => clock);
}
function admin(method: 'GET' | 'PUT', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}
async function collect(batch: Record<string, unknown>[]) {
  for (let i = 0; i < batch.length; i += 500) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: t.writeAuth },
      payload: { batch: batch.slice(i, i + 500) },
    });
    expect(res.json().rejected).toEqual([]);
  }
  await t.tailor.pipeline.catchUp();
}
interface Assigned {
  variant: string | null;
  factors?: Record<string, string>;
  reason?: string;
}
async function assignAll(name: string, people: Record<string, string>[]): Promise<Assigned[]> {
  const out: Assigned[] = [];
  for (let i = 0; i < people.length; i += 100)
    out.push(
      ...(await Promise.all(
        people.slice(i, i + 100).map(async (p) => {
          const res = await t.app.inject({
            method: 'POST',
            url: `/v1/experiments/${name}/assign`,
            headers: { authorization: t.writeAuth },
            payload: p,
          });
          expect(res.statusCode).toBe(200);
          return res.json<Assigned>();
        }),
      )),
    );
  return out;
}

const HERO = {
  factors: [
    { name: 'headline', levels: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] },
    { name: 'image', levels: [{ id: 'a' }, { id: 'b' }] },
    {
      name: 'cta',
      levels: [
        { id: 'buy', weight: 1 },
        { id: 'try', weight: 1 },
      ],
    },
  ],
  metrics: [
    { name: 'signup', type: 'conversion', event: 'Signed Up' },
    { name: 'pages', type: 'count', event: 'Page Read' },
  ],
};

describe('factorial experiments: definition', () => {
  it('stores factors and refuses what cannot run with a 400 naming the field', async () => {
    await start();
    const put = await admin('PUT', '/v1/experiments/hero', HERO);
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ name: 'hero', version: 1, factors: HERO.factors });
    expect(put.json().variants).toBeUndefined();

    const refused = async (body: object) => {
      const res = await admin('PUT', '/v1/experiments/bad', body);
      expect(res.statusCode).toBe(400);
      return res.json<{ message: string }>().message;
    };
    const variants = [{ id: 'a' }, { id: 'b' }];
    expect(await refused({ ...HERO, variants })).toMatch(
      /^variants or factors: give one, not both/,
    );
    expect(await refused({ metrics: HERO.metrics })).toMatch(
      /^variants or factors: an experiment needs variants \(A\/B\/n\) or factors \(factorial\)/,
    );
    expect(
      await refused({ factors: [HERO.factors[0], { ...HERO.factors[1], name: 'headline' }] }),
    ).toBe('factors[1].name: headline is used twice');
    expect(
      await refused({
        factors: [HERO.factors[0], { name: 'x', levels: [{ id: 'a' }, { id: 'a' }] }],
      }),
    ).toBe('factors[1].levels: ids must be unique');
    expect(
      await refused({
        factors: [
          HERO.factors[0],
          {
            name: 'x',
            levels: [
              { id: 'a', weight: 0 },
              { id: 'b', weight: 0 },
            ],
          },
        ],
      }),
    ).toBe('factors[1].levels: at least one weight must be above 0');
    expect(
      await refused({
        factors: [HERO.factors[0], { name: 'x=y', levels: [{ id: 'a' }, { id: 'b' }] }],
      }),
    ).toMatch(/factors\/1\/name|name/);
    const ten = { levels: Array.from({ length: 10 }, (_, i) => ({ id: `l${i}` })) };
    expect(
      await refused({
        factors: [
          { name: 'x', ...ten },
          { name: 'y', ...ten },
          { name: 'z', levels: [{ id: 'a' }, { id: 'b' }] },
        ],
      }),
    ).toBe('factors: 10 x 10 x 2 makes 200 cells, more than 100');
    expect(await refused({ ...HERO, control: 'headline=a' })).toBe('control: no cell headline=a');
    expect(
      (await admin('PUT', '/v1/experiments/ok', { ...HERO, control: 'headline=b|image=a|cta=try' }))
        .statusCode,
    ).toBe(200);
  });
});

describe('fractional factorial experiments', () => {
  const FOUR = ['a', 'b', 'c', 'd'].map((name) => ({
    name,
    levels: [{ id: 'off' }, { id: 'on' }],
  }));

  it('assigns only the runs of the fraction asked for, and refuses what has no fraction', async () => {
    await start();
    const put = await admin('PUT', '/v1/experiments/frac', {
      factors: FOUR,
      design: { resolution: 4 },
    });
    expect(put.statusCode).toBe(200);
    const assigned = await assignAll(
      'frac',
      Array.from({ length: 400 }, (_, i) => ({ userId: `u${i}` })),
    );
    const runs = new Set(assigned.map((a) => a.variant));
    expect(runs.size).toBe(8); // 2^(4-1), d = abc
    for (const a of assigned) {
      const f = a.factors as Record<string, string>;
      const odd = ['a', 'b', 'c'].filter((x) => f[x] === 'on').length % 2;
      expect(f.d).toBe(odd === 1 ? 'on' : 'off');
    }
    const results = (await admin('GET', '/v1/experiments/frac/results')).json();
    expect(results.variants).toHaveLength(8);

    const refused = async (body: object) => {
      const res = await admin('PUT', '/v1/experiments/bad', body);
      expect(res.statusCode).toBe(400);
      return res.json<{ message: string }>().message;
    };
    expect(await refused({ factors: FOUR, design: { resolution: 5 } })).toBe(
      'design: no fraction of resolution 5 or more for 4 two-level factors: run the full factorial',
    );
    expect(await refused({ variants: [{ id: 'a' }, { id: 'b' }], design: { resolution: 3 } })).toBe(
      'design: a fractional design needs factors',
    );
    expect(
      await refused({
        factors: [{ name: 'a', levels: [{ id: 'x' }, { id: 'y' }, { id: 'z' }] }, ...FOUR.slice(1)],
        design: { resolution: 3 },
      }),
    ).toBe('design: a fractional design needs factors of exactly two levels');
    expect(
      await refused({
        factors: [{ name: 'a', levels: [{ id: 'x', weight: 3 }, { id: 'y' }] }, ...FOUR.slice(1)],
        design: { resolution: 3 },
      }),
    ).toBe(
      "design: a fractional design splits each factor's levels equally (leave out the weights)",
    );
  }, 60_000);
});

describe('factorial experiments: assignment', () => {
  it('answers the cell and each level, sticky, and records the combination in the exposure', async () => {
    await start();
    await admin('PUT', '/v1/experiments/hero', HERO);
    const people = Array.from({ length: 600 }, (_, i) => ({ userId: `u${i}` }));
    const first = await assignAll('hero', people);
    expect(await assignAll('hero', people)).toEqual(first);
    for (const a of first) {
      expect(a.factors).toBeDefined();
      const { headline, image, cta } = a.factors as Record<string, string>;
      expect(a.variant).toBe(`headline=${headline}|image=${image}|cta=${cta}`);
    }
    // Every cell is used, each level of each factor about as often as its weight asks.
    expect(new Set(first.map((a) => a.variant)).size).toBe(12);
    const headlineA = first.filter((a) => a.factors?.headline === 'a').length;
    expect(headlineA).toBeGreaterThan(150);
    expect(headlineA).toBeLessThan(250);

    const events = (await admin('GET', '/v1/events?userId=u0')).json().events as {
      event: string;
      properties: Record<string, unknown>;
    }[];
    const seen = events.filter((e) => e.event === 'Experiment Viewed');
    expect(seen).toHaveLength(2);
    expect(seen[0]?.properties).toEqual({
      experiment: 'hero',
      variant: first[0]?.variant,
      factors: first[0]?.factors,
      layer: null,
    });
  }, 60_000);

  it('measures each cell (SRM on the cells) from the exposures', async () => {
    await start();
    await admin('PUT', '/v1/experiments/hero', HERO);
    const people = Array.from({ length: 1_200 }, (_, i) => ({ userId: `u${i}` }));
    const assigned = await assignAll('hero', people);
    clock += HOUR;
    // People shown headline b sign up more.
    await collect(
      assigned.flatMap((a, i) =>
        (a.factors?.headline === 'b' ? i % 3 === 0 : i % 6 === 0)
          ? [{ type: 'track', userId: `u${i}`, event: 'Signed Up' }]
          : [],
      ),
    );
    const res = await admin('GET', '/v1/experiments/hero/results');
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r.control).toBe('headline=a|image=a|cta=buy');
    expect(r.variants).toHaveLength(12);
    expect(r.variants.reduce((n: number, v: { users: number }) => n + v.users, 0)).toBe(1_200);
    for (const v of r.variants as { id: string; users: number }[])
      expect(v.users).toBe(assigned.filter((a) => a.variant === v.id).length);
    expect(r.srm).toMatchObject({ ok: true });
    expect(r.srm.pValue).toBeGreaterThan(0.001);

    // The factorial analysis is core's on the cells' counts.
    const core = analyzeFactorial(
      HERO.factors.map((f) => ({
        name: f.name,
        levels: f.levels.map((l) => ({ id: l.id, weight: 1 })),
      })),
      r.variants.map(
        (v: {
          id: string;
          users: number;
          metrics: Record<string, { users: number; conversions: number; n: number }>;
        }) => ({
          id: v.id,
          users: v.users,
          metrics: {
            signup: { users: v.metrics.signup?.users, conversions: v.metrics.signup?.conversions },
          },
        }),
      ),
      [{ name: 'signup', type: 'conversion' }],
    );
    if (!core.ok) throw new Error(core.error);
    expect(r.factorial.factors).toEqual([
      { name: 'headline', levels: ['a', 'b', 'c'] },
      { name: 'image', levels: ['a', 'b'] },
      { name: 'cta', levels: ['buy', 'try'] },
    ]);
    expect(r.factorial.metrics.signup).toEqual(core.value.metrics.signup);
    const signup = r.factorial.metrics.signup;
    expect(signup.model).toBe('logistic-regression');
    expect(signup.terms.map((t: { term: string }) => t.term)).toEqual([
      'headline',
      'image',
      'cta',
      'headline:image',
      'headline:cta',
      'image:cta',
    ]);
    // Headline b doubles sign-ups (1 in 3 against 1 in 6): its main effect is clear, the others not.
    expect(signup.terms[0].pValue).toBeLessThan(1e-3);
    const b = signup.mainEffects.headline[1];
    expect(b.level).toBe('b');
    expect(b.effect.value).toBeGreaterThan(0.1);
    expect(b.pValueAdjusted).toBeLessThan(1e-3);
    expect(r.factorial.metrics.pages).toMatchObject({ model: 'anova', type: 'mean' });
    expect(r.factorial.metrics.pages.terms).toBeNull(); // nobody read a page: nothing to fit

    // The Bayesian view: every cell and level has a chance to be best; they sum to 1.
    const chances = signup.bayesian.cells.map((c: { chanceToBeBest: number }) => c.chanceToBeBest);
    expect(chances).toHaveLength(12);
    expect(chances.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
    const headlines = signup.bayesian.mainEffects.headline;
    expect(headlines[1]).toMatchObject({ level: 'b' });
    expect(headlines[1].chanceToBeBest).toBeGreaterThan(0.99);
    expect(headlines[1].chanceToBeatFirst).toBeGreaterThan(0.99);

    const table = formatResultsTable(r);
    expect(table).toMatch(/^signup: the likeliest best cell is headline=b\|/m);
    expect(table).toMatch(
      /^signup: factorial analysis \(logistic regression, likelihood-ratio tests\)$/m,
    );
    expect(table).toMatch(/^headline +2 +[0-9.]+ +[0-9.<]+$/m);
    expect(table).toMatch(/^signup by headline \(main effects against a\)$/m);
    expect(table).toMatch(/^b +[0-9,]+ +[0-9.]+% +\[.*\] +\+[0-9.]+ pp \[.* +(99|100)\.[0-9]%$/m);
    expect(table).toMatch(/^signup by headline x image \(interaction p [0-9.]+\)$/m);
    expect(table).toMatch(/^headline \\ image +a +b$/m);
  }, 60_000);
});
