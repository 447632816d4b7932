import { describe, expect, it } from 'vitest';
import { ATTRIBUTION_MODELS } from './attribution.schema.js';
import { attribute } from './attribute.js';
import { buildPaths, type JourneyStep } from './build-paths.js';

const DAY = 86_400_000;
const touch = (key: string, day: number): JourneyStep => ({ kind: 'touch', key, at: day * DAY });
const convert = (day: number, value = 1): JourneyStep => ({
  kind: 'conversion',
  at: day * DAY,
  value,
});

/*
 * Worked by hand (docs/attribution.md has the same example):
 *   A: google (day 0), facebook (day 7), newsletter (day 14), converts on day 14 (revenue 100)
 *   B: facebook (day 0), converts on day 0 (revenue 50)
 *   C: google (day 0), never converts
 */
const people = (): JourneyStep[][] => [
  [touch('google', 0), touch('facebook', 7), touch('newsletter', 14), convert(14, 100)],
  [touch('facebook', 0), convert(0, 50)],
  [touch('google', 0)],
];
const counted = (): JourneyStep[][] =>
  people().map((steps) => steps.map((s) => (s.kind === 'conversion' ? { ...s, value: 1 } : s)));

function sharesOf(result: ReturnType<typeof attribute>, model: string): Record<string, number> {
  return result.models[model]?.shares ?? {};
}
function expectShares(actual: Record<string, number>, expected: Record<string, number>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [key, value] of Object.entries(expected)) expect(actual[key]).toBeCloseTo(value, 12);
}

describe('attribute: every model on a hand-worked example', () => {
  const result = attribute(counted(), { models: ATTRIBUTION_MODELS });

  it('counts conversions and paths', () => {
    expect(result).toMatchObject({
      conversions: 2,
      attributedConversions: 2,
      conversionsWithoutTouchpoints: 0,
      value: 2,
      convertingPaths: 2,
      nonConvertingPaths: 1,
      touchpoints: 5,
    });
  });
  it('first_touch: google 1, facebook 1', () => {
    expectShares(sharesOf(result, 'first_touch'), { google: 0.5, facebook: 0.5 });
  });
  it('last_touch: newsletter 1, facebook 1', () => {
    expectShares(sharesOf(result, 'last_touch'), { newsletter: 0.5, facebook: 0.5 });
  });
  it('linear: A splits in thirds, B all to facebook', () => {
    expectShares(sharesOf(result, 'linear'), {
      google: 1 / 6,
      facebook: (1 / 3 + 1) / 2,
      newsletter: 1 / 6,
    });
  });
  it('position_based: 40/20/40 on A, all to facebook on B', () => {
    expectShares(sharesOf(result, 'position_based'), {
      google: 0.2,
      facebook: 0.6,
      newsletter: 0.2,
    });
  });
  it('time_decay (7-day half-life): A weighs 1/4, 1/2, 1', () => {
    expectShares(sharesOf(result, 'time_decay'), {
      google: 1 / 14,
      facebook: (2 / 7 + 1) / 2,
      newsletter: 4 / 14,
    });
  });
  it('markov: removal effects google 1/2, facebook 1, newsletter 1/2', () => {
    // start→google 2, start→facebook 1, google→facebook 1, google→null 1, facebook→newsletter 1,
    // facebook→conv 1, newsletter→conv 1: P(conv) = 2/3; without google 1/3, facebook 0,
    // newsletter 1/3.
    const markov = result.models.markov;
    expect(markov?.conversionProbability).toBeCloseTo(2 / 3, 12);
    expect(markov?.removalEffects?.google).toBeCloseTo(0.5, 12);
    expect(markov?.removalEffects?.facebook).toBeCloseTo(1, 12);
    expect(markov?.removalEffects?.newsletter).toBeCloseTo(0.5, 12);
    expectShares(sharesOf(result, 'markov'), { google: 0.25, facebook: 0.5, newsletter: 0.25 });
  });
  it('every model sums to 1', () => {
    for (const model of ATTRIBUTION_MODELS) {
      const sum = Object.values(sharesOf(result, model)).reduce((s, x) => s + x, 0);
      expect(sum).toBeCloseTo(1, 12);
    }
  });
});

describe('attribute: options', () => {
  it('weights by revenue when the conversions carry it', () => {
    const result = attribute(people(), { models: ['first_touch', 'linear'] });
    expect(result.value).toBe(150);
    expectShares(sharesOf(result, 'first_touch'), { google: 100 / 150, facebook: 50 / 150 });
    expectShares(sharesOf(result, 'linear'), {
      google: 100 / 3 / 150,
      facebook: (100 / 3 + 50) / 150,
      newsletter: 100 / 3 / 150,
    });
    expect(result.models.first_touch?.credit).toEqual({ google: 100, facebook: 50 });
  });

  it('a shorter half-life leans further toward the last touchpoint', () => {
    const result = attribute([people()[0] as JourneyStep[]], {
      models: ['time_decay'],
      halfLifeDays: 14,
    });
    // weights 2^-1, 2^-0.5, 1
    const w = [0.5, Math.SQRT1_2, 1];
    const sum = w[0]! + w[1]! + w[2]!;
    expectShares(sharesOf(result, 'time_decay'), {
      google: w[0]! / sum,
      facebook: w[1]! / sum,
      newsletter: w[2]! / sum,
    });
  });

  it('lookbackDays leaves out touchpoints older than the window', () => {
    const result = attribute(counted(), { models: ['first_touch'], lookbackDays: 10 });
    // A's path is facebook (day 7), newsletter (day 14).
    expectShares(sharesOf(result, 'first_touch'), { facebook: 1 });
  });

  it('counts repeats', () => {
    const result = attribute(
      [[touch('google', 0), touch('google', 1), touch('bing', 2), convert(3)]],
      { models: ['linear', 'position_based'] },
    );
    expectShares(sharesOf(result, 'linear'), { google: 2 / 3, bing: 1 / 3 });
    expectShares(sharesOf(result, 'position_based'), { google: 0.6, bing: 0.4 });
  });

  it('two touchpoints split position_based half and half', () => {
    const result = attribute([[touch('a', 0), touch('b', 1), convert(2)]], {
      models: ['position_based'],
    });
    expectShares(sharesOf(result, 'position_based'), { a: 0.5, b: 0.5 });
  });

  it('a conversion without touchpoints is counted but shares nothing', () => {
    const result = attribute([[convert(0)], [touch('a', 0), convert(1)]], {
      models: ['last_touch', 'markov'],
    });
    expect(result).toMatchObject({
      conversions: 2,
      attributedConversions: 1,
      conversionsWithoutTouchpoints: 1,
    });
    expectShares(sharesOf(result, 'last_touch'), { a: 1 });
    expectShares(sharesOf(result, 'markov'), { a: 1 });
  });
});

describe('buildPaths', () => {
  const steps = [
    touch('google', 0),
    convert(1),
    touch('facebook', 2),
    convert(3),
    touch('bing', 4),
  ];

  it('by default a touchpoint counts toward every later conversion', () => {
    const paths = buildPaths([steps]);
    expect(paths.converting.map((p) => p.keys)).toEqual([['google'], ['google', 'facebook']]);
    expect(paths.nonConverting).toEqual([['bing']]);
    expect(paths.touchpoints).toBe(3);
  });

  it('since_conversion starts a new path after each conversion', () => {
    const paths = buildPaths([steps], { paths: 'since_conversion' });
    expect(paths.converting.map((p) => p.keys)).toEqual([['google'], ['facebook']]);
    expect(paths.nonConverting).toEqual([['bing']]);
  });

  it('a person without conversions has one non-converting path', () => {
    const paths = buildPaths([[touch('a', 0), touch('a', 1)]]);
    expect(paths.converting).toEqual([]);
    expect(paths.nonConverting).toEqual([['a', 'a']]);
  });
});

/** The Shapley value by its definition, over every coalition (independent of attribute's closed form). */
function shapleyByDefinition(paths: { keys: string[]; value: number }[]): Record<string, number> {
  const players = [...new Set(paths.flatMap((p) => p.keys))].sort();
  const n = players.length;
  const v = (coalition: Set<string>): number =>
    paths.filter((p) => p.keys.every((k) => coalition.has(k))).reduce((s, p) => s + p.value, 0);
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const result: Record<string, number> = {};
  players.forEach((player, i) => {
    const others = players.filter((_, j) => j !== i);
    let phi = 0;
    for (let mask = 0; mask < 1 << others.length; mask++) {
      const coalition = new Set(others.filter((_, j) => (mask >> j) & 1));
      const weight = (factorial(coalition.size) * factorial(n - coalition.size - 1)) / factorial(n);
      phi += weight * (v(new Set([...coalition, player])) - v(coalition));
    }
    result[player] = phi;
  });
  return result;
}

describe('attribute: last_non_direct and shapley', () => {
  it('gives the last touchpoint that is not direct, or the last when all are', () => {
    const result = attribute(
      [
        [touch('google', 0), touch('(direct)', 1), touch('Direct', 2), convert(3)],
        [touch('Direct', 0), touch('(direct)', 1), convert(2)],
      ],
      { models: ['last_non_direct', 'last_touch'] },
    );
    expectShares(sharesOf(result, 'last_non_direct'), { google: 0.5, '(direct)': 0.5 });
    expectShares(sharesOf(result, 'last_touch'), { Direct: 0.5, '(direct)': 0.5 });
  });

  it('equals the Shapley value computed over every coalition', () => {
    const keys = ['a', 'b', 'c', 'd', 'e'];
    let seed = 3;
    const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const journeys = Array.from({ length: 60 }, (_, p) => {
      const steps = Array.from({ length: 1 + Math.floor(next() * 4) }, (_, i) =>
        touch(keys[Math.floor(next() * keys.length)] as string, i),
      );
      return next() < 0.6 ? [...steps, convert(steps.length, 1 + (p % 7))] : steps;
    });
    const result = attribute(journeys, { models: ['shapley'] });
    const paths = buildPaths(journeys).converting.filter((p) => p.keys.length > 0);
    const phi = shapleyByDefinition(paths);
    const total = Object.values(phi).reduce((s, x) => s + x, 0);
    expect(Object.keys(result.models.shapley?.credit ?? {}).sort()).toEqual(
      Object.keys(phi).sort(),
    );
    for (const [key, value] of Object.entries(phi)) {
      expect(result.models.shapley?.credit[key]).toBeCloseTo(value, 9);
      expect(result.models.shapley?.shares[key]).toBeCloseTo(value / total, 12);
    }
  });
});
