/**
 * Orders the readings of a list that a process keeps whole in memory (keys, placements,
 * definitions, suppressions...) and reads again when another node or thread says it changed.
 * Two readings under way at once can end in either order: a reading applies only when no reading
 * begun after it has applied already, so a slow one cannot bring back an older answer (a key
 * revoked since, accepted again). A change made here meanwhile (in the store, then in memory)
 * makes a reading begun before it read again, since what it read may lack that change.
 */
export class ReadOrder {
  private begun = 0;
  private applied = 0;
  private changes = 0;

  /** A change was made here, in the store and then in memory. */
  changed(): void {
    this.changes++;
  }

  /** Reads, then applies what was read unless a later reading applied first. */
  async read<T>(read: () => Promise<T>, apply: (value: T) => void): Promise<void> {
    for (;;) {
      const ticket = ++this.begun;
      const changes = this.changes;
      const value = await read();
      if (ticket < this.applied) return; // a reading begun later has applied
      if (changes !== this.changes) continue; // a change made here meanwhile may be missing
      this.applied = ticket;
      apply(value);
      return;
    }
  }
}
