import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_RULES, ProfileGraph } from '@tailor/core';
import { SqliteEventLog } from '../src/log/sqlite/sqlite-event-log.js';
import { partitionOf, PARTITIONS } from '../src/log/event-log.js';
import {
  partitionConsumer,
  ProfilePipeline,
  PROFILES_CONSUMER,
} from '../src/pipeline/profile-pipeline.js';
import { createAesSealer } from '../src/privacy/sealer.js';
import { eventsOfIdentifier, indexingConsumers } from '../src/profiles/events-of-identifier.js';
import { moveIdentifierIndex } from '../src/store/sqlite/event-identifier-index.js';
import { openSqliteProfileStore } from '../src/store/sqlite/sqlite-profile-store.js';
import type { ProfileStore } from '../src/store/profile-store.js';
import { storedMessage as message } from './support/stored-message.js';

// u1 at positions 1, 3, 5, 6, 8; 'x' as a userId at 2 and as an anonymousId at 4 (two kinds, one value).
const MESSAGES = [
  message(1, 'u1'),
  message(2, 'x'),
  message(3, 'u1', 'a1'),
  message(4, null, 'x'),
  message(5, 'u1'),
  message(6, 'u1', 'a1'),
  message(7, 'u2'),
  message(8, 'u1'),
];

let dir: string;
let log: SqliteEventLog;
let store: ProfileStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-index-'));
});
afterEach(async () => {
  await log.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Moves the pipeline's position to `to`, indexing the events up to there (the fold itself changes nothing). */
async function foldTo(to: number): Promise<void> {
  const from = await store.position(PROFILES_CONSUMER);
  const events = await log.read(from, to - from);
  const identified = events.map(({ position, message: m }) => ({
    position,
    userId: m.userId,
    anonymousId: m.anonymousId,
  }));
  const keys = { identifiers: [], groups: [], profiles: [] };
  expect(
    await store.foldBatch({
      moves: [{ consumer: PROFILES_CONSUMER, from, to }],
      keys,
      fold: (s) => new ProfileGraph(s).changes,
      identified,
    }),
  ).toBe('folded');
}

/** Every page of one identifier's events, following the cursor. */
async function allPages(
  kind: 'userId' | 'anonymousId',
  value: string,
  limit: number,
): Promise<string[][]> {
  const pages: string[][] = [];
  let after = 0;
  for (;;) {
    const page = await eventsOfIdentifier(log, store, [PROFILES_CONSUMER], {
      kind,
      value,
      after,
      limit,
    });
    pages.push(page.events.map((e) => e.message.messageId));
    if (page.next === null || pages.length > 10) return pages;
    after = page.next;
  }
}

describe.each([
  ['encryption off', false],
  ['encryption on', true],
])('events by identifier (%s)', (_name, encrypted) => {
  beforeEach(async () => {
    const sealer = encrypted
      ? createAesSealer({
          current: 1,
          keys: new Map([[1, Buffer.alloc(32, 7)]]),
          index: Buffer.alloc(32, 9),
        })
      : undefined;
    log = new SqliteEventLog(join(dir, 'log.sqlite'), sealer);
    store = openSqliteProfileStore(join(dir, 'state.sqlite'), {}, sealer);
    await log.append(MESSAGES);
  });

  it('finds the events the pipeline indexed and those beyond its position alike, in log order, paged across the boundary', async () => {
    const expected = ['m-1', 'm-3', 'm-5', 'm-6', 'm-8'];
    for (const folded of [0, 4, 5, 8]) {
      if (folded > 0) await foldTo(folded);
      expect(
        (
          await store.eventsByIdentifier([PROFILES_CONSUMER], {
            kind: 'userId',
            value: 'u1',
            after: 0,
            limit: 10,
          })
        ).indexedTo,
      ).toEqual([folded]);
      expect((await allPages('userId', 'u1', 2)).flat(), `folded to ${folded}`).toEqual(expected);
      expect(await allPages('userId', 'u1', 2)).toEqual([['m-1', 'm-3'], ['m-5', 'm-6'], ['m-8']]);
      expect((await allPages('userId', 'u1', 5)).length).toBe(1);
      expect((await allPages('anonymousId', 'a1', 1)).flat()).toEqual(['m-3', 'm-6']);
      expect((await allPages('userId', 'x', 10)).flat()).toEqual(['m-2']);
      expect((await allPages('anonymousId', 'x', 10)).flat()).toEqual(['m-4']);
      expect((await allPages('userId', 'nobody', 10)).flat()).toEqual([]);
    }
    // Everything folded: the answer comes from the index alone.
    const indexed = await store.eventsByIdentifier([PROFILES_CONSUMER], {
      kind: 'userId',
      value: 'u1',
      after: 3,
      limit: 10,
    });
    expect(indexed.positions).toEqual([5, 6, 8]);
  });
});

describe('indexes kept per partition (several nodes)', () => {
  it('finds every event whatever the partitions folded so far, in log order, paged', async () => {
    log = new SqliteEventLog(join(dir, 'log.sqlite'));
    store = openSqliteProfileStore(join(dir, 'state.sqlite'));
    // One anonymousId whose events go to the partitions of three userIds and its own.
    const spread = [
      message(1, 'u1', 'anon'),
      message(2, 'u2', 'anon'),
      message(3, null, 'anon'),
      message(4, 'u3', 'anon'),
      message(5, 'u1', 'anon'),
      message(6, 'u2', 'anon'),
    ];
    await log.append(spread);
    const consumers = indexingConsumers(PARTITIONS);
    const fold = (partition: number) =>
      new ProfilePipeline({
        log,
        store,
        rules: DEFAULT_IDENTITY_RULES,
        policy: { sourcePriority: [] },
        consumer: partitionConsumer(partition),
        partitions: [partition],
        work: { fold: true, upkeep: false },
      }).catchUp();
    const pages = async (limit: number): Promise<string[][]> => {
      const found: string[][] = [];
      for (let after = 0; found.length < 10;) {
        const page = await eventsOfIdentifier(log, store, consumers, {
          kind: 'anonymousId',
          value: 'anon',
          after,
          limit,
        });
        found.push(page.events.map((e) => e.message.messageId));
        if (page.next === null) break;
        after = page.next;
      }
      return found;
    };
    const expected = spread.map((m) => m.messageId);
    // A later partition folded before an earlier one: indexed events come after unindexed ones.
    for (const userId of [null, 'u2', 'u1', 'u3', 'anon']) {
      if (userId !== null) await fold(partitionOf({ userId, anonymousId: null }));
      expect((await pages(2)).flat(), `after folding ${String(userId)}`).toEqual(expected);
      expect((await pages(4))[0]).toEqual(expected.slice(0, 4));
    }
    const indexed = await store.eventsByIdentifier(consumers, {
      kind: 'anonymousId',
      value: 'anon',
      after: 0,
      limit: 10,
    });
    expect(indexed.positions).toHaveLength(6); // everything folded: all from the index
  });
});

describe('a folder whose log kept its own identifier indexes', () => {
  it('moves them to the pipeline: every logged event indexed, the log indexes dropped, answers unchanged', async () => {
    log = new SqliteEventLog(join(dir, 'log.sqlite'));
    await log.append(MESSAGES);
    await log.close();
    const old = new Database(join(dir, 'log.sqlite'));
    old.exec(`CREATE INDEX events_by_user ON events (user_id, position) WHERE user_id IS NOT NULL;
      CREATE INDEX events_by_anonymous ON events (anonymous_id, position) WHERE anonymous_id IS NOT NULL;`);
    old.close();

    moveIdentifierIndex({ log: join(dir, 'log.sqlite'), state: join(dir, 'state.sqlite') });
    moveIdentifierIndex({ log: join(dir, 'log.sqlite'), state: join(dir, 'state.sqlite') }); // a second start: nothing to do

    const check = new Database(join(dir, 'log.sqlite'));
    expect(
      check
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'events_by_%'")
        .all(),
    ).toEqual([]);
    check.close();
    const state = new Database(join(dir, 'state.sqlite'));
    expect(state.prepare('SELECT count(*) AS n FROM event_identifiers').get()).toEqual({ n: 10 });
    state.close();

    log = new SqliteEventLog(join(dir, 'log.sqlite'));
    store = openSqliteProfileStore(join(dir, 'state.sqlite'));
    await foldTo(8); // the folder's pipeline had folded everything
    expect(
      (
        await store.eventsByIdentifier([PROFILES_CONSUMER], {
          kind: 'userId',
          value: 'u1',
          after: 0,
          limit: 10,
        })
      ).positions,
    ).toEqual([1, 3, 5, 6, 8]);
    expect((await allPages('anonymousId', 'a1', 10)).flat()).toEqual(['m-3', 'm-6']);
  });
});
