import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterModel } from '@tailor/core';
import type { ClusteringStore, StoredClustering } from '../../src/store/clustering-store.js';
import { openPgClusteringStore } from '../../src/store/postgres/pg-clustering-store.js';
import { openSqliteClusteringStore } from '../../src/store/sqlite/sqlite-clustering-store.js';
import { openTestDatabase } from '../support/postgres.js';

type Open = () => Promise<{ store: ClusteringStore; dispose: () => Promise<void> }>;

const BACKENDS: [string, Open][] = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tailor-clusterings-'));
      const store = openSqliteClusteringStore(join(dir, 'state.sqlite'));
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
      return { store: await openPgClusteringStore(db), dispose: () => db.close() };
    },
  ],
];

const rfm = (name: string, version: number): StoredClustering => ({
  name,
  features: ['computed.rfm.recency', { path: 'computed.rfm.monetary', name: 'spend' }],
  k: 'auto',
  version,
  createdAt: '2026-12-05T12:00:00.000Z',
  updatedAt: '2026-12-05T12:00:00.000Z',
});

const model = (clustering: string, names: string[]): ClusterModel => ({
  clustering,
  training: 1,
  definitionVersion: 1,
  trainedAt: '2026-12-05T12:00:00.000Z',
  features: [
    { path: 'computed.rfm.recency', name: 'recency' },
    { path: 'computed.rfm.monetary', name: 'spend' },
  ],
  method: 'kmeans',
  algorithm: 'lloyd',
  k: names.length,
  scale: 'standard',
  preparation: { mean: [10, 100], std: [5, 50] },
  rows: 4,
  skipped: 0,
  noise: 0,
  silhouette: 0.5,
  inertia: 1,
  bic: null,
  candidates: [],
  clusters: names.map((name, id) => ({
    id,
    name,
    renamed: false,
    size: 2,
    share: 0.5,
    centroid: { recency: 10, spend: 100 },
    centre: [id, 1 - id],
    description: name,
    traits: [],
    medians: { recency: 10, spend: 100 },
  })),
});

describe.each(BACKENDS)('clustering store on %s', (_name, open) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
  });

  it('keeps definitions, the last model and its assignments; deletes them together', async () => {
    const opened = await open();
    dispose = opened.dispose;
    const { store } = opened;
    expect(await store.get('rfm')).toBeUndefined();
    await store.put(rfm('rfm', 1));
    await store.put(rfm('rfm', 2));
    await store.put(rfm('Behaviour', 1));
    expect(await store.get('rfm')).toEqual(rfm('rfm', 2));
    expect((await store.list()).map((c) => c.name)).toEqual(['Behaviour', 'rfm']);

    const ids = ['p3', 'p1', 'p2', 'p4', 'p5'];
    await store.saveModel(model('rfm', ['loyal', 'lapsed']), {
      profileIds: ids,
      clusters: Int32Array.from([0, 1, 0, -1, 1]), // p4: noise, in no cluster
    });
    await store.saveModel(model('Behaviour', ['a']), {
      profileIds: ['p1'],
      clusters: Int32Array.from([0]),
    });
    expect(await store.model('rfm')).toEqual(model('rfm', ['loyal', 'lapsed']));
    expect((await store.models()).map((m) => m.clustering)).toEqual(['Behaviour', 'rfm']);
    expect(await store.assignmentsOf('p1')).toEqual({ Behaviour: 0, rfm: 1 });
    expect(await store.assignmentsOf('p4')).toEqual({});
    expect(await store.members('rfm', 0, '', 10)).toEqual({ profiles: ['p2', 'p3'], next: null });
    expect(await store.members('rfm', 1, '', 1)).toEqual({ profiles: ['p1'], next: 'p1' });
    expect(await store.members('rfm', 1, 'p1', 1)).toEqual({ profiles: ['p5'], next: null });

    // A renamed persona replaces the model only; a training replaces the assignments too.
    const renamed = model('rfm', ['loyal', 'winback']);
    await store.saveModel(renamed);
    expect((await store.model('rfm'))?.clusters[1]?.name).toBe('winback');
    expect((await store.members('rfm', 1, '', 10)).profiles).toEqual(['p1', 'p5']);
    await store.saveModel(renamed, { profileIds: ['p1', 'p2'], clusters: Int32Array.from([0, 0]) });
    expect((await store.members('rfm', 0, '', 10)).profiles).toEqual(['p1', 'p2']);
    expect((await store.members('rfm', 1, '', 10)).profiles).toEqual([]);

    // Erasure forgets a person in every clustering.
    await store.erase(['p1']);
    expect(await store.assignmentsOf('p1')).toEqual({});
    expect((await store.members('rfm', 0, '', 10)).profiles).toEqual(['p2']);

    expect(await store.delete('rfm')).toBe(true);
    expect(await store.delete('rfm')).toBe(false);
    expect(await store.model('rfm')).toBeUndefined();
    expect(await store.assignmentsOf('p2')).toEqual({});
    expect((await store.models()).map((m) => m.clustering)).toEqual(['Behaviour']);
  });

  it('writes many assignments in one training', async () => {
    const opened = await open();
    dispose = opened.dispose;
    const { store } = opened;
    await store.put(rfm('rfm', 1));
    const n = 25_000;
    const profileIds = Array.from({ length: n }, (_, i) => `p${String(i).padStart(6, '0')}`);
    await store.saveModel(model('rfm', ['a', 'b']), {
      profileIds,
      clusters: Int32Array.from(profileIds, (_, i) => i % 2),
    });
    const page = await store.members('rfm', 1, '', n);
    expect(page.profiles.length).toBe(n / 2);
    expect(page.profiles[0]).toBe('p000001');
  });
});
