import { describe, expect, it } from 'vitest';
import { clusterFeatures } from './cluster-features.js';
import { clusterModel } from './cluster-model.js';
import { ClusteringTable } from './clustering-table.js';
import { nearestCluster, type ClusteringFeature, type ClusterScope } from './nearest-cluster.js';

describe('ClusteringTable', () => {
  it('reads numbers, booleans, text categories and model scores; decides undeclared types from the values', () => {
    const features: ClusteringFeature[] = [
      { path: 'traits.spend', name: 'spend' },
      { path: 'traits.plan', name: 'plan' },
      { path: 'traits.tier', name: 'tier', type: 'category' },
      { path: 'model.churn.score', name: 'churn' },
      { path: 'traits.age', name: 'age' },
    ];
    const table = new ClusteringTable(features, 2);
    const person = (spend: unknown, plan: unknown, tier: unknown, churn: unknown, age: unknown) =>
      table.add({
        traits: { spend, plan, tier, age },
        scores: churn === undefined ? {} : { churn: { score: churn, version: 1 } },
      });
    expect(person(10, 'free', 1, 0.2, 30)).toBe(true);
    expect(person(20, 'pro', 2, 0.9, 41)).toBe(true);
    expect(person(true, 'pro', 1, 0.5, 'forty')).toBe(true); // age: text in a number feature
    expect(person(5, 7, 'gold', 0.1, 52)).toBe(true); // plan: a number among text, as its text
    expect(person(5, 'free', 1, undefined, 60)).toBe(false); // no churn score: left out
    expect(person(5, null, 1, 0.3, 60)).toBe(false); // plan null: left out
    expect(person(5, 'free', { a: 1 }, 0.3, 60)).toBe(false); // an object is no category
    expect(table.rows).toBe(4);

    const encoded = table.encode();
    // plan holds text in 3 of 4 rows: a category; age in 1 of 4: a number, that row left out.
    expect(encoded.types).toEqual(['number', 'category', 'category', 'number', 'number']);
    expect(Array.from(encoded.kept)).toEqual([0, 1, 3]);
    // Levels by count among the kept rows (free 1, pro 1, 7 1: ties by text), then the columns.
    expect(encoded.columns).toEqual([
      { path: 'traits.spend', name: 'spend' },
      { path: 'traits.plan', name: 'plan: 7', level: '7' },
      { path: 'traits.plan', name: 'plan: free', level: 'free' },
      { path: 'traits.plan', name: 'plan: pro', level: 'pro' },
      { path: 'traits.tier', name: 'tier: 1', level: '1' },
      { path: 'traits.tier', name: 'tier: 2', level: '2' },
      { path: 'traits.tier', name: 'tier: gold', level: 'gold' },
      { path: 'model.churn.score', name: 'churn' },
      { path: 'traits.age', name: 'age' },
    ]);
    expect(encoded.indicators).toEqual([false, true, true, true, true, true, true, false, false]);
    expect(encoded.matrix).toMatchObject({ rows: 3, columns: 9 });
    expect(Array.from(encoded.matrix.values)).toEqual([
      ...[10, 0, 1, 0, 1, 0, 0, 0.2, 30],
      ...[20, 0, 0, 1, 0, 1, 0, 0.9, 41],
      ...[5, 1, 0, 0, 0, 0, 1, 0.1, 52],
    ]);
  });

  it('keeps the most common levels of a category; any other value is all zeros', () => {
    const table = new ClusteringTable([{ path: 'traits.city', name: 'city' }]);
    for (let c = 0; c < 6; c++)
      for (let n = 0; n <= c; n++) table.add({ traits: { city: `c${c}` } });
    const encoded = table.encode(3);
    expect(encoded.columns.map((c) => c.level)).toEqual(['c5', 'c4', 'c3']);
    expect(encoded.matrix.rows).toBe(21);
    // c0's row (the first): in none of the kept levels.
    expect(Array.from(encoded.matrix.values.subarray(0, 3))).toEqual([0, 0, 0]);
  });

  it('a numbers-only table is the gathered array itself, not a copy', () => {
    const table = new ClusteringTable([{ path: 'computed.rfm.monetary', name: 'monetary' }], 4);
    for (let i = 0; i < 4; i++) table.add({ computed: { rfm: { monetary: i } } });
    const encoded = table.encode();
    expect(Array.from(encoded.matrix.values)).toEqual([0, 1, 2, 3]);
    expect(encoded.indicators).toEqual([false]);
  });
});

describe('a clustering over a category, a number and a model score', () => {
  // Two kinds of customer: pro plans spending 900-1,000 with low churn scores, free plans spending
  // 10-100 with high ones; a few of each plan cross over on spend.
  const people: ClusterScope[] = [];
  for (let i = 0; i < 40; i++) {
    const pro = i % 2 === 0;
    people.push({
      traits: { plan: pro ? 'pro' : 'free', spend: pro ? 900 + i * 2 : 10 + i * 2 },
      scores: { churn: { score: pro ? 0.1 + (i % 5) / 100 : 0.7 + (i % 5) / 100 } },
    });
  }
  const features: ClusteringFeature[] = [
    { path: 'traits.plan', name: 'plan' },
    { path: 'traits.spend', name: 'spend' },
    { path: 'model.churn.score', name: 'churn' },
  ];

  it('one-hot levels stay 0/1 (neither logged nor standardized), personas speak of shares, people are assigned by their plan', () => {
    const table = new ClusteringTable(features);
    for (const p of people) table.add(p);
    const encoded = table.encode();
    const fit = clusterFeatures(encoded.matrix, {
      k: 2,
      scale: 'log-standard',
      indicators: encoded.indicators,
    });
    if (!fit.ok) throw new Error(fit.error);
    expect(fit.value.sizes).toEqual([20, 20]);
    const { preparation } = fit.value;
    // Levels: mean 0, deviation 1; spend and churn standardized after log1p.
    expect(Array.from(preparation.mean.subarray(0, 2))).toEqual([0, 0]);
    expect(Array.from(preparation.std.subarray(0, 2))).toEqual([1, 1]);
    const spends = people.map((p) => Math.log1p(p.traits?.spend as number));
    expect(preparation.mean[2]).toBeCloseTo(spends.reduce((a, b) => a + b) / spends.length, 12);
    const { model } = clusterModel({
      clustering: 'plans',
      definitionVersion: 1,
      features: encoded.columns,
      matrix: encoded.matrix,
      fit: fit.value,
      previous: undefined,
      trainedAt: '2026-12-05T12:00:00.000Z',
      skipped: 0,
      unit: 'customers',
    });
    const pro = model.clusters.find((c) => c.centroid['plan: pro'] === 1);
    const free = model.clusters.find((c) => c.centroid['plan: free'] === 1);
    expect(pro?.medians['plan: pro']).toBe(1);
    expect(pro?.traits.map((t) => t.feature)).toContain('churn');
    expect(pro?.description).toMatch(/mostly plan: (pro|free)|seldom plan: (pro|free)/);
    expect(pro?.description).toContain('50 % of customers');
    expect(model.features.filter((f) => f.level !== undefined).map((f) => f.level)).toEqual([
      'free',
      'pro',
    ]);
    // Real time: a new pro customer who spends little still lands with the pros on plan and churn.
    const newcomer = {
      traits: { plan: 'pro', spend: 300 },
      scores: { churn: { score: 0.12 } },
    };
    expect(nearestCluster(model, newcomer)?.id).toBe(pro?.id);
    expect(nearestCluster(model, { ...newcomer, traits: { plan: 'free', spend: 20 } })?.id).toBe(
      free?.id,
    );
    // A plan of no level (all zeros) is still assigned; no score at all is not.
    expect(
      nearestCluster(model, { ...newcomer, traits: { plan: 'team', spend: 950 } }),
    ).toBeDefined();
    expect(nearestCluster(model, { traits: { plan: 'pro', spend: 950 } })).toBeUndefined();
  });
});
