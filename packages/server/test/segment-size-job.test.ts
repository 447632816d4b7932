import { describe, expect, it } from 'vitest';
import { plainSealer } from '../src/privacy/sealer.js';
import { SegmentSizeJob, type SegmentVersion } from '../src/segments/segment-size-job.js';
import {
  memoryProfileData,
  openMemoryProfileStore,
} from '../src/store/memory/memory-profile-store.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');

function setup() {
  const store = openMemoryProfileStore(memoryProfileData(), plainSealer);
  let now = T0;
  const segments: SegmentVersion[] = [];
  const job = new SegmentSizeJob({
    sizes: store.segmentSizes,
    backfills: store.backfills,
    segments: () => Promise.resolve(segments),
    now: () => now,
    checkMs: 10_000,
  });
  const counts = async () =>
    (await store.segmentSizes.between('vip', 0, Date.parse('2027-01-01'), 100)).map(
      (s) => `${s.at.slice(11, 19)} v${String(s.version)}`,
    );
  return {
    store,
    job,
    segments,
    counts,
    at: (iso: string) => {
      now = Date.parse(iso);
    },
  };
}

describe('SegmentSizeJob', () => {
  it('waits for the backfill of a changed definition, then counts under the new version', async () => {
    const { store, job, segments, counts, at } = setup();
    const iso = new Date(T0).toISOString();
    segments.push({ name: 'vip', version: 1, createdAt: iso, updatedAt: iso });
    const running = await store.backfills.start(['segment:vip'], 10, iso);
    expect((await job.step()).worked).toBe(0);
    at('2026-12-01T10:00:20Z');
    await store.backfills.advance(running.id, {
      cursor: 10,
      processed: 10,
      finishedAt: '2026-12-01T10:00:15.000Z',
    });
    expect(await job.step()).toEqual({ worked: 1, finished: true });
    expect(await counts()).toEqual(['10:00:20 v1']);

    // Looked at no sooner than every 10 s, and once an hour when nothing changes.
    at('2026-12-01T10:00:25Z');
    expect((await job.step()).worked).toBe(0);
    at('2026-12-01T10:59:45Z');
    expect((await job.step()).worked).toBe(0);
    at('2026-12-01T11:00:00Z');
    expect((await job.step()).worked).toBe(1);

    // Version 2 saved at 11:10; its backfill runs: the hour's count waits with the change.
    at('2026-12-01T11:10:00Z');
    segments[0] = {
      ...segments[0],
      version: 2,
      updatedAt: '2026-12-01T11:10:00.000Z',
    } as SegmentVersion;
    expect((await job.step()).worked).toBe(0); // no backfill for version 2 recorded yet
    const second = await store.backfills.start(['segment:vip'], 10, '2026-12-01T11:10:01.000Z');
    at('2026-12-01T12:00:00Z');
    expect((await job.step()).worked).toBe(0); // rebuilding: not counted
    await store.backfills.advance(second.id, {
      cursor: 10,
      processed: 10,
      finishedAt: '2026-12-01T12:00:05.000Z',
    });
    at('2026-12-01T12:00:10Z');
    expect((await job.step()).worked).toBe(1);
    expect(await counts()).toEqual(['10:00:20 v1', '11:00:00 v1', '12:00:10 v2']);
  });

  it('counts a segment no backfill names once its change is a minute old', async () => {
    const { job, segments, counts, at } = setup();
    const iso = new Date(T0).toISOString();
    segments.push({ name: 'vip', version: 3, createdAt: iso, updatedAt: iso });
    at('2026-12-01T10:00:30Z');
    expect((await job.step()).worked).toBe(0);
    at('2026-12-01T10:01:00Z');
    expect((await job.step()).worked).toBe(1);
    expect(await counts()).toEqual(['10:01:00 v3']);
  });
});
