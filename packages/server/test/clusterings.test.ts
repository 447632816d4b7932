import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterModel } from '@tailor/core';
import { parseCondition } from '@tailor/core';
import { branchHolds } from '../src/journeys/journey-definition.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
afterEach(async () => {
  await t.close();
});

const clock = Date.UTC(2026, 11, 5, 12);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Two kinds of shopper: 30 big spenders (spend 1,000-1,290, 20-29 visits) and 30 occasional ones
 * (spend 10-39, 1-3 visits), as identify traits; each group's means are computed here from the
 * same numbers, independently of the clustering.
 */
function shoppers(): { userId: string; spend: number; visits: number; big: boolean }[] {
  const people = [];
  for (let i = 0; i < 30; i++) {
    people.push({
      userId: `big${i}`,
      spend: 1000 + (i % 10) * 29 + i,
      visits: 20 + (i % 10),
      big: true,
    });
    people.push({ userId: `small${i}`, spend: 10 + i, visits: 1 + (i % 3), big: false });
  }
  return people;
}

const identify = (p: { userId: string; spend: number; visits: number }) => ({
  type: 'identify',
  userId: p.userId,
  traits: { spend: p.spend, visits: p.visits },
  timestamp: iso(clock),
});

const SHOP = {
  features: ['traits.spend', { path: 'traits.visits', name: 'visits' }],
  method: 'kmeans',
  k: 'auto',
  scale: 'standard',
  unit: 'shoppers',
};

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function profileId(userId: string): Promise<string> {
  return (await t.admin('GET', `/v1/profiles?identifier=userId:${userId}`)).json<{ id: string }>()
    .id;
}

describe('clusterings over HTTP', () => {
  it('defines, lists, replaces and deletes a clustering; refuses bad bodies with a 400', async () => {
    t = await startTestTailor({}, () => clock);
    const put = await t.admin('PUT', '/v1/clusterings/shop', SHOP);
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ name: 'shop', version: 1, k: 'auto' });
    expect((await t.admin('PUT', '/v1/clusterings/shop', { ...SHOP, k: 2 })).json()).toMatchObject({
      version: 2,
      k: 2,
    });
    expect((await t.admin('GET', '/v1/clusterings')).json().items).toHaveLength(1);
    expect((await t.admin('GET', '/v1/clusterings/shop')).json()).not.toHaveProperty('trained');
    const bad: [string, object][] = [
      ['no features', { features: [] }],
      ['a root that is not a profile field', { features: ['consent.analytics'] }],
      ['an unknown method', { ...SHOP, method: 'spectral' }],
      ['k of 0', { ...SHOP, k: 0 }],
      ['two features of one name', { features: ['traits.spend', 'computed.a.spend'] }],
      ['one path twice', { features: ['traits.spend', { path: 'traits.spend', name: 'x' }] }],
      ['an empty path part', { features: ['traits..spend'] }],
      ['maxK with a given k', { ...SHOP, k: 3, maxK: 5 }],
      ['an unknown field', { ...SHOP, colour: 'red' }],
    ];
    for (const [why, body] of bad) {
      const response = await t.admin('PUT', '/v1/clusterings/shop', body);
      expect(response.statusCode, why).toBe(400);
      expect(response.json().message, why).toBeTruthy();
    }
    expect((await t.admin('GET', '/v1/clusterings/nope')).statusCode).toBe(404);
    expect((await t.admin('POST', '/v1/clusterings/nope/train')).statusCode).toBe(404);
    expect((await t.admin('GET', '/v1/clusterings/shop/clusters')).statusCode).toBe(404);
    expect((await t.admin('DELETE', '/v1/clusterings/shop')).statusCode).toBe(204);
    expect((await t.admin('DELETE', '/v1/clusterings/shop')).statusCode).toBe(404);
  });

  it('trains over profile traits: sizes, centroids in original units, personas; renames survive retraining', async () => {
    t = await startTestTailor({}, () => clock);
    const people = shoppers();
    await t.collect(people.map(identify));
    // Someone without the features and someone who refused analytics are left out.
    await t.collect([
      { type: 'identify', userId: 'bare', traits: { plan: 'free' }, timestamp: iso(clock) },
    ]);
    await t.collect([identify({ userId: 'private', spend: 1200, visits: 25 })]);
    const refused = await t.app.inject({
      method: 'PUT',
      url: `/v1/profiles/${await profileId('private')}/consent`,
      headers: { authorization: t.adminAuth },
      payload: { purposes: { analytics: false } },
    });
    expect(refused.statusCode).toBe(200);
    await t.tailor.pipeline.catchUp();

    await t.admin('PUT', '/v1/clusterings/shop', SHOP);
    const trained = await t.admin('POST', '/v1/clusterings/shop/train');
    expect(trained.statusCode, trained.body).toBe(200);
    const model = trained.json<ClusterModel>();
    expect(model).toMatchObject({ k: 2, rows: 60, skipped: 2, training: 1, method: 'kmeans' });
    expect(model.candidates.map((c) => c.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(model.silhouette).toBeGreaterThan(0.8);
    expect(await t.admin('GET', '/v1/clusterings/shop/clusters').then((r) => r.json())).toEqual(
      model,
    );
    const big = model.clusters.find((c) => (c.centroid.spend ?? 0) > 500);
    const small = model.clusters.find((c) => (c.centroid.spend ?? 0) < 500);
    if (big === undefined || small === undefined) throw new Error('two clusters expected');
    const bigs = people.filter((p) => p.big);
    const smalls = people.filter((p) => !p.big);
    // k-means' centroids are the groups' means, in the original units.
    expect(big.centroid.spend).toBeCloseTo(mean(bigs.map((p) => p.spend)), 6);
    expect(big.centroid.visits).toBeCloseTo(mean(bigs.map((p) => p.visits)), 6);
    expect(small.centroid.spend).toBeCloseTo(mean(smalls.map((p) => p.spend)), 6);
    expect(big).toMatchObject({
      size: 30,
      share: 0.5,
      renamed: false,
      name: 'high spend, high visits',
    });
    expect(big.description).toMatch(/^high spend, high visits: 50 % of shoppers; median spend/);
    expect(big.traits.map((tr) => tr.feature)).toEqual(expect.arrayContaining(['spend', 'visits']));
    expect((await t.admin('GET', '/v1/clusterings/shop')).json()).toMatchObject({
      trained: { training: 1, k: 2, rows: 60 },
    });

    // Members are the profiles the training put there; the refused person is in none.
    const members = (
      await t.admin('GET', `/v1/clusterings/shop/clusters/${big.id}/members?limit=1000`)
    ).json<{ profiles: string[] }>();
    const bigIds = await Promise.all(bigs.map((p) => profileId(p.userId)));
    expect([...members.profiles].sort()).toEqual([...bigIds].sort());
    const privateId = await profileId('private');
    expect(t.tailor.clusterModels.current.get('shop')).toBeDefined();
    expect(members.profiles).not.toContain(privateId);

    // A marketer names the persona; another cluster cannot take the name.
    const renamed = await t.admin('PUT', `/v1/clusterings/shop/clusters/${big.id}`, {
      name: 'big spenders',
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ id: big.id, name: 'big spenders', renamed: true });
    expect(
      (await t.admin('PUT', `/v1/clusterings/shop/clusters/${small.id}`, { name: 'big spenders' }))
        .statusCode,
    ).toBe(409);
    expect(
      (await t.admin('PUT', `/v1/clusterings/shop/clusters/99`, { name: 'x' })).statusCode,
    ).toBe(404);
    expect(
      (await t.admin('PUT', `/v1/clusterings/shop/clusters/${small.id}`, { name: '   ' }))
        .statusCode,
    ).toBe(400);

    // More people come; retraining matches the clusters to the previous ones: ids and names stay.
    await t.collect(
      Array.from({ length: 10 }, (_, i) =>
        identify({ userId: `more${i}`, spend: 900 + i * 50, visits: 18 + i }),
      ),
    );
    const again = (await t.admin('POST', '/v1/clusterings/shop/train')).json<ClusterModel>();
    expect(again).toMatchObject({ training: 2, k: 2, rows: 70 });
    const bigAgain = again.clusters.find((c) => c.id === big.id);
    expect(bigAgain).toMatchObject({ name: 'big spenders', renamed: true, size: 40 });
    expect(again.clusters.find((c) => c.id === small.id)).toMatchObject({
      name: small.name,
      size: 30,
    });
  });

  it('in_cluster(...) in segments: members follow training, new profiles are assigned as they come, erasure forgets', async () => {
    t = await startTestTailor({}, () => clock);
    const people = shoppers();
    await t.collect(people.map(identify));
    await t.admin('PUT', '/v1/clusterings/shop', { ...SHOP, k: 2 });
    const model = (await t.admin('POST', '/v1/clusterings/shop/train')).json<ClusterModel>();
    const big = model.clusters.find((c) => (c.centroid.spend ?? 0) > 500);
    if (big === undefined) throw new Error('a big cluster expected');
    await t.admin('PUT', `/v1/clusterings/shop/clusters/${big.id}`, { name: 'big spenders' });

    const segment = await t.admin('PUT', '/v1/segments/whales', {
      definition: 'in_cluster("shop", "big spenders") and traits.visits >= 21',
    });
    expect(segment.statusCode, segment.body).toBe(200);
    expect(segment.json()).toMatchObject({
      definition: 'in_cluster("shop", "big spenders") and traits.visits >= 21',
    });
    await t.tailor.pipeline.catchUp();
    const expected = people.filter((p) => p.big && p.visits >= 21);
    let members = (await t.admin('GET', '/v1/segments/whales/members?limit=1000')).json<{
      count: number;
    }>();
    expect(members.count).toBe(expected.length);

    // A new profile is assigned to its nearest centre as it comes; a change of traits moves it.
    await t.collect([identify({ userId: 'newcomer', spend: 1500, visits: 30 })]);
    expect(
      (await t.admin('GET', '/v1/profiles?identifier=userId:newcomer')).json().segments,
    ).toEqual(['whales']);
    // Still 21 visits: only the move to the other cluster takes the person out.
    await t.collect([identify({ userId: 'newcomer', spend: 15, visits: 21 })]);
    expect(
      (await t.admin('GET', '/v1/profiles?identifier=userId:newcomer')).json().segments,
    ).toEqual([]);

    // Renaming the persona: the segment on the old name holds for nobody (after the rebuild).
    await t.admin('PUT', `/v1/clusterings/shop/clusters/${big.id}`, { name: 'whales' });
    await t.tailor.pipeline.catchUp();
    members = (await t.admin('GET', '/v1/segments/whales/members')).json();
    expect(members.count).toBe(0);
    await t.admin('PUT', `/v1/clusterings/shop/clusters/${big.id}`, { name: 'big spenders' });
    await t.tailor.pipeline.catchUp();
    expect((await t.admin('GET', '/v1/segments/whales/members')).json().count).toBe(
      expected.length,
    );

    // Erasure removes the person's assignment.
    const erased = expected[0]?.userId ?? '';
    const id = await profileId(erased);
    expect(t.tailor.clusterModels.current.has('shop')).toBe(true);
    const erase = await t.admin('POST', '/v1/privacy/erase', { identifier: `userId:${erased}` });
    expect(erase.statusCode).toBe(202);
    await t.tailor.pipeline.catchUp();
    const left = (
      await t.admin('GET', `/v1/clusterings/shop/clusters/${big.id}/members?limit=1000`)
    ).json<{ profiles: string[] }>();
    expect(left.profiles).toHaveLength(29);
    expect(left.profiles).not.toContain(id);

    // Deleting the clustering: in_cluster on it holds for nobody.
    await t.admin('DELETE', '/v1/clusterings/shop');
    await t.tailor.pipeline.catchUp();
    expect((await t.admin('GET', '/v1/segments/whales/members')).json().count).toBe(0);
  });

  it('a text trait is a category, one-hot: its levels are columns, personas give shares, new people are assigned by it', async () => {
    t = await startTestTailor({}, () => clock);
    // Pro customers spend 500-990, free ones 5-99; spend alone would split them the same way, so
    // the plan is checked through the columns, the shares and real-time assignment.
    const people = Array.from({ length: 40 }, (_, i) => ({
      userId: `c${i}`,
      plan: i % 2 === 0 ? 'pro' : 'free',
      spend: i % 2 === 0 ? 500 + i * 10 : 5 + i * 2,
    }));
    await t.collect(
      people.map((p) => ({
        type: 'identify',
        userId: p.userId,
        traits: { plan: p.plan, spend: p.spend },
        timestamp: iso(clock),
      })),
    );
    // A plan given as a number is its text ("3"), a level like any other.
    await t.collect([
      { type: 'identify', userId: 'odd', traits: { plan: 3, spend: 50 }, timestamp: iso(clock) },
    ]);
    const put = await t.admin('PUT', '/v1/clusterings/plans', {
      features: ['traits.plan', 'traits.spend'],
      k: 2,
      scale: 'standard',
      unit: 'customers',
    });
    expect(put.statusCode, put.body).toBe(200);
    const trained = await t.admin('POST', '/v1/clusterings/plans/train');
    expect(trained.statusCode, trained.body).toBe(200);
    const model = trained.json<ClusterModel>();
    expect(model).toMatchObject({ rows: 41, skipped: 0 });
    expect(model.features).toEqual([
      { path: 'traits.plan', name: 'plan: free', level: 'free' },
      { path: 'traits.plan', name: 'plan: pro', level: 'pro' },
      { path: 'traits.plan', name: 'plan: 3', level: '3' },
      { path: 'traits.spend', name: 'spend' },
    ]);
    const pro = model.clusters.find((c) => (c.centroid['plan: pro'] ?? 0) > 0.5);
    if (pro === undefined) throw new Error('a cluster of pro customers expected');
    expect(pro.centroid['plan: pro']).toBe(1);
    expect(pro.medians['plan: pro']).toBe(1);
    expect(pro.size).toBe(20);
    expect(pro.description).toContain('plan: pro 100 %');
    await t.admin('PUT', `/v1/clusterings/plans/clusters/${pro.id}`, { name: 'pros' });
    await t.admin('PUT', '/v1/segments/pros', { definition: 'in_cluster("plans", "pros")' });
    await t.tailor.pipeline.catchUp();
    expect((await t.admin('GET', '/v1/segments/pros/members')).json().count).toBe(20);
    // A newcomer on the pro plan spending like a free customer: nearer the pros (plan and spend
    // weigh alike after scaling, and the plan's two columns both differ).
    await t.collect([
      {
        type: 'identify',
        userId: 'newcomer',
        traits: { plan: 'pro', spend: 300 },
        timestamp: iso(clock),
      },
    ]);
    expect(
      (await t.admin('GET', '/v1/profiles?identifier=userId:newcomer')).json().segments,
    ).toEqual(['pros']);
  });

  it('in_cluster(...) in decide rules, experiment audiences and journey branches reads the current model', async () => {
    t = await startTestTailor({}, () => clock);
    const people = shoppers();
    await t.collect(people.map(identify));
    await t.admin('PUT', '/v1/clusterings/shop', { ...SHOP, k: 2 });
    const model = (await t.admin('POST', '/v1/clusterings/shop/train')).json<ClusterModel>();
    const big = model.clusters.find((c) => (c.centroid.spend ?? 0) > 500);
    if (big === undefined) throw new Error('a big cluster expected');
    await t.admin('PUT', `/v1/clusterings/shop/clusters/${big.id}`, { name: 'big spenders' });

    const placement = await t.admin('PUT', '/v1/placements/hero', {
      items: [
        { id: 'vip', when: 'in_cluster("shop", "big spenders")', priority: 10, template: 'VIP' },
        { id: 'plain', priority: 0, template: 'Hello' },
      ],
      default: { id: 'fallback', template: 'Hi' },
    });
    expect(placement.statusCode, placement.body).toBe(200);
    const decide = async (userId: string) =>
      (await t.admin('POST', '/v1/decide', { userId, placements: ['hero'] })).json<{
        decisions: { itemId: string }[];
      }>().decisions[0]?.itemId;
    expect(await decide('big3')).toBe('vip');
    expect(await decide('small3')).toBe('plain');
    expect(await decide('stranger')).toBe('fallback'); // nobody known: the default

    const experiment = await t.admin('PUT', '/v1/experiments/vip-offer', {
      variants: [{ id: 'control' }, { id: 'offer' }],
      metrics: [{ name: 'purchase', type: 'conversion', event: 'Order Completed' }],
      audience: 'in_cluster("shop", "big spenders")',
    });
    expect(experiment.statusCode, experiment.body).toBe(200);
    const assign = async (userId: string) =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/experiments/vip-offer/assign',
          headers: { authorization: t.writeAuth },
          payload: { userId },
        })
      ).json<{ variant: string | null }>().variant;
    expect(await assign('big4')).not.toBeNull();
    expect(await assign('small4')).toBeNull();

    // A journey branch (as the runner evaluates it, with the models it is given).
    const condition = parseCondition('in_cluster("shop", "big spenders")');
    if (!condition.ok) throw new Error(condition.error.message);
    const models = t.tailor.clusterModels.current;
    expect(branchHolds(condition.value, { traits: { spend: 1100, visits: 25 } }, models)).toBe(
      true,
    );
    expect(branchHolds(condition.value, { traits: { spend: 12, visits: 1 } }, models)).toBe(false);
    expect(
      branchHolds(
        condition.value,
        { traits: { spend: 1100, visits: 25 }, consent: { analytics: false } },
        models,
      ),
    ).toBe(false);
    expect(branchHolds(condition.value, { traits: { spend: 1100, visits: 25 } })).toBe(false);
  });

  it('trains as a job a page of profiles at a time, with its progress', async () => {
    t = await startTestTailor({}, () => clock);
    const people = Array.from({ length: 4500 }, (_, i) =>
      identify({
        userId: `p${i}`,
        spend: i % 2 === 0 ? 1000 + (i % 97) : 10 + (i % 13),
        visits: i % 2 === 0 ? 20 + (i % 7) : 1 + (i % 3),
      }),
    );
    await t.collect(people);
    await t.admin('PUT', '/v1/clusterings/shop', { ...SHOP, k: 2 });
    const seen: { done: number; total: number }[] = [];
    const model = await t.tailor.clusterings.train('shop', (progress) => seen.push(progress));
    expect(seen).toEqual([
      { done: 2000, total: 4500 },
      { done: 4000, total: 4500 },
      { done: 4500, total: 4500 },
    ]);
    expect(model).toMatchObject({ rows: 4500, k: 2 });
    expect(model.clusters.map((c) => c.size)).toEqual([2250, 2250]);
  });

  it('trains again on its schedule: once retrainDays passed since the last training', async () => {
    let now = clock;
    t = await startTestTailor({}, () => now);
    await t.collect(shoppers().map(identify));
    await t.admin('PUT', '/v1/clusterings/shop', { ...SHOP, k: 2, schedule: { retrainDays: 7 } });
    await t.admin('PUT', '/v1/clusterings/manual', { ...SHOP, k: 2 });
    // Never trained: due at once (the manual one never is).
    expect(await t.tailor.clusterings.retrainDue()).toEqual(['shop']);
    expect((await t.admin('GET', '/v1/clusterings/shop')).json().trained.training).toBe(1);
    now += 6 * 86_400_000;
    expect(await t.tailor.clusterings.retrainDue()).toEqual([]);
    now += 86_400_000;
    expect(await t.tailor.clusterings.retrainDue()).toEqual(['shop']);
    expect((await t.admin('GET', '/v1/clusterings/shop')).json().trained).toMatchObject({
      training: 2,
      trainedAt: new Date(now).toISOString(),
    });
    expect((await t.admin('GET', '/v1/clusterings/manual')).json()).not.toHaveProperty('trained');
  });
});
