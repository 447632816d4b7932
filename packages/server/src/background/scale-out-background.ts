import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Dispatcher } from '../destinations/dispatcher.js';
import { ProfilePipeline, type PipelineOptions } from '../pipeline/profile-pipeline.js';
import { BackgroundLoop } from '../pipeline/background-loop.js';
import { Leases } from '../scale-out/leases.js';
import { PartitionOwnership } from '../scale-out/partition-ownership.js';
import type { PgDatabase } from '../storage/postgres/pg-database.js';
import type { Background } from './background.js';

export interface ScaleOutBackgroundOptions {
  db: PgDatabase;
  /** The log's partitions (fixed when its stream was made). */
  partitions: number;
  /** What every pipeline of this node is built from; consumer, partitions and work are set here. */
  pipeline: PipelineOptions;
  /** Makes the upkeep pipeline (sweeps, backfills, RFM cuts), run while this node holds the upkeep lease. */
  upkeep: () => ProfilePipeline;
  /** Work that follows the whole log, run with the upkeep (the bandits' counts); how much it did. */
  follow?: () => Promise<number>;
  /**
   * The journeys' follower and ticks, run with the upkeep on one node at a time, in a loop of
   * their own (polled every `journeysPollMs`), so a failure there holds up nothing else.
   */
  journeys?: () => Promise<number>;
  journeysPollMs?: number;
  /** Delivers on every node: deliveries are claimed one node at a time in PostgreSQL. */
  dispatcher: Dispatcher;
  heartbeatMs?: number;
  ttlMs?: number;
  onError: (message: string, error: unknown) => void;
}

const UPKEEP_LEASE = 'upkeep';
/** The upkeep's loops hear of new events at most this often (see `wake`). */
const UPKEEP_WAKE_MS = 100;
/**
 * A node's folds, once caught up, wait this long before reading again (`gatherMs`): a fold costs
 * five round trips to PostgreSQL and a pull per held partition whatever its size. Under 2,000
 * events/s on two cores, folds of about 12 events kept the cores 92-96 % busy; folds of about 30
 * (this wait) cost a fifth less node CPU per event and a quarter less PostgreSQL and NATS CPU, and
 * freshness p99 fell from 122-248 ms to 142-203 ms (bench/RESULTS.md).
 */
const GATHER_MS = 30;

/**
 * A node's share of the background work on PostgreSQL and JetStream: one pipeline folding the
 * partitions it holds together (`PartitionOwnership` moves them between live nodes), the upkeep
 * (and the followers of the whole log: bandits, journeys) on whichever node holds its lease, and
 * the dispatcher everywhere.
 */
export class ScaleOutBackground implements Background {
  readonly node = `${hostname()}-${String(process.pid)}-${randomBytes(3).toString('hex')}`;
  /** Folds the partitions this node holds, together (their set changes as leases move). */
  private readonly folding: ProfilePipeline;
  private readonly ownership: PartitionOwnership;
  private readonly leases: Leases;
  /** The upkeep and the follower while this node holds their lease (a stopped loop cannot start again). */
  private upkeep:
    | {
        pipeline: ProfilePipeline;
        follower: BackgroundLoop | undefined;
        journeys: BackgroundLoop | undefined;
      }
    | undefined;
  private upkeepTimer: NodeJS.Timeout | undefined;
  /** A wake of the upkeep's loops waiting for its turn, and when they were last woken. */
  private upkeepWake: NodeJS.Timeout | undefined;
  private upkeepWokenAt = 0;
  private started = false;

  constructor(private readonly options: ScaleOutBackgroundOptions) {
    const heartbeatMs = options.heartbeatMs ?? 1000;
    const ttlMs = options.ttlMs ?? 5000;
    this.ownership = new PartitionOwnership({
      db: options.db,
      node: this.node,
      partitions: options.partitions,
      heartbeatMs,
      ttlMs,
      onAcquired: () => {
        this.folding.wake();
      },
      // A fold under way for a partition just released commits only if its position is still
      // where the fold read it (no other node folded it meanwhile): nothing to wait for here.
      onReleased: () => Promise.resolve(),
      onError: (error) => {
        options.onError('partition leases failed; retrying', error);
      },
    });
    this.folding = new ProfilePipeline({
      ...options.pipeline,
      gatherMs: options.pipeline.gatherMs ?? GATHER_MS,
      held: () => this.ownership.owned(),
      work: { fold: true, upkeep: false },
      stages: [], // stages keep one position over the whole log: they follow it with the upkeep
    });
    this.leases = new Leases(options.db, this.node, ttlMs);
  }

  start(): void {
    this.started = true;
    this.ownership.start();
    this.folding.start();
    this.options.dispatcher.start();
    const renew = (): void => {
      this.renewUpkeep().catch((error: unknown) => {
        this.options.onError('the upkeep lease failed; retrying', error);
      });
    };
    renew();
    this.upkeepTimer = setInterval(renew, this.options.heartbeatMs ?? 1000);
    this.upkeepTimer.unref();
  }

  /** Once the first round of partition leases is done: the node folds its share from then on. */
  ready(): Promise<void> {
    return this.started
      ? this.ownership.firstRound
      : Promise.reject(new Error('the background work was not started'));
  }

  running(): boolean {
    return this.started;
  }

  /** The partitions this node folds now. */
  owned(): number[] {
    return this.ownership.owned();
  }

  /**
   * New events (here or on another node), or something else changed: the fold and the dispatcher
   * start at once; the upkeep's loops (sweeps and backfills, the bandits' and the journeys'
   * followers of the whole log) at most every UPKEEP_WAKE_MS. Under load every append on any node
   * wakes every node, a hundred times a second at 2,000 events/s, and each run of those loops
   * first asks PostgreSQL and the stream where things stand: woken that often they kept the node
   * holding the upkeep busy with questions, on the cores the folds need. A wake within the
   * interval is kept for its end, so none is lost.
   */
  wake(): void {
    this.folding.wake();
    this.options.dispatcher.wake();
    if (this.upkeepWake !== undefined) return;
    const wait = this.upkeepWokenAt + UPKEEP_WAKE_MS - Date.now();
    if (wait <= 0) {
      this.wakeUpkeep();
      return;
    }
    this.upkeepWake = setTimeout(() => {
      this.upkeepWake = undefined;
      this.wakeUpkeep();
    }, wait);
    this.upkeepWake.unref();
  }

  private wakeUpkeep(): void {
    this.upkeepWokenAt = Date.now();
    this.upkeep?.pipeline.wake();
    this.upkeep?.follower?.wake();
    this.upkeep?.journeys?.wake();
  }

  definitionsChanged(): void {
    this.options.dispatcher.destinationsChanged();
    this.wake();
  }

  suppressionsChanged(): void {
    this.wake();
  }

  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.upkeepTimer);
    clearTimeout(this.upkeepWake);
    this.upkeepWake = undefined;
    await this.folding.stop(); // its batch under way ends first; then the leases go at once
    await this.ownership.stop();
    await this.stopUpkeep();
    await this.leases.release([UPKEEP_LEASE]);
    await this.options.dispatcher.stop();
  }

  private async renewUpkeep(): Promise<void> {
    if (!this.started) return;
    const held =
      this.upkeep !== undefined
        ? (await this.leases.renew([UPKEEP_LEASE])).length > 0
        : (await this.leases.acquire([UPKEEP_LEASE])).length > 0;
    if (held && this.upkeep === undefined && this.running()) {
      const { follow, journeys, onError } = this.options;
      this.upkeep = {
        pipeline: this.options.upkeep(),
        follower:
          follow &&
          new BackgroundLoop(follow, {
            pollMs: 250,
            onError: (error) => {
              onError('following the log failed; retrying', error);
            },
          }),
        journeys:
          journeys &&
          new BackgroundLoop(journeys, {
            pollMs: this.options.journeysPollMs ?? 250,
            onError: (error) => {
              onError('journeys failed; retrying', error);
            },
          }),
      };
      this.upkeep.pipeline.start();
      this.upkeep.follower?.start();
      this.upkeep.journeys?.start();
    } else if (!held) {
      await this.stopUpkeep();
    }
  }

  private async stopUpkeep(): Promise<void> {
    const upkeep = this.upkeep;
    this.upkeep = undefined;
    await upkeep?.pipeline.stop();
    await upkeep?.follower?.stop();
    await upkeep?.journeys?.stop();
  }
}
