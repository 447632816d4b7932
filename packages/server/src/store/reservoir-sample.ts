/**
 * A uniform random sample of at most `size` of the values a scan passes by (Vitter's algorithm R),
 * in random order, and how many it passed: one pass, `size` values kept.
 */
export class ReservoirSample<T> {
  private readonly kept: T[] = [];
  private seen = 0;

  constructor(
    private readonly size: number,
    private readonly random: () => number = Math.random,
  ) {}

  add(value: T): void {
    this.seen++;
    if (this.kept.length < this.size) {
      this.kept.push(value);
      return;
    }
    const at = Math.floor(this.random() * this.seen);
    if (at < this.size) this.kept[at] = value;
  }

  /** The values kept, shuffled (Fisher-Yates), so any prefix is a uniform sample too, and the count. */
  result(): { values: T[]; total: number } {
    const values = [...this.kept];
    for (let i = values.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [values[i], values[j]] = [values[j] as T, values[i] as T];
    }
    return { values, total: this.seen };
  }
}
