import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupTailors,
  postCollect,
  spawnTailor,
  startLoad,
  type Message,
} from './support/spawn-tailor.js';

afterEach(cleanupTailors);

interface LogFacts {
  rows: number;
  distinct: number;
  integrity: string;
  ids: Set<string>;
}

/** Reads the event log file directly, read-only, beside a running server (WAL lets them share it). */
function readLog(dir: string): LogFacts {
  const db = new Database(join(dir, 'log.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const counts = db
      .prepare('SELECT count(*) AS rows, count(DISTINCT message_id) AS distinct_ids FROM events')
      .get() as {
      rows: number;
      distinct_ids: number;
    };
    const integrity = db.prepare('PRAGMA integrity_check').pluck().get() as string;
    const ids = new Set(db.prepare('SELECT message_id FROM events').pluck().all() as string[]);
    return { rows: counts.rows, distinct: counts.distinct_ids, integrity, ids };
  } finally {
    db.close();
  }
}

/** Sends the batches again, `concurrency` at a time; returns the summed response counts. */
async function resend(
  url: string,
  batches: Message[][],
  concurrency: number,
): Promise<{ stored: number; duplicates: number; rejected: number }> {
  const total = { stored: 0, duplicates: 0, rejected: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const response = await postCollect(url, '/v1/batch', { batch });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        stored: number;
        duplicates: number;
        rejected: unknown[];
      };
      total.stored += body.stored;
      total.duplicates += body.duplicates;
      total.rejected += body.rejected.length;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return total;
}

describe('tailor serve killed with SIGKILL under load', () => {
  it(
    'keeps every acknowledged message exactly once, and takes re-sends as duplicates',
    { timeout: 60_000 },
    async () => {
      const acknowledged: Message[][] = [];
      let dir: string | undefined;
      for (let round = 1; round <= 2; round++) {
        const server = await spawnTailor(dir === undefined ? {} : { dir });
        dir = server.dir;
        const load = startLoad(server.url, {
          concurrency: 8,
          batchSize: 20,
          label: `crash-${round}`,
        });
        await sleep(1_500);
        // No shutdown: the process dies mid-request, with commits and responses in flight.
        expect(await server.stop('SIGKILL')).toBeNull();
        expect((await server.exited).signal).toBe('SIGKILL');
        const result = await load.done;
        // The load really ran, and the kill really cut requests off.
        expect(result.acknowledged.length).toBeGreaterThan(10);
        expect(result.failed).toBeGreaterThan(0);
        acknowledged.push(...result.acknowledged);

        const restarted = await spawnTailor({ dir });
        const ackedIds = acknowledged.flat().map((m) => m.messageId);
        expect(new Set(ackedIds).size).toBe(ackedIds.length);

        const before = readLog(dir);
        expect(before.integrity).toBe('ok');
        expect(before.rows).toBe(before.distinct);
        const missing = ackedIds.filter((id) => !before.ids.has(id));
        expect(missing, `round ${round}: acknowledged but lost`).toEqual([]);
        // Requests cut off by the kill may or may not have been committed; nothing else is there.
        expect(before.rows).toBeGreaterThanOrEqual(ackedIds.length);
        expect(before.rows).toBeLessThanOrEqual(ackedIds.length + 8 * 20 * round);

        // Clients retry what they were not sure of; for acknowledged batches that must change nothing.
        const again = await resend(restarted.url, acknowledged, 4);
        expect(again).toEqual({ stored: 0, duplicates: ackedIds.length, rejected: 0 });

        expect(await restarted.stop('SIGTERM')).toBe(0);
        const after = readLog(dir);
        expect(after.integrity).toBe('ok');
        expect(after.rows).toBe(before.rows);
        expect(after.distinct).toBe(after.rows);
      }
    },
  );
});
