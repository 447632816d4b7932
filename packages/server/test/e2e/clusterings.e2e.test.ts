import { afterAll, describe, expect, it } from 'vitest';
import {
  call,
  cleanupClusters,
  clusterEnv,
  send,
  startCluster,
  until,
  type Json,
} from './support/cluster.js';
import { spawnTailor, type SpawnedTailor } from './support/spawn-tailor.js';

/**
 * Clusterings where the pipeline is not on the request thread: `tailor serve` folds on a worker
 * thread, and several nodes share PostgreSQL and NATS. A model trained through one thread or node
 * must reach the pipeline that evaluates `in_cluster` elsewhere (segment members, new profiles
 * assigned as they come) and every node's decide.
 */

afterAll(async () => {
  await cleanupClusters();
});

const clock = Date.UTC(2026, 11, 5, 12);
let ids = 0;
const identify = (userId: string, spend: number, visits: number) => ({
  messageId: `e2e-${++ids}`,
  type: 'identify',
  userId,
  traits: { spend, visits },
  timestamp: new Date(clock).toISOString(),
});
/** 20 big spenders and 20 occasional ones. */
const shoppers = () =>
  Array.from({ length: 20 }, (_, i) => [
    identify(`big${i}`, 1000 + i * 13, 20 + (i % 7)),
    identify(`small${i}`, 10 + i, 1 + (i % 3)),
  ]).flat();

const SHOP = {
  features: ['traits.spend', 'traits.visits'],
  k: 2,
  scale: 'standard',
};

/** Trains, names the big spenders' persona, and defines a segment and a placement on it. */
async function defineAndTrain(define: SpawnedTailor, train: SpawnedTailor): Promise<void> {
  expect((await call(define, 'PUT', '/v1/clusterings/shop', SHOP)).status).toBe(200);
  const trained = await call(train, 'POST', '/v1/clusterings/shop/train');
  expect(trained.status, JSON.stringify(trained.body)).toBe(200);
  expect(trained.body.rows).toBe(40);
  const big = (trained.body.clusters as Json[]).find((c) => c.centroid.spend > 500);
  const renamed = await call(define, 'PUT', `/v1/clusterings/shop/clusters/${big.id}`, {
    name: 'big spenders',
  });
  expect(renamed.status).toBe(200);
  const segment = await call(define, 'PUT', '/v1/segments/whales', {
    definition: 'in_cluster("shop", "big spenders")',
  });
  expect(segment.status, JSON.stringify(segment.body)).toBe(200);
  const placement = await call(define, 'PUT', '/v1/placements/hero', {
    items: [
      { id: 'vip', when: 'in_cluster("shop", "big spenders")', priority: 1, template: 'VIP' },
    ],
    default: { id: 'plain', template: 'Hello' },
  });
  expect(placement.status).toBe(200);
}

/** Whether every shopper's profile is readable on `node`. */
const folded = async (node: SpawnedTailor) => {
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => [`big${i}`, `small${i}`])
      .flat()
      .map((userId) => call(node, 'GET', `/v1/profiles?identifier=userId:${userId}`)),
  );
  return answers.every((a) => a.status === 200);
};
const members = async (node: SpawnedTailor) =>
  (await call(node, 'GET', '/v1/segments/whales/members?limit=1000')).body.count as number;
const itemFor = async (node: SpawnedTailor, userId: string) =>
  (await call(node, 'POST', '/v1/decide', { userId, placements: ['hero'] })).body.decisions[0]
    .itemId as string;
const segmentsOf = async (node: SpawnedTailor, userId: string) => {
  const answer = await call(node, 'GET', `/v1/profiles?identifier=userId:${userId}`);
  return answer.status === 200 ? (answer.body.segments as string[]) : undefined;
};

describe('clusterings off the request thread', () => {
  it('tailor serve: the worker thread folds with the model trained on the request thread', async () => {
    const node = await spawnTailor();
    expect(await send(node, shoppers())).toBe(200);
    await until(async () => ((await folded(node)) ? true : undefined), 'the shoppers folded');
    await defineAndTrain(node, node);
    await until(async () => ((await members(node)) === 20 ? true : undefined), '20 whales');
    expect(await itemFor(node, 'big3')).toBe('vip');
    expect(await itemFor(node, 'small3')).toBe('plain');
    // A newcomer is assigned by the worker's pipeline as they are folded.
    expect(await send(node, [identify('newcomer', 1500, 25)])).toBe(200);
    await until(
      async () =>
        (await segmentsOf(node, 'newcomer'))?.includes('whales') === true ? true : undefined,
      'the newcomer among the whales',
    );
  }, 120_000);

  it('two nodes on PostgreSQL and NATS: trained on one, used on the other', async () => {
    const [a, b] = (await startCluster(2, clusterEnv())) as [SpawnedTailor, SpawnedTailor];
    expect(await send(a, shoppers())).toBe(200);
    // Each node folds its own partitions: every shopper must be readable before b trains on them.
    await until(async () => ((await folded(b)) ? true : undefined), 'the shoppers folded');
    await defineAndTrain(a, b);
    await until(async () => ((await members(a)) === 20 ? true : undefined), '20 whales');
    // Node a learns of b's training and a's renaming through the settings announcement.
    await until(async () => ((await itemFor(a, 'big5')) === 'vip' ? true : undefined), 'vip on a');
    await until(async () => ((await itemFor(b, 'big5')) === 'vip' ? true : undefined), 'vip on b');
    expect(await itemFor(a, 'small5')).toBe('plain');
    expect(await send(b, [identify('newcomer', 1500, 25)])).toBe(200);
    await until(
      async () =>
        (await segmentsOf(a, 'newcomer'))?.includes('whales') === true ? true : undefined,
      'the newcomer among the whales',
    );
  }, 180_000);
});
