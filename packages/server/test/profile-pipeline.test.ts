import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IDENTITY_RULES, type IdentityRules, type StoredMessage } from '@tailor/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../src/log/sqlite/sqlite-event-log.js';
import { ProfilePipeline } from '../src/pipeline/profile-pipeline.js';
import { ErasureCoordinator } from '../src/privacy/erasure-coordinator.js';
import { requestErasure } from '../src/privacy/request-erasure.js';
import type { ProfileStore } from '../src/store/profile-store.js';
import { openSqliteProfileStore } from '../src/store/sqlite/sqlite-profile-store.js';
import { dump, message, randomStream } from './support/profile-streams.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-pipeline-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function foldAll(
  messages: StoredMessage[],
  batchSize: number,
  name: string,
  rules = DEFAULT_IDENTITY_RULES,
) {
  const log = new SqliteEventLog(join(dir, `${name}-log.sqlite`));
  const store = openSqliteProfileStore(join(dir, `${name}-state.sqlite`));
  await log.append(messages);
  const pipeline = new ProfilePipeline({
    log,
    store,
    rules,
    policy: { sourcePriority: [] },
    batchSize,
  });
  await pipeline.catchUp();
  return { log, store, pipeline };
}

describe('ProfilePipeline', () => {
  it('gives the same graph whatever the batch size (state carried across transactions)', async () => {
    const messages = randomStream(600, 7);
    const runs = await Promise.all([1, 7, 1000].map((size) => foldAll(messages, size, `b${size}`)));
    const dumps = await Promise.all(runs.map((r) => dump(r.store, messages)));
    expect(dumps[0]?.stats.merged).toBeGreaterThan(0);
    expect(dumps[0]?.conflicts.length).toBeGreaterThan(0);
    expect(dumps[1]).toEqual(dumps[0]);
    expect(dumps[2]).toEqual(dumps[0]);
    // Every event belongs to exactly one person.
    const all = Object.values(dumps[0]?.profiles ?? {}).flatMap(
      (p) => (p as { events: number[] }).events,
    );
    expect(new Set(all).size).toBe(messages.length);
    for (const r of runs) {
      await r.store.close();
      await r.log.close();
    }
  });

  it('two pipelines on one store (a CLI catching up beside the server) fold each event once', async () => {
    const messages = randomStream(400, 11);
    const log = new SqliteEventLog(join(dir, 'log.sqlite'));
    await log.append(messages);
    const stores = [0, 1].map(() => openSqliteProfileStore(join(dir, 'state.sqlite')));
    const pipelines = stores.map(
      (store) =>
        new ProfilePipeline({
          log,
          store,
          rules: DEFAULT_IDENTITY_RULES,
          policy: { sourcePriority: [] },
          batchSize: 5,
        }),
    );
    await Promise.all(pipelines.map((p) => p.catchUp()));
    const single = await foldAll(messages, 1000, 'single');
    expect(await dump(stores[0] as ProfileStore, messages)).toEqual(
      await dump(single.store, messages),
    );
    for (const s of [...stores, single.store]) await s.close();
    await log.close();
    await single.log.close();
  });

  it('a giant merge: two profiles with 10k anonymousIds each and 100k events between them become one', async () => {
    const rules: IdentityRules = [
      { type: 'userId', limit: 1 },
      { type: 'email', limit: 5 },
      { type: 'anonymousId', limit: 100_000 },
    ];
    const messages: StoredMessage[] = [];
    for (const side of ['a', 'b']) {
      for (let i = 0; i < 10_000; i++) {
        const anonymousId = `${side}-anon-${i}`;
        // The first of each ten events links the device to the side's email; the rest are views.
        messages.push(
          message({ type: 'identify', anonymousId, traits: { email: `${side}@giant.io` } }),
        );
        for (let k = 1; k < 5; k++)
          messages.push(message({ type: 'track', anonymousId, event: 'Viewed' }));
      }
    }
    messages.push(message({ type: 'identify', userId: 'giant', traits: { email: 'a@giant.io' } }));
    messages.push(message({ type: 'identify', userId: 'giant', anonymousId: 'b-anon-0' }));
    const { store, log } = await foldAll(messages, 1000, 'giant', rules);
    const profile = await store.byIdentifier({ type: 'anonymousId', value: 'b-anon-9999' });
    expect(profile?.id).toBe(
      (await store.byIdentifier({ type: 'anonymousId', value: 'a-anon-0' }))?.id,
    );
    const id = profile?.id ?? '';
    expect((await store.identifiers(id)).length).toBe(20_003); // 20k devices, two emails, one userId
    expect((await store.eventPositions(id, 0, 1_000_000)).positions.length).toBe(messages.length);
    expect(await store.merges(id)).toHaveLength(1);
    expect(await store.stats()).toEqual({ profiles: 1, merged: 1, identifiers: 20_003 });
    await store.close();
    await log.close();
  }, 120_000);
});

describe('ProfilePipeline erasures', () => {
  it('tries again soon an erasure whose other owners failed, without waiting for the erasure job', async () => {
    const log = new SqliteEventLog(join(dir, 'erase-log.sqlite'));
    const store = openSqliteProfileStore(join(dir, 'erase-state.sqlite'));
    let clock = Date.parse('2026-12-01T00:00:00Z');
    const asked: number[][] = [];
    let logDown = true;
    const erasures = new ErasureCoordinator(
      [
        {
          name: 'the log',
          erase: async (person) => {
            asked.push(person.positions);
            if (logDown) throw new Error('a delete timed out');
            await log.erase(person.positions);
          },
        },
      ],
      store,
    );
    const pipeline = new ProfilePipeline({
      log,
      store,
      rules: DEFAULT_IDENTITY_RULES,
      policy: { sourcePriority: [] },
      now: () => clock,
      erasures,
    });
    await log.append([
      message({ type: 'identify', userId: 'erin', traits: { plan: 'pro' } }),
      message({ type: 'track', userId: 'erin', event: 'Order Completed' }),
    ]);
    await pipeline.catchUp();
    const erin = await store.byIdentifier({ type: 'userId', value: 'erin' });
    await requestErasure(
      { store, log, suppressions: { add: () => Promise.resolve() }, now: () => clock },
      erin?.id ?? '',
      'key:admin',
    );
    // The profile store's part commits; the log's part fails: the erasure stays pending.
    await expect(pipeline.catchUp()).rejects.toThrow('erasing');
    expect(await store.byIdentifier({ type: 'userId', value: 'erin' })).toBeUndefined();
    expect(await store.erasures.pending(clock + 1, 10)).toHaveLength(1);
    logDown = false;
    await pipeline.catchUp(); // not due yet
    expect(asked).toHaveLength(1);
    clock += 2_000; // far from the erasure job's grace period (a minute)
    await pipeline.catchUp();
    expect(asked).toEqual([asked[0], asked[0]]);
    expect(await store.erasures.pending(clock + 1, 10)).toEqual([]);
    expect((await log.read(0, 10)).filter((e) => e.message.userId === 'erin')).toEqual([]);
    await store.close();
    await log.close();
  });
});
