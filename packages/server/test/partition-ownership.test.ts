import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { assignPartitions } from '../src/scale-out/assign-partitions.js';
import { CLUSTER_MIGRATIONS } from '../src/scale-out/cluster-tables.js';
import { PartitionOwnership } from '../src/scale-out/partition-ownership.js';
import { migratePostgres } from '../src/storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../src/storage/postgres/pg-database.js';
import { openTestDatabase } from './support/postgres.js';

const PARTITIONS = 16;

describe('assignPartitions', () => {
  const nodes = ['node-a', 'node-b', 'node-c'];

  it('gives every partition to exactly one node, evenly, the same on every node', () => {
    const owners = assignPartitions(nodes, PARTITIONS);
    const all = [...owners.values()].flat().sort((a, b) => a - b);
    expect(all).toEqual([...Array(PARTITIONS).keys()]);
    const counts = [...owners.values()].map((owned) => owned.length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(assignPartitions([...nodes].reverse(), PARTITIONS)).toEqual(owners);
  });

  it("moves a joining node its share and a leaving node's partitions, and few others for balance", () => {
    const before = assignPartitions(nodes, 64);
    const joined = assignPartitions([...nodes, 'node-d'], 64);
    const ownerOf = (owners: Map<string, number[]>): Map<number, string> =>
      new Map([...owners].flatMap(([node, owned]) => owned.map((p) => [p, node] as const)));
    const [a, b] = [ownerOf(before), ownerOf(joined)];
    const moved = [...a].filter(([p, node]) => b.get(p) !== node);
    const share = joined.get('node-d')?.length ?? 0;
    expect(share).toBe(16);
    // node-d's share, and a few moved among the others to keep the shares even.
    expect(moved.filter(([p]) => b.get(p) === 'node-d')).toHaveLength(share);
    expect(moved.length).toBeLessThanOrEqual(share * 1.25);
    const left = ownerOf(assignPartitions(['node-a', 'node-b'], 64));
    const movedOnLeave = [...a].filter(([p, node]) => left.get(p) !== node);
    const ofC = before.get('node-c')?.length ?? 0;
    expect(movedOnLeave.filter(([, node]) => node === 'node-c')).toHaveLength(ofC);
    expect(movedOnLeave.length).toBeLessThanOrEqual(ofC * 1.25);
  });
});

describe('PartitionOwnership on PostgreSQL', () => {
  let db: PgDatabase | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  const TTL_MS = 400;

  function node(database: PgDatabase, name: string, log: string[]): PartitionOwnership {
    return new PartitionOwnership({
      db: database,
      node: name,
      partitions: PARTITIONS,
      heartbeatMs: 100,
      ttlMs: TTL_MS,
      onAcquired: (p) => log.push(`${name} +${String(p)}`),
      onReleased: (p) => {
        log.push(`${name} -${String(p)}`);
        return Promise.resolve();
      },
      onError: (error) => {
        throw error;
      },
    });
  }

  async function leaseOwners(database: PgDatabase): Promise<Map<number, string | null>> {
    const { rows } = await database.query<{ name: string; owner: string | null }>(
      'SELECT name, owner FROM leases WHERE expires_at > now() OR owner IS NULL',
    );
    return new Map(rows.map((row) => [Number(row.name.split('/')[1]), row.owner]));
  }

  it('is ready once its first round is done: a lone node then holds every partition', async () => {
    db = await openTestDatabase();
    await migratePostgres(db, 'cluster', CLUSTER_MIGRATIONS);
    const log: string[] = [];
    const alone = node(db, 'node-alone', log);
    expect(alone.owned()).toEqual([]);
    alone.start();
    await alone.firstRound;
    expect(alone.owned()).toEqual([...Array(PARTITIONS).keys()]);
    await alone.stop();
  });

  it('shares the partitions among live nodes, takes over a killed one within its ttl, and hands over at a clean stop', async () => {
    db = await openTestDatabase();
    await migratePostgres(db, 'cluster', CLUSTER_MIGRATIONS);
    const log: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => node(db as PgDatabase, name, log)) as [
      PartitionOwnership,
      PartitionOwnership,
      PartitionOwnership,
    ];
    const round = async (nodes: PartitionOwnership[]): Promise<void> => {
      for (const n of nodes) await n.tick();
    };
    // The first rounds: each node sees the others arrive and gives back what is no longer its share.
    for (let i = 0; i < 3; i++) await round([a, b, c]);
    const owned = [a.owned(), b.owned(), c.owned()];
    expect(owned.flat().sort((x, y) => x - y)).toEqual([...Array(PARTITIONS).keys()]);
    expect(owned.map((o) => o.length).sort()).toEqual([5, 5, 6]);
    const owners = await leaseOwners(db);
    for (const [name, n] of [
      ['a', a],
      ['b', b],
      ['c', c],
    ] as const) {
      for (const p of n.owned()) expect(owners.get(p)).toBe(name);
    }

    // c is killed: it stops its heartbeat and renewals. Within its ttl, a and b hold everything,
    // each of c's partitions taken once.
    const ofC = c.owned();
    const crashedAt = log.length;
    const until = Date.now() + TTL_MS + 200; // a and b keep their heartbeat meanwhile
    while (Date.now() < until) {
      await round([a, b]);
      await sleep(50);
    }
    expect([...a.owned(), ...b.owned()].sort((x, y) => x - y)).toEqual([
      ...Array(PARTITIONS).keys(),
    ]);
    const takenOver = log.slice(crashedAt);
    for (const p of ofC) {
      const by = takenOver.filter(
        (line) => line === `a +${String(p)}` || line === `b +${String(p)}`,
      );
      expect(by).toHaveLength(1);
    }

    // b stops cleanly: its leases are released at once, and a takes them on its next round.
    await b.stop();
    await round([a]);
    expect(a.owned()).toEqual([...Array(PARTITIONS).keys()]);
    await a.stop();
    const { rows } = await db.query('SELECT node FROM cluster_nodes ORDER BY node');
    expect(rows).toEqual([{ node: 'c' }]); // the killed node stays listed, silent, until it comes back
  });

  it('a node that lost its lease while paused stops folding the partition', async () => {
    db = await openTestDatabase();
    await migratePostgres(db, 'cluster', CLUSTER_MIGRATIONS);
    const log: string[] = [];
    const a = node(db, 'a', log);
    await a.tick();
    expect(a.owned()).toHaveLength(PARTITIONS);
    // Another process takes partition 3 after a's lease on it expired (a was paused).
    await db.query(
      "UPDATE leases SET owner = 'z', expires_at = now() + interval '1 minute', epoch = epoch + 1 WHERE name = 'fold/3'",
    );
    await a.tick();
    expect(a.owned()).not.toContain(3);
    expect(log).toContain('a -3');
  });
});
