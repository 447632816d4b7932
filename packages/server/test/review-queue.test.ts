import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileStore } from '../src/store/profile-store.js';
import { openSqliteProfileStore } from '../src/store/sqlite/sqlite-profile-store.js';

let dir: string;
let store: ProfileStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-reviews-'));
  store = openSqliteProfileStore(join(dir, 'state.sqlite'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const pair = (leftId: string, rightId: string, weight = 5) => ({
  leftId,
  rightId,
  weight,
  probability: 0.7,
  comparison: { surname: { left: 'smith', right: 'smyth', level: 'close' } },
});

describe('review queue', () => {
  it('queues a pair once, whichever way round it comes, and pages pending reviews', async () => {
    expect(
      await store.reviews.add(
        [pair('p_b', 'p_a'), pair('p_a', 'p_b'), pair('p_c', 'p_d')],
        '2026-11-24T10:00:00.000Z',
      ),
    ).toBe(2);
    expect(await store.reviews.known('p_b', 'p_a')).toBe(true);
    expect(await store.reviews.known('p_a', 'p_c')).toBe(false);
    const first = await store.reviews.list({ status: 'pending', after: 0, limit: 1 });
    expect(first.reviews).toMatchObject([
      {
        leftId: 'p_a',
        rightId: 'p_b',
        status: 'pending',
        comparison: { surname: { level: 'close' } },
      },
    ]);
    const second = await store.reviews.list({
      status: 'pending',
      after: first.next ?? 0,
      limit: 1,
    });
    expect(second).toMatchObject({ reviews: [{ leftId: 'p_c', rightId: 'p_d' }], next: null });
  });

  it('records a decision once; a decided pair is not queued again', async () => {
    await store.reviews.add([pair('p_a', 'p_b')], '2026-11-24T10:00:00.000Z');
    const [review] = (await store.reviews.list({ after: 0, limit: 10 })).reviews;
    const decided = await store.reviews.decide(
      review?.id ?? 0,
      'distinct',
      'key:steward',
      '2026-11-24T11:00:00.000Z',
    );
    expect(decided).toMatchObject({
      status: 'distinct',
      decidedBy: 'key:steward',
      decidedAt: '2026-11-24T11:00:00.000Z',
    });
    expect(
      await store.reviews.decide(review?.id ?? 0, 'match', 'key:other', '2026-11-24T12:00:00.000Z'),
    ).toBeUndefined();
    expect(await store.reviews.add([pair('p_b', 'p_a', 9)], '2026-11-24T13:00:00.000Z')).toBe(0);
    expect((await store.reviews.list({ status: 'pending', after: 0, limit: 10 })).reviews).toEqual(
      [],
    );
  });
});
