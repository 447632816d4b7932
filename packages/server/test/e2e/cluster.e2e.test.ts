import { afterEach, describe, expect, it } from 'vitest';
import { cleanupClusters, profileOf, send, startCluster, until } from './support/cluster.js';
import { ADMIN_AUTH, readAllEvents, type SpawnedTailor } from './support/spawn-tailor.js';

afterEach(async () => {
  await cleanupClusters();
});

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
