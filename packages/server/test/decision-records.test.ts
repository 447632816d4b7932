import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decisionEventsOf,
  decisionRecord,
  type Decision,
  type DecisionRecord,
  type StoredMessage,
} from '@tailor/core';
import type { EventLog } from '../src/log/event-log.js';
import { SqliteEventLog } from '../src/log/sqlite/sqlite-event-log.js';
import Database from 'better-sqlite3';
import { runJob } from '../src/jobs/job.js';
import { addKey, newKeyring, onlyCurrent } from '../src/privacy/keyring.js';
import { ResealJob } from '../src/privacy/rotate-keys.js';
import { openSqliteProfileStore } from '../src/store/sqlite/sqlite-profile-store.js';
import { createAesSealer, plainSealer, type Sealer } from '../src/privacy/sealer.js';

const dirs: string[] = [];
const logs: EventLog[] = [];
afterEach(async () => {
  for (const log of logs.splice(0)) await log.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open(sealer: Sealer, file?: string): { log: SqliteEventLog; file: string } {
  const at =
    file ??
    join(dirs[dirs.push(mkdtempSync(join(tmpdir(), 'tailor-records-'))) - 1] ?? '', 'log.sqlite');
  const log = new SqliteEventLog(at, sealer);
  logs.push(log);
  return { log, file: at };
}

const T0 = Date.UTC(2026, 0, 1, 12);

function track(i: number, who: string, at: number): StoredMessage {
  const iso = new Date(at).toISOString();
  return {
    type: 'track',
    messageId: `m-${String(i)}`,
    event: 'Viewed',
    userId: who,
    anonymousId: null,
    timestamp: iso,
    receivedAt: iso,
    properties: { i },
    context: {},
    tailor: { source: 'key:test' },
  };
}

function decision(
  placement: string,
  itemId: string | null,
  extra: Partial<Decision> = {},
): Decision {
  return {
    placement,
    itemId,
    content: 'x',
    fallback: false,
    reasons: [`${placement} won`],
    ...extra,
  };
}

/** Requests of one to four decisions, some with experiments, a holdout, recommendations, an unserved one. */
function record(i: number, who: string, at: number): DecisionRecord {
  const decisions = [
    decision(
      'hero',
      `h${String(i)}`,
      i % 3 === 0 ? { experiment: { name: 'e', variant: 'b' } } : {},
    ),
    decision('side', i % 2 === 0 ? null : 's'),
    decision('footer', 'f', i % 5 === 0 ? { holdout: true, fallback: true, reasons: [] } : {}),
    decision('cart', 'c'),
  ].slice(0, 1 + (i % 4));
  const made = decisionRecord({ userId: who }, decisions, at, [{ similar: ['p1', 'p2'] }]);
  if (made === undefined) throw new Error('nothing served');
  return made;
}

/**
 * The same history twice: in `compact`, messages through one connection and decide requests'
 * records through a second (as `tailor serve` records them); in `full`, each of the events the
 * compact log reads back as a row of its own. Every read must agree.
 */
async function twoLogs(sealer: Sealer) {
  const compact = open(sealer);
  const records = open(sealer, compact.file).log;
  const people = ['u1', 'u2', 'u3'];
  for (let i = 0; i < 40; i++) {
    const who = people[i % 3] ?? 'u1';
    const at = T0 + i * 1000;
    // Both connections commit in the same turn, each its own transaction.
    await Promise.all([
      i % 4 === 1 ? compact.log.append([track(i, who, at)]) : Promise.resolve([]),
      records.appendDecisions(record(i, who, at)),
    ]);
  }
  const all = await compact.log.read(0, 1000);
  const full = open(sealer).log;
  for (const e of all) await full.append([e.message]);
  return { compact: compact.log, full, all };
}

describe('decide records read as Decision Made events', () => {
  it('are the events decide recorded one by one, field for field', () => {
    const made = decisionRecord(
      { userId: 'u1' },
      [
        decision('hero', 'a', {
          experiment: { name: 'hero-test', variant: 'b', factors: { f: 'x' } },
        }),
        decision('side', null),
        decision('footer', 'd', { holdout: true, fallback: true, reasons: ['holdout'] }),
      ],
      T0,
      [{ similar: ['p1'] }, undefined, undefined],
    );
    expect(made).toBeDefined();
    const events = decisionEventsOf(made as DecisionRecord, '0194a2f0-5c00-7abc-8def-0123456789fe');
    // What decide appended per served decision before its records were compact.
    const old = {
      type: 'track',
      event: 'Decision Made',
      userId: 'u1',
      anonymousId: null,
      timestamp: '2026-01-01T12:00:00.000Z',
      receivedAt: '2026-01-01T12:00:00.000Z',
      context: {},
      tailor: { source: 'decide' },
    };
    expect(JSON.parse(JSON.stringify(events))).toEqual([
      {
        ...old,
        messageId: '0194a2f0-5c00-7abc-8def-0123456789fe',
        properties: {
          placement: 'hero',
          itemId: 'a',
          fallback: false,
          reason: 'hero won',
          experiment: 'hero-test',
          variant: 'b',
          recommendations: { similar: ['p1'] },
        },
      },
      {
        ...old,
        messageId: '0194a2f0-5c00-7abc-8def-0123456789ff',
        properties: {
          placement: 'footer',
          itemId: 'd',
          fallback: true,
          reason: 'holdout',
          holdout: true,
        },
      },
    ]);
    // The order of the properties too (exports and the live page show them as they come).
    expect(Object.keys(events[0]?.properties ?? {})).toEqual([
      'placement',
      'itemId',
      'fallback',
      'reason',
      'experiment',
      'variant',
      'recommendations',
    ]);
    expect(decisionRecord({ userId: 'u1' }, [decision('side', null)], T0)).toBeUndefined();
  });

  for (const [name, sealer] of [
    ['plain', plainSealer],
    ['sealed', createAesSealer(newKeyring())],
  ] as const) {
    it(`give every read of the log what rows of their own would (${name})`, async () => {
      const { compact, full, all } = await twoLogs(sealer);
      // Positions one per event, in order, from 1: the records left theirs free.
      expect(all.map((e) => e.position)).toEqual(all.map((_, i) => i + 1));
      expect(all.filter((e) => e.message.event === 'Decision Made').length).toBeGreaterThan(40);
      expect(new Set(all.map((e) => e.message.messageId)).size).toBe(all.length);
      const last = all.length;
      expect(await compact.stats()).toMatchObject({ lastPosition: last });

      // The pipeline's reads, from every position, in batches that end inside records.
      for (const limit of [1, 2, 3, 7])
        for (let p = 0; p <= last; p += 1)
          expect(await compact.read(p, limit)).toEqual(await full.read(p, limit));
      for (let p = 0; p <= last; p += 5)
        expect(await compact.read(p, 4, [3, 17, 40])).toEqual(await full.read(p, 4, [3, 17, 40]));
      // The live page's cursors, backwards.
      for (const limit of [1, 3, 10]) {
        expect(await compact.readBefore(undefined, limit)).toEqual(
          await full.readBefore(undefined, limit),
        );
        for (let p = 1; p <= last + 1; p++)
          expect(await compact.readBefore(p, limit)).toEqual(await full.readBefore(p, limit));
      }
      // The identifier index's positions, single events of a record among them.
      const some = [1, 2, 5, 6, 7, 20, 33, last, last + 5];
      expect(await compact.readPositions(some)).toEqual(await full.readPositions(some));
      // One person's events by scanning, paged, past what an index holds.
      for (const indexedTo of [undefined, Array.from({ length: 64 }, (_, i) => (i * 7) % last)])
        for (const after of [0, 4, 9]) {
          const query = { kind: 'userId' as const, value: 'u2', after, limit: 3, indexedTo };
          expect(await compact.scanByIdentifier(query)).toEqual(await full.scanByIdentifier(query));
        }
      // The followers' named reads, in ranges that start and end inside records.
      for (const names of [['Decision Made'], ['Viewed'], ['Viewed', 'Decision Made']])
        for (const chunk of [1, 2, 3, 7])
          for (let p = 0; p <= last; p += 1) {
            const query = { names, after: p, upTo: last - 1, chunk };
            expect(await compact.readNamed(query)).toEqual(await full.readNamed(query));
          }
      const swept = [];
      for (let p = 0; p < last;) {
        const step = await compact.readNamed({
          names: ['Decision Made'],
          after: p,
          upTo: last,
          chunk: 3,
        });
        swept.push(...step.events);
        p = step.next;
      }
      expect(swept).toEqual(all.filter((e) => e.message.event === 'Decision Made'));
      for (const upTo of [0, 3, 10, last])
        expect(await compact.behind(() => upTo)).toEqual(await full.behind(() => upTo));
      const behind = (p: number) => (p * 5) % last;
      expect(await compact.behind(behind)).toEqual(await full.behind(behind));
    });
  }

  it('are erased whole and pruned by their time, the count of events kept', async () => {
    const sealer = createAesSealer(newKeyring());
    const { compact, full, all } = await twoLogs(sealer);
    // A person's erasure: every position of theirs (the identifier index gives them all).
    const u2 = all.filter((e) => e.message.userId === 'u2').map((e) => e.position);
    // (Each connection counts the events it appended, and what it removes, from the count at open.)
    const counted = (await compact.stats()).events;
    await compact.erase(u2);
    await full.erase(u2);
    expect(await compact.read(0, 1000)).toEqual(await full.read(0, 1000));
    expect((await compact.stats()).events).toBe(counted - u2.length);
    // A position in a gap left by the erasure touches nothing after it.
    const left = (await compact.stats()).events;
    await compact.erase([Math.max(...u2)]);
    expect((await compact.stats()).events).toBe(left);

    const query = {
      event: 'Decision Made',
      receivedBefore: T0 + 20_000,
      after: 0,
      upTo: all.length,
      chunk: 1000,
    };
    const pruned = await compact.prune(query);
    expect(pruned).toEqual(await full.prune(query));
    expect(pruned.deleted).toBeGreaterThan(0);
    const kept = await compact.read(0, 1000);
    expect(kept).toEqual(await full.read(0, 1000));
    expect(
      kept.some(
        (e) => e.message.event === 'Viewed' && Date.parse(e.message.receivedAt) < T0 + 20_000,
      ),
    ).toBe(true);
    expect((await compact.stats()).events).toBe(counted - u2.length - pruned.deleted);
    expect(kept.length).toBe(all.length - u2.length - pruned.deleted);
  });

  it('count their events when the log is opened again', async () => {
    const sealer = createAesSealer(newKeyring());
    const { compact, all } = await twoLogs(sealer);
    await compact.close();
    logs.splice(logs.indexOf(compact), 1);
    const file = (compact as unknown as { file: string }).file;
    const again = open(sealer, file).log;
    expect((await again.stats()).events).toBe(all.length);
    expect(await again.read(0, 1000)).toEqual(all);
  });

  it('are resealed by a key rotation and indexed by person under the new blinds, each of their events', async () => {
    const keyring = newKeyring();
    const { compact, all } = await twoLogs(createAesSealer(keyring));
    const file = (compact as unknown as { file: string }).file;
    await compact.close();
    logs.splice(logs.indexOf(compact), 1);
    const rotated = addKey(keyring, true);
    const state = join(file, '..', 'state.sqlite');
    await openSqliteProfileStore(state, {}, createAesSealer(keyring)).close(); // the folder's state file
    const job = ResealJob.open({ log: file, state }, createAesSealer(rotated));
    try {
      await runJob(job, () => undefined);
    } finally {
      job.close();
    }
    const sealer = createAesSealer(onlyCurrent(rotated));
    const again = open(sealer, file).log;
    expect(await again.read(0, 1000)).toEqual(all);
    const db = new Database(state, { readonly: true });
    const indexed = db
      .prepare(
        'SELECT position FROM event_identifiers WHERE kind = 0 AND blind = ? ORDER BY position',
      )
      .pluck()
      .all(sealer.blind('userId', 'u3'));
    db.close();
    expect(indexed).toEqual(all.filter((e) => e.message.userId === 'u3').map((e) => e.position));
  });
});
