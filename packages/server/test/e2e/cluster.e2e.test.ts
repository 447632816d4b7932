import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freshNatsPrefix, TEST_NATS_URL } from '../support/nats.js';
import { freshSchemaName, testPostgresUrl } from '../support/postgres.js';
import {
  ADMIN_AUTH,
  cleanupTailors,
  readAllEvents,
  spawnTailor,
  WRITE_AUTH,
  type SpawnedTailor,
} from './support/spawn-tailor.js';

const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));

let keysDir: string | undefined;
afterEach(async () => {
  await cleanupTailors();
  if (keysDir !== undefined) rmSync(keysDir, { recursive: true, force: true });
});

/** Three `tailor serve` nodes of one installation on the machine's PostgreSQL and NATS. */
async function startCluster(size: number): Promise<SpawnedTailor[]> {
  keysDir = mkdtempSync(join(tmpdir(), 'tailor-cluster-keys-'));
  const keyFile = join(keysDir, 'tailor.keys');
  execFileSync(process.execPath, [CLI, 'keys', 'init', keyFile]);
  const env = {
    TAILOR_POSTGRES_URL: testPostgresUrl(),
    TAILOR_POSTGRES_SCHEMA: freshSchemaName(),
    TAILOR_NATS_URL: TEST_NATS_URL,
    TAILOR_NATS_PREFIX: freshNatsPrefix(),
    TAILOR_ENCRYPTION_KEY_FILE: keyFile,
  };
  const nodes: SpawnedTailor[] = [];
  // One after the other: the first creates the schema, the stream and the tables.
  for (let i = 0; i < size; i++) nodes.push(await spawnTailor({ env, startTimeoutMs: 40_000 }));
  return nodes;
}

async function send(node: SpawnedTailor, batch: Record<string, unknown>[]): Promise<number> {
  const response = await fetch(`${node.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: WRITE_AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ batch }),
  });
  return response.status;
}

async function profileOf(
  node: SpawnedTailor,
  userId: string,
): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${node.url}/v1/profiles?identifier=userId:${userId}`, {
    headers: { authorization: ADMIN_AUTH },
  });
  return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
}

async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('three nodes on PostgreSQL and NATS JetStream', () => {
  it('any node collects, every node reads it; a node killed with -9 loses nothing acknowledged and stores nothing twice', async () => {
    const nodes = await startCluster(3);
    const [a, b, c] = nodes as [SpawnedTailor, SpawnedTailor, SpawnedTailor];

    // Collected on one node, folded by whichever holds the partition, read on another.
    expect(
      await send(a, [
        { type: 'identify', userId: 'ann', anonymousId: 'device-1', traits: { plan: 'pro' } },
        { type: 'track', anonymousId: 'device-1', event: 'Viewed' },
      ]),
    ).toBe(200);
    const ann = await until(async () => {
      const p = await profileOf(c, 'ann');
      return (p?.traits as { plan?: string } | undefined)?.plan === 'pro' ? p : undefined;
    }, "ann's profile on another node");
    expect(ann.identifiers).toEqual([
      { type: 'anonymousId', value: 'device-1' },
      { type: 'userId', value: 'ann' },
    ]);

    // Settings changed on one node hold on the others at once: a key made on a, a segment on c.
    const made = await fetch(`${a.url}/v1/keys/reader`, {
      method: 'PUT',
      headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'viewer' }),
    });
    expect(made.status).toBe(200);
    const { key } = (await made.json()) as { key: string };
    await until(async () => {
      const read = await fetch(`${b.url}/v1/profiles?identifier=userId:ann`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return read.status === 200 ? true : undefined;
    }, 'the new key to be known on node b');
    const defined = await fetch(`${c.url}/v1/segments/pros`, {
      method: 'PUT',
      headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ definition: 'traits.plan = "pro"' }),
    });
    expect(defined.status).toBeLessThan(300);
    expect(await send(b, [{ type: 'identify', userId: 'bob', traits: { plan: 'pro' } }])).toBe(200);
    await until(async () => {
      const p = await profileOf(a, 'bob');
      return (p?.segments as string[] | undefined)?.includes('pros') === true ? true : undefined;
    }, 'bob in the segment defined on another node');

    // Load from a client that, like a load balancer, retries a failed request on another node
    // with the same messageIds. Node b is killed with -9 in the middle of it.
    const acknowledged = new Set<string>();
    const users = 40;
    let killedAt = 0;
    for (let round = 0; round < 30; round++) {
      if (round === 10) {
        await b.stop('SIGKILL');
        killedAt = Date.now();
      }
      const batch = Array.from({ length: users }, (_, u) => ({
        type: 'track',
        userId: `user-${String(u)}`,
        event: 'Viewed',
        messageId: `m-${String(round)}-${String(u)}`,
      }));
      for (let attempt = 0; ; attempt++) {
        const node = nodes[(round + attempt) % 3] as SpawnedTailor;
        const status = await send(node, batch).catch(() => 0);
        if (status === 200) break;
        if (attempt > 6) throw new Error(`round ${String(round)} was never acknowledged`);
      }
      for (const m of batch) acknowledged.add(m.messageId);
    }
    // Every acknowledged event is in the log once, and folded once into its person's profile,
    // the dead node's partitions included (taken over by the survivors).
    for (let u = 0; u < users; u++) {
      const userId = `user-${String(u)}`;
      const events = await readAllEvents(a.url, { userId });
      const ids = events.map((e) => e.messageId as string);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(
        [...acknowledged].filter((id) => id.endsWith(`-${String(u)}`)).sort(),
      );
    }
    const folded = await until(
      async () => {
        for (let u = 0; u < users; u++) {
          const p = await profileOf(u % 2 === 0 ? a : c, `user-${String(u)}`);
          const id = p?.id as string | undefined;
          if (id === undefined) return undefined;
          const response = await fetch(`${a.url}/v1/profiles/${id}/events?limit=1000`, {
            headers: { authorization: ADMIN_AUTH },
          });
          const body = (await response.json()) as { events: unknown[] };
          if (body.events.length !== 30) return undefined;
        }
        return Date.now();
      },
      'every profile folded on the surviving nodes',
      60_000,
    );
    console.log(
      `all ${String(users * 30)} events folded ${String(folded - killedAt)} ms after node b was killed`,
    );
  }, 240_000);
});
