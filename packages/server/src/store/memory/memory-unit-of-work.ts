/**
 * The transactions of the in-memory stores: every change to their maps and sets goes through a
 * unit of work, which remembers how to undo it while a unit runs; a unit that throws is undone,
 * newest change first, so it leaves nothing behind, as a rolled-back transaction would. Units are
 * synchronous (nothing else runs in between), so they are also serializable. Rows are replaced,
 * never changed in place, so undoing a change puts the old row back.
 */
export class UnitOfWork {
  private undo: (() => void)[] | undefined;

  /** Runs `work` as one unit; inside another unit it is part of that one. */
  run<T>(work: () => T): T {
    if (this.undo !== undefined) return work();
    const undo: (() => void)[] = [];
    this.undo = undo;
    try {
      return work();
    } catch (error) {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]?.();
      throw error;
    } finally {
      this.undo = undefined;
    }
  }

  /** `run` as a store method answers: its result, or its error as a rejection. */
  settle<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(this.run(work));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  set<K, V>(map: Map<K, V>, key: K, value: V): void {
    this.remember(map, key);
    map.set(key, value);
  }

  /** Adds a row that must not exist yet, as a primary key refuses a second one. */
  insert<K, V>(map: Map<K, V>, key: K, value: V, table: string): void {
    if (map.has(key)) throw new Error(`UNIQUE constraint failed: ${table}`);
    this.set(map, key, value);
  }

  delete<K, V>(map: Map<K, V>, key: K): boolean {
    if (!map.has(key)) return false;
    this.remember(map, key);
    return map.delete(key);
  }

  add<T>(set: Set<T>, value: T): void {
    if (set.has(value)) return;
    this.undo?.push(() => set.delete(value));
    set.add(value);
  }

  /** The next number of a sequence (1 first), as an automatic key gives it. */
  next(sequences: Map<string, number>, name: string): number {
    const value = (sequences.get(name) ?? 0) + 1;
    this.set(sequences, name, value);
    return value;
  }

  private remember<K, V>(map: Map<K, V>, key: K): void {
    if (this.undo === undefined) return;
    if (map.has(key)) {
      const old = map.get(key) as V;
      this.undo.push(() => map.set(key, old));
    } else this.undo.push(() => map.delete(key));
  }
}
