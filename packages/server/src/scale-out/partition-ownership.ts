import type { PgDatabase } from '../storage/postgres/pg-database.js';
import { assignPartitions } from './assign-partitions.js';
import { Leases } from './leases.js';

export interface PartitionOwnershipOptions {
  db: PgDatabase;
  /** This process's name in the installation, unique among live nodes. */
  node: string;
  partitions: number;
  /** How often a node says it is alive and re-balances (ms). */
  heartbeatMs: number;
  /** A node silent this long is dead; its leases expire this long after its last renewal (ms). */
  ttlMs: number;
  /** This node now holds the partition: start folding it. */
  onAcquired: (partition: number) => void;
  /** This node no longer holds the partition: stop folding it (resolve once its current batch ended). */
  onReleased: (partition: number) => Promise<void>;
  onError: (error: unknown) => void;
}

/** The lease name of a partition's folding. */
export const partitionLease = (partition: number): string => `fold/${String(partition)}`;

/**
 * Keeps this node's share of the partitions. Every heartbeat it records itself alive, reads
 * which nodes are (heartbeat within the ttl), computes the same rendezvous assignment as every
 * other node, gives back what it should no longer hold (after its loop stopped), renews what it
 * keeps and takes what it should hold once free. A node killed with -9 is out of the live list
 * after the ttl and its leases have expired by then, so its partitions move within ttl + one
 * heartbeat; a node that stops cleanly releases its leases at once.
 */
export class PartitionOwnership {
  private readonly leases: Leases;
  private held = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;
  private roundDone: () => void = () => undefined;
  /** Resolves once a round has completed: the node holds its share (or knows others hold it). */
  readonly firstRound = new Promise<void>((resolve) => {
    this.roundDone = resolve;
  });

  constructor(private readonly options: PartitionOwnershipOptions) {
    this.leases = new Leases(options.db, options.node, options.ttlMs);
  }

  start(): void {
    const tick = (): void => {
      this.ticking = this.ticking
        .then(() => this.tick())
        .then(() => {
          this.roundDone();
        })
        .catch(this.options.onError);
    };
    tick();
    this.timer = setInterval(tick, this.options.heartbeatMs);
    this.timer.unref();
  }

  /** The partitions this node holds now, in order. */
  owned(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  /** One round: heartbeat, re-balance, renew, acquire. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const { db, node, partitions, ttlMs } = this.options;
    await db.query(
      `INSERT INTO cluster_nodes (node) VALUES ($1)
       ON CONFLICT (node) DO UPDATE SET heartbeat_at = now()`,
      [node],
    );
    const { rows } = await db.query<{ node: string }>(
      `SELECT node FROM cluster_nodes WHERE heartbeat_at > now() - $1 * interval '1 millisecond' ORDER BY node`,
      [ttlMs],
    );
    const live = rows.map((row) => row.node);
    if (!live.includes(node)) live.push(node); // our own heartbeat, even on a slow round trip
    const wanted = new Set(assignPartitions(live, partitions).get(node) ?? []);
    // Give back first (its loop stopped), so the node that should have it can take it next round.
    const giveBack = [...this.held].filter((p) => !wanted.has(p));
    for (const partition of giveBack) await this.drop(partition);
    await this.leases.release(giveBack.map(partitionLease));
    const keep = [...this.held];
    const renewed = new Set(await this.leases.renew(keep.map(partitionLease)));
    for (const partition of keep) {
      if (!renewed.has(partitionLease(partition))) await this.drop(partition); // lost it meanwhile
    }
    // (A stop waits for this round before it releases what is held, acquisitions included.)
    const missing = [...wanted].filter((p) => !this.held.has(p));
    const taken = new Set(await this.leases.acquire(missing.map(partitionLease)));
    for (const partition of missing) {
      if (!taken.has(partitionLease(partition))) continue;
      this.held.add(partition);
      this.options.onAcquired(partition);
    }
  }

  /** Stops folding everything, releases the leases and leaves the list of live nodes. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    const held = [...this.held];
    for (const partition of held) await this.drop(partition);
    await this.leases.release(held.map(partitionLease));
    await this.options.db.query('DELETE FROM cluster_nodes WHERE node = $1', [this.options.node]);
  }

  private async drop(partition: number): Promise<void> {
    this.held.delete(partition);
    await this.options.onReleased(partition);
  }
}
