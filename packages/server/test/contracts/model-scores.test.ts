import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compileDefinitions,
  DEFAULT_IDENTITY_RULES,
  pointInTimeFeatures,
  readCondition,
  scorePerson,
  trainClassifier,
  type StoredMessage,
  type TimedEvent,
} from '@tailor/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-event-log.js';
import { ModelScoringJob, type ModelScoringDeps } from '../../src/models/model-scoring.js';
import { ProfilePipeline } from '../../src/pipeline/profile-pipeline.js';
import { plainSealer } from '../../src/privacy/sealer.js';
import {
  memoryProfileData,
  openMemoryProfileStore,
} from '../../src/store/memory/memory-profile-store.js';
import type { ModelStore, StoredModel, StoredModelVersion } from '../../src/store/model-store.js';
import type { ProfileStore } from '../../src/store/profile-store.js';
import { openPgModelStore } from '../../src/store/postgres/pg-model-store.js';
import { openPgProfileStore } from '../../src/store/postgres/pg-profile-store.js';
import { openSqliteModelStore } from '../../src/store/sqlite/sqlite-model-store.js';
import { openSqliteProfileStore } from '../../src/store/sqlite/sqlite-profile-store.js';
import { openTestDatabase } from '../support/postgres.js';

/**
 * Model scores on profiles, on every profile store (docs/models.md): the scoring job run by the
 * pipeline's upkeep writes each person's score into their profile, segments reading it follow,
 * a person's new events rescore them, a promotion rescores everyone, and erasure takes the
 * scores with the profile.
 */
let dir: string;
const cleanups: (() => Promise<void>)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-model-scores-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const BACKENDS = ['memory', 'sqlite', 'postgres'] as const;

async function openStore(backend: (typeof BACKENDS)[number]): Promise<ProfileStore> {
  switch (backend) {
    case 'memory':
      return openMemoryProfileStore(memoryProfileData(), plainSealer);
    case 'sqlite': {
      const store = openSqliteProfileStore(join(dir, 'state.sqlite'), {}, plainSealer);
      cleanups.push(() => store.close());
      return store;
    }
    case 'postgres': {
      const db = await openTestDatabase();
      cleanups.push(() => db.close());
      return openPgProfileStore(db, plainSealer);
    }
  }
}

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 30);
let seq = 0;
const track = (userId: string, event: string, daysAgo: number): StoredMessage => {
  const timestamp = new Date(NOW - daysAgo * DAY).toISOString();
  return {
    type: 'track',
    event,
    messageId: `m${String(++seq)}`,
    userId,
    anonymousId: null,
    timestamp,
    receivedAt: timestamp,
    properties: {},
    context: {},
    tailor: { source: 'key:test' },
  };
};

/** 40 people, 0 to 9 page views each in the last 60 days; the label: many views. */
function shop(): StoredMessage[] {
  const out: StoredMessage[] = [];
  for (let i = 0; i < 40; i++)
    for (let v = 0; v < i % 10; v++) out.push(track(`u${String(i)}`, 'Page Viewed', 2 + v * 6));
  return out;
}

const asEvents = (messages: readonly StoredMessage[]): TimedEvent[] =>
  messages.map((m) => ({ at: Date.parse(m.timestamp), event: m.event, properties: {} }));

/** A version trained on the shop's features (its labels made up from them); `sign` flips it. */
function version(number: number, messages: readonly StoredMessage[]): StoredModelVersion {
  const byUser = new Map<string, TimedEvent[]>();
  for (const m of messages) {
    const list = byUser.get(m.userId ?? '') ?? [];
    list.push(...asEvents([m]));
    byUser.set(m.userId ?? '', list);
  }
  const table = pointInTimeFeatures(
    [...byUser].map(([id, events]) => ({ id, events })),
    NOW,
  );
  const labels = table.rows.map((r, i) =>
    (Number(r.features['events_all']) >= 5 !== (number === 2)) !== (i % 7 === 0) ? 1 : 0,
  ) as (0 | 1)[];
  const rows = table.rows.map((r) =>
    Object.fromEntries(Object.entries(r.features).map(([k, v]) => [k, String(v ?? '')])),
  );
  const report = trainClassifier(rows, labels, table.columns);
  return {
    version: number,
    trainedAt: new Date(NOW).toISOString(),
    cutoff: new Date(NOW).toISOString(),
    labelEnd: new Date(NOW).toISOString(),
    featureStart: new Date(NOW - 365 * DAY).toISOString(),
    rows: report.rows,
    positives: report.positives,
    events: messages.length,
    features: table.columns,
    metrics: { ...report.cv, reliability: [] },
    classifier: report.classifier,
    countedEvents: table.events,
  };
}

/** The registry the scoring job reads, its position kept in a map. */
function registry(
  model: StoredModel,
  versions: readonly StoredModelVersion[],
  saved = new Map<string, unknown>(),
): ModelScoringDeps['models'] {
  return {
    list: () => Promise.resolve([model]),
    version: (_name, v) => Promise.resolve(versions.find((x) => x.version === v)),
    jobState: (job) => Promise.resolve(saved.get(job)),
    saveJobState: (job, state) => {
      saved.set(job, structuredClone(state));
      return Promise.resolve();
    },
  };
}

describe.each(BACKENDS)('model scores on profiles: %s', (backend) => {
  it('scores everyone, follows new events, rescores on a promotion, and goes with an erasure', async () => {
    const messages = shop();
    const log = new SqliteEventLog(join(dir, 'log.sqlite'), plainSealer);
    cleanups.push(() => log.close());
    await log.append(messages);
    const store = await openStore(backend);
    const versions = [version(1, messages), version(2, messages)];
    const model: StoredModel = {
      name: 'buy',
      type: 'propensity',
      label: { event: 'Order Completed', days: 30 },
      version: 1,
      createdAt: '',
      updatedAt: '',
      promoted: 1,
    };
    const likely = readCondition('model.buy.score > 0.5');
    if (!likely.ok) throw new Error(likely.error.message);
    const plan = compileDefinitions([], [{ name: 'likely', tree: likely.value.tree }]);
    const changed: string[] = [];
    const pipeline = new ProfilePipeline({
      log,
      store,
      rules: DEFAULT_IDENTITY_RULES,
      policy: { sourcePriority: [] },
      now: () => NOW,
      definitions: () => plan,
      onChanged: (profiles) => changed.push(...profiles),
      upkeepJobs: (upkeep) => [
        new ModelScoringJob({
          models: registry(model, versions),
          profiles: store,
          log,
          folded: async () => {
            const at = await store.position('profiles');
            return () => at;
          },
          plan: upkeep.plan,
          changed: upkeep.changed,
          now: () => NOW,
          rescoreMs: 3_600_000,
          checkMs: 0,
        }),
      ],
    });
    await pipeline.catchUp();

    const { profiles } = await store.live(0, 100);
    expect(profiles).toHaveLength(36); // four people have no events
    const expectScore = (userId: string, v: StoredModelVersion, extra: StoredMessage[] = []) =>
      scorePerson(
        { ...v, horizonDays: 365 },
        asEvents([...messages, ...extra].filter((m) => m.userId === userId)),
        NOW,
      );
    const u9 = await store.byIdentifier({ type: 'userId', value: 'u9' });
    const u1 = await store.byIdentifier({ type: 'userId', value: 'u1' });
    expect(u9?.scores['buy']).toEqual(expectScore('u9', versions[0] as StoredModelVersion));
    expect(u9?.scores['buy']?.score).toBeGreaterThan(0.5);
    expect(u1?.scores['buy']?.score).toBeLessThan(0.5);
    for (const p of profiles) {
      expect(p.scores['buy']?.version).toBe(1);
      expect(p.segments.includes('likely')).toBe((p.scores['buy']?.score ?? 0) > 0.5);
    }
    const members = (await store.members('likely', '', 100)).profiles;
    expect(members).toContain(u9?.id);
    expect((await store.outbox(100)).length).toBe(0); // the entries were announced (flushed)
    expect(changed).toContain(u9?.id);

    // u1 comes back for more: their score alone is computed again from their events.
    const more = [8, 9, 10, 11, 12, 13].map((d) => track('u1', 'Page Viewed', d / 4));
    await log.append(more);
    await pipeline.catchUp();
    const u1Again = await store.byIdentifier({ type: 'userId', value: 'u1' });
    expect(u1Again?.scores['buy']).toEqual(
      expectScore('u1', versions[0] as StoredModelVersion, more),
    );
    expect(u1Again?.scores['buy']?.score).toBeGreaterThan(u1?.scores['buy']?.score ?? 1);

    // Version 2 (trained on the opposite labels) promoted: everyone is scored by it.
    model.promoted = 2;
    await pipeline.catchUp();
    const after = (await store.live(0, 100)).profiles;
    for (const p of after) expect(p.scores['buy']?.version).toBe(2);
    const u9v2 = await store.byIdentifier({ type: 'userId', value: 'u9' });
    expect(u9v2?.scores['buy']).toEqual(expectScore('u9', versions[1] as StoredModelVersion));
    expect(u9v2?.segments.includes('likely')).toBe((u9v2?.scores['buy']?.score ?? 0) > 0.5);

    // Erasure: the profile, and its scores with it, are gone.
    const end = (await log.stats()).lastPosition;
    await store.erase(
      u9v2?.id ?? '',
      'profiles',
      { from: end, to: end + 1 },
      { requestId: 'r1', requestedBy: 'key:admin', at: NOW },
    );
    expect(await store.byId(u9v2?.id ?? '')).toBeUndefined();
    expect((await store.live(0, 100)).profiles.map((p) => p.id)).not.toContain(u9v2?.id);

    // A deleted model's scores go from everyone.
    model.promoted = undefined;
    await pipeline.catchUp();
    for (const p of (await store.live(0, 100)).profiles) expect(p.scores).toEqual({});
  });
});

/** 130 people with 1 to 10 page views each, in a log: three pages of the scoring pass. */
async function manyPeople(): Promise<{ messages: StoredMessage[]; log: SqliteEventLog }> {
  const messages: StoredMessage[] = [];
  for (let i = 0; i < 130; i++)
    for (let v = 0; v < (i % 10) + 1; v++)
      messages.push(track(`p${String(i)}`, 'Page Viewed', v * 5));
  const log = new SqliteEventLog(join(dir, 'log.sqlite'), plainSealer);
  cleanups.push(() => log.close());
  await log.append(messages);
  return { messages, log };
}

describe('model scores: a promotion during a pass', () => {
  it('scores everyone again by the version promoted while a pass was under way', async () => {
    const { log } = await manyPeople();
    const store = await openStore('memory');
    const versions = [version(1, shop()), version(2, shop())];
    const model: StoredModel = {
      name: 'buy',
      type: 'propensity',
      label: { event: 'Order Completed', days: 30 },
      version: 1,
      createdAt: '',
      updatedAt: '',
      promoted: 1,
    };
    let job: ModelScoringJob | undefined;
    const pipeline = new ProfilePipeline({
      log,
      store,
      rules: DEFAULT_IDENTITY_RULES,
      policy: { sourcePriority: [] },
      now: () => NOW,
      upkeepJobs: (upkeep) => {
        job = new ModelScoringJob({
          models: registry(model, versions),
          profiles: store,
          log,
          folded: async () => {
            const at = await store.position('profiles');
            return () => at;
          },
          plan: upkeep.plan,
          changed: upkeep.changed,
          now: () => NOW,
          rescoreMs: 3_600_000,
          checkMs: 0,
        });
        return [];
      },
    });
    await pipeline.catchUp();
    const first = await job?.step(); // the first page of 50, by version 1
    expect(first?.finished).toBe(false);
    model.promoted = 2;
    while ((await job?.step())?.worked ?? 0) {
      /* the rest of the pass, then another by version 2 */
    }
    const live = (await store.live(0, 200)).profiles;
    expect(live).toHaveLength(130);
    for (const p of live) expect(p.scores['buy']?.version).toBe(2);
  });
});

describe.each(['sqlite', 'postgres'] as const)('model scores after a restart: %s', (backend) => {
  it('resumes a pass at its page and follows the log from where it was, with the position saved in the model store', async () => {
    const { messages, log } = await manyPeople();
    const store = await openStore(backend);
    let models: ModelStore;
    if (backend === 'sqlite') {
      models = openSqliteModelStore(join(dir, 'state.sqlite'));
      cleanups.push(() => models.close());
    } else {
      const db = await openTestDatabase();
      cleanups.push(() => db.close());
      models = await openPgModelStore(db);
    }
    await models.put({
      name: 'buy',
      type: 'propensity',
      label: { event: 'Order Completed', days: 30 },
      version: 1,
      createdAt: '',
      updatedAt: '',
      promoted: 1,
    });
    const trained = version(1, shop());
    expect(await models.addVersion('buy', trained)).toBe(1); // its number is the store's
    const pipeline = new ProfilePipeline({
      log,
      store,
      rules: DEFAULT_IDENTITY_RULES,
      policy: { sourcePriority: [] },
      now: () => NOW,
    });
    await pipeline.catchUp();
    /** A scoring job as a fresh start makes it: all it knows is what the model store saved. */
    const started = (scored: string[]) =>
      new ModelScoringJob({
        models,
        profiles: store,
        log,
        folded: async () => {
          const at = await store.position('profiles');
          return () => at;
        },
        plan: () => Promise.resolve(undefined),
        changed: (ids) => {
          scored.push(...ids);
          return Promise.resolve();
        },
        now: () => NOW,
        rescoreMs: 3_600_000,
        checkMs: 0,
      });
    const before: string[] = [];
    const first = started(before);
    expect((await first.step()).finished).toBe(false); // one page of 50, then the process stops
    expect(before).toHaveLength(50);

    const after: string[] = [];
    const second = started(after);
    while ((await second.step()).worked > 0) {
      /* the rest of the pass, then the log followed: nothing new */
    }
    expect(after).toHaveLength(80); // the other 80, none of the first page again
    expect(new Set([...before, ...after]).size).toBe(130);
    for (const p of (await store.live(0, 200)).profiles) expect(p.scores['buy']?.version).toBe(1);

    // New events of one person, folded while no scoring ran: the next start scores them alone.
    await log.append([0.5, 1, 1.5].map((d) => track('p3', 'Page Viewed', d)));
    await pipeline.catchUp();
    const third: string[] = [];
    const job = started(third);
    while ((await job.step()).worked > 0) {
      /* follows the log from the saved position */
    }
    const p3 = await store.byIdentifier({ type: 'userId', value: 'p3' });
    expect(third).toEqual([p3?.id]);
    expect(p3?.scores['buy']).toEqual(
      scorePerson(
        { ...trained, horizonDays: 365 },
        asEvents(
          [...messages, ...[0.5, 1, 1.5].map((d) => track('p3', 'Page Viewed', d))].filter(
            (m) => m.userId === 'p3',
          ),
        ),
        NOW,
      ),
    );
  });
});
