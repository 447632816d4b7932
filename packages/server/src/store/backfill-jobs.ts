/** A re-evaluation of every profile after definitions changed, with its progress. */
export interface Backfill {
  id: number;
  /** The definitions that caused it (`segment:NAME`, `computed:NAME`). */
  names: string[];
  status: 'running' | 'done';
  done: number;
  total: number;
  /** The rank of the last profile processed. */
  cursor: number;
  startedAt: string;
  finishedAt: string | null;
}

export interface BackfillJobs {
  /**
   * Starts a backfill over `total` profiles; it takes over the running ones (names included), since
   * rebuilding a profile under the current definitions serves them all. With no profiles it is done.
   */
  start(names: readonly string[], total: number, at: string): Promise<Backfill>;
  /** The oldest running backfill. */
  next(): Promise<Backfill | undefined>;
  advance(
    id: number,
    progress: { cursor: number; processed: number; finishedAt?: string | undefined },
  ): Promise<void>;
  /** The latest backfill naming a definition. */
  latest(name: string): Promise<Backfill | undefined>;
}
