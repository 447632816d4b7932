import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelStore, StoredModel, StoredModelVersion } from '../../src/store/model-store.js';
import { openPgModelStore } from '../../src/store/postgres/pg-model-store.js';
import { openSqliteModelStore } from '../../src/store/sqlite/sqlite-model-store.js';
import { openTestDatabase } from '../support/postgres.js';

type Open = () => Promise<{ store: ModelStore; dispose: () => Promise<void> }>;

const BACKENDS: [string, Open][] = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tailor-models-'));
      const store = openSqliteModelStore(join(dir, 'state.sqlite'));
      return Promise.resolve({
        store,
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      });
    },
  ],
  [
    'postgres',
    async () => {
      const db = await openTestDatabase();
      return { store: await openPgModelStore(db), dispose: () => db.close() };
    },
  ],
];

const churn = (version: number): StoredModel => ({
  name: 'churn',
  type: 'churn',
  label: { event: 'Order Completed', days: 30 },
  horizonDays: 180,
  version,
  createdAt: '2026-11-29T12:00:00.000Z',
  updatedAt: '2026-11-29T12:00:00.000Z',
});
const trained = (auc: number): Omit<StoredModelVersion, 'version'> => ({
  trainedAt: '2026-11-29T12:00:00.000Z',
  cutoff: '2026-10-30T12:00:00.000Z',
  labelEnd: '2026-11-29T12:00:00.000Z',
  featureStart: '2026-05-03T12:00:00.000Z',
  rows: 100,
  positives: 40,
  events: 1000,
  features: ['events_7d'],
  metrics: { folds: 5, auc, foldAucs: [auc], brier: 0.2, reliability: [] },
  classifier: {
    kind: 'logistic',
    plan: {
      columns: [{ kind: 'number', name: 'events_7d', mean: 1, sd: 1, blanks: false }],
      inputs: ['events_7d'],
    },
    weights: [-0.5],
    intercept: 0.1,
    c: 1,
  },
  countedEvents: ['Order Completed'],
});

describe.each(BACKENDS)('model store on %s', (_name, open) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
  });

  it('keeps definitions by name, numbers versions per model, deletes a model with its versions', async () => {
    const opened = await open();
    dispose = opened.dispose;
    const { store } = opened;
    expect(await store.get('churn')).toBeUndefined();
    await store.put(churn(1));
    await store.put({ ...churn(2), promoted: 1 });
    await store.put({ ...churn(1), name: 'Buy', type: 'propensity' });
    expect(await store.get('churn')).toEqual({ ...churn(2), promoted: 1 });
    expect((await store.list()).map((m) => m.name)).toEqual(['Buy', 'churn']);
    expect(await store.addVersion('churn', trained(0.7))).toBe(1);
    expect(await store.addVersion('churn', trained(0.8))).toBe(2);
    expect(await store.addVersion('Buy', trained(0.6))).toBe(1);
    expect((await store.versions('churn')).map((v) => [v.version, v.metrics.auc])).toEqual([
      [1, 0.7],
      [2, 0.8],
    ]);
    expect(await store.version('churn', 2)).toEqual({ ...trained(0.8), version: 2 });
    expect(await store.version('churn', 3)).toBeUndefined();
    expect(await store.delete('churn')).toBe(true);
    expect(await store.delete('churn')).toBe(false);
    expect(await store.versions('churn')).toEqual([]);
    // A model made again under the name starts its versions at 1.
    await store.put(churn(1));
    expect(await store.addVersion('churn', trained(0.9))).toBe(1);
    expect((await store.versions('Buy')).length).toBe(1);
  });

  it('records a scheduled version only when none was trained since it began', async () => {
    const opened = await open();
    dispose = opened.dispose;
    const { store } = opened;
    await store.put(churn(1));
    expect(await store.addVersion('churn', trained(0.7))).toBe(1); // trained at 12:00
    // Begun at 11:00: version 1 came since, so this one is dropped.
    expect(
      await store.addVersion('churn', trained(0.8), '2026-11-29T11:00:00.000Z'),
    ).toBeUndefined();
    expect(
      await store.addVersion('churn', trained(0.8), '2026-11-29T12:00:00.000Z'),
    ).toBeUndefined();
    expect(await store.addVersion('churn', trained(0.8), '2026-11-29T12:00:00.001Z')).toBe(2);
    expect((await store.versions('churn')).length).toBe(2);
  });

  it("keeps each job's saved state by name", async () => {
    const opened = await open();
    dispose = opened.dispose;
    const { store } = opened;
    expect(await store.jobState('model-scoring')).toBeUndefined();
    await store.saveJobState('model-scoring', { followed: 12, again: ['p1'] });
    await store.saveJobState('model-schedule', { runs: {} });
    await store.saveJobState('model-scoring', { followed: 40, again: [] });
    expect(await store.jobState('model-scoring')).toEqual({ followed: 40, again: [] });
    expect(await store.jobState('model-schedule')).toEqual({ runs: {} });
  });
});
