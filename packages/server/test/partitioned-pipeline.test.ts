import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IDENTITY_RULES, type StoredMessage } from '@tailor/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partitionOf, PARTITIONS } from '../src/log/event-log.js';
import { SqliteEventLog } from '../src/log/sqlite/sqlite-event-log.js';
import { partitionConsumer, ProfilePipeline } from '../src/pipeline/profile-pipeline.js';
import type { ProfileStore } from '../src/store/profile-store.js';
import { openSqliteProfileStore } from '../src/store/sqlite/sqlite-profile-store.js';
import { message } from './support/profile-streams.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-partitions-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * People browsing anonymously on two devices each, then logging in on them: their anonymous
 * events are in their devices' partitions, their logins in their userId's, so each person's
 * profile is made of events folded by different partitions' pipelines.
 */
function people(count: number): StoredMessage[] {
  const out: StoredMessage[] = [];
  for (let round = 0; round < 3; round++) {
    for (let p = 0; p < count; p++) {
      for (const d of [0, 1]) {
        const anonymousId = `anon-${String(p)}-${String(d)}`;
        out.push(message({ type: 'track', anonymousId, event: 'Viewed', properties: { round } }));
        if (round === 1 + d) {
          out.push(
            message({
              type: 'identify',
              userId: `user-${String(p)}`,
              anonymousId,
              traits: { plan: `plan-${String(round)}` },
            }),
          );
        }
      }
    }
  }
  return out;
}

/** Who is one person: each profile's identifiers and its events' messageIds, sorted. */
async function persons(store: ProfileStore, log: SqliteEventLog, count: number) {
  const out: string[] = [];
  for (let p = 0; p < count; p++) {
    const profile = await store.byIdentifier({ type: 'userId', value: `user-${String(p)}` });
    if (profile === undefined) throw new Error(`no profile for user-${String(p)}`);
    const ids = (await store.identifiers(profile.id)).map((i) => `${i.type}:${i.value}`).sort();
    const { positions } = await store.eventPositions(profile.id, 0, 100_000);
    const events = (await log.readPositions(positions)).map((e) => e.message.messageId).sort();
    out.push(JSON.stringify({ ids, events, plan: profile.traits.plan?.value }));
  }
  return out;
}

describe('ProfilePipeline over partitions', () => {
  it('pipelines each folding some partitions build the same people as one pipeline over all', async () => {
    const count = 30;
    const messages = people(count);
    const partitionsUsed = new Set(messages.map((m) => partitionOf(m)));
    expect(partitionsUsed.size).toBeGreaterThan(10);

    const log = new SqliteEventLog(join(dir, 'log.sqlite'));
    await log.append(messages);
    const whole = openSqliteProfileStore(join(dir, 'whole.sqlite'));
    const single = new ProfilePipeline({
      log,
      store: whole,
      rules: DEFAULT_IDENTITY_RULES,
      policy: { sourcePriority: [] },
    });
    await single.catchUp();

    // Three "nodes", each holding a third of the partitions, folding at once into one store.
    const split = openSqliteProfileStore(join(dir, 'split.sqlite'));
    const shares = [0, 1, 2].map((n) =>
      Array.from({ length: PARTITIONS }, (_, p) => p).filter((p) => p % 3 === n),
    );
    const pipelines = shares.flatMap((share) =>
      share.map(
        (partition) =>
          new ProfilePipeline({
            log,
            store: split,
            rules: DEFAULT_IDENTITY_RULES,
            policy: { sourcePriority: [] },
            consumer: partitionConsumer(partition),
            partitions: [partition],
            work: { fold: true, upkeep: false },
            batchSize: 7,
          }),
      ),
    );
    await Promise.all(pipelines.map((p) => p.catchUp()));

    expect(await persons(split, log, count)).toEqual(await persons(whole, log, count));
    expect((await split.stats()).profiles).toBe(count); // live profiles: one per person
    expect((await split.stats()).identifiers).toBe((await whole.stats()).identifiers);
    // Each partition's consumer stands at its own last event.
    for (const partition of partitionsUsed) {
      const last = (await log.read(0, 100_000, [partition])).at(-1)?.position;
      expect(await split.position(partitionConsumer(partition))).toBe(last);
    }
    await log.close();
    await whole.close();
    await split.close();
  });
});
