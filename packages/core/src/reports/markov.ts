import { TailorError } from '../errors/tailor-error.js';

/** A Markov chain over touchpoint keys (first order or higher), fitted to paths, and its removal effects. */
export interface MarkovRemoval {
  /** P(conversion) from the start state. */
  conversionProbability: number;
  /** Per key: 1 − P(conversion with the key removed) / P(conversion). */
  removalEffects: Map<string, number>;
  /** Removal effects normalized to sum to 1 (all 0 when nothing converts). */
  shares: Map<string, number>;
}

/** The most states a higher-order chain may have: the exact solve is dense, O(states³) per key. */
export const MAX_MARKOV_STATES = 1500;

/**
 * Fits the chain START → k1 → … → kn → CONVERSION (converting paths) or → NULL (non-converting
 * paths), each path counted once, every transition kept (repeats, so self-loops, included: they do
 * not change absorption probabilities), transition probabilities being the counts out of a state
 * normalized. The conversion probability is solved exactly: x = Q x + r over the transient states
 * (START and the keys), by Gaussian elimination with partial pivoting. Removing a key sends every
 * transition into it to NULL (x_key = 0). Empty converting paths (a conversion with no touchpoint)
 * are left out: they say nothing about the keys.
 *
 * With `order` k > 1 a state is the last k keys of the path (fewer at its start), so where a
 * visitor came from shapes where they go; removing a key makes every state holding it a dead end.
 * A chain of more than MAX_MARKOV_STATES states is refused (an error naming the count).
 */
export function markovRemoval(
  converting: readonly (readonly string[])[],
  nonConverting: readonly (readonly string[])[],
  order = 1,
): MarkovRemoval {
  return markovRemovalCounted(countPaths(converting), countPaths(nonConverting), order);
}

/** A distinct path and how many times it occurs. */
export interface CountedPath {
  path: readonly string[];
  times: number;
}

/** Identical paths grouped, in the order they first occur (empty paths left out). */
export function countPaths(paths: readonly (readonly string[])[]): CountedPath[] {
  const counted = new Map<string, CountedPath>();
  for (const path of paths) {
    if (path.length === 0) continue;
    const id = path.join('\u0000');
    const seen = counted.get(id);
    if (seen === undefined) counted.set(id, { path, times: 1 });
    else seen.times++;
  }
  return [...counted.values()];
}

/** markovRemoval over paths already grouped (countPaths): each distinct path is walked once. */
export function markovRemovalCounted(
  converting: readonly CountedPath[],
  nonConverting: readonly CountedPath[],
  order = 1,
): MarkovRemoval {
  const index = new Map<string, number>();
  /** Each transient state's keys (state 0, START, has none). */
  const members: string[][] = [[]];
  const keys = new Map<string, number[]>(); // key -> the states holding it
  const stateOf = (gram: readonly string[]): number => {
    const name = gram.join('\u0000');
    let i = index.get(name);
    if (i === undefined) {
      i = members.length;
      index.set(name, i);
      members.push([...gram]);
      for (const key of new Set(gram)) {
        let holding = keys.get(key);
        if (holding === undefined) {
          holding = [];
          keys.set(key, holding);
        }
        holding.push(i);
      }
    }
    return i;
  };
  // Transition counts: from a transient state (0 = START, then the k-grams) to a state (k-grams,
  // or the absorbing CONVERSION / NULL, as -1 / -2), sparse per row.
  const rows: Map<number, number>[] = [new Map<number, number>()];
  const toConv: number[] = [0];
  const toNull: number[] = [0];
  const count = (from: number, to: number, times: number): void => {
    while (rows.length <= Math.max(from, to)) {
      rows.push(new Map<number, number>());
      toConv.push(0);
      toNull.push(0);
    }
    if (to === -1) toConv[from] = (toConv[from] as number) + times;
    else if (to === -2) toNull[from] = (toNull[from] as number) + times;
    else {
      const row = rows[from] as Map<number, number>;
      row.set(to, (row.get(to) ?? 0) + times);
    }
  };
  const walk = (path: readonly string[], end: -1 | -2, times: number): void => {
    let from = 0;
    for (let i = 0; i < path.length; i++) {
      const to = stateOf(path.slice(Math.max(0, i + 1 - order), i + 1));
      count(from, to, times);
      from = to;
    }
    count(from, end, times);
  };
  for (const { path, times } of converting) walk(path, -1, times);
  for (const { path, times } of nonConverting) walk(path, -2, times);
  if (members.length > MAX_MARKOV_STATES)
    throw new TailorError(
      'invalid_request',
      `a Markov chain of order ${order} over these paths has ${members.length} states, more than ${MAX_MARKOV_STATES}: use a lower order`,
    );

  const n = members.length;
  while (rows.length < n) {
    rows.push(new Map<number, number>());
    toConv.push(0);
    toNull.push(0);
  }
  const base = solve(rows, toConv, toNull, n, new Set());
  const removalEffects = new Map<string, number>();
  const shares = new Map<string, number>();
  let total = 0;
  for (const [key, holding] of keys) {
    const without = solve(rows, toConv, toNull, n, new Set(holding));
    const effect = base > 0 ? Math.max(0, 1 - without / base) : 0;
    removalEffects.set(key, effect);
    total += effect;
  }
  for (const [key, effect] of removalEffects) shares.set(key, total > 0 ? effect / total : 0);
  return { conversionProbability: base, removalEffects, shares };
}

/** P(CONVERSION | START) with the `removed` states made dead ends. */
function solve(
  rows: readonly Map<number, number>[],
  toConv: readonly number[],
  toNull: readonly number[],
  n: number,
  removed: ReadonlySet<number>,
): number {
  // (I − Q) x = r, dense: n is the number of transient states (START and the keys or k-grams).
  const a = new Float64Array(n * n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = 1;
    if (removed.has(i)) continue; // x_removed = 0
    const row = rows[i] as Map<number, number>;
    let out = (toConv[i] as number) + (toNull[i] as number);
    for (const c of row.values()) out += c;
    if (out === 0) continue; // never left: converts with probability 0
    for (const [j, c] of row) a[i * n + j] = (a[i * n + j] as number) - c / out;
    b[i] = (toConv[i] as number) / out;
  }
  return gaussianSolve(a, b, n)[0] as number;
}

/** Solves A x = b in place (A n×n row-major) by Gaussian elimination with partial pivoting. */
export function gaussianSolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    let best = Math.abs(a[col * n + col] as number);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(a[r * n + col] as number);
      if (v > best) {
        best = v;
        pivot = r;
      }
    }
    if (best === 0) continue; // singular column: a state that cannot be reached matters not
    if (pivot !== col) {
      for (let c = col; c < n; c++) {
        const t = a[col * n + c] as number;
        a[col * n + c] = a[pivot * n + c] as number;
        a[pivot * n + c] = t;
      }
      const t = b[col] as number;
      b[col] = b[pivot] as number;
      b[pivot] = t;
    }
    const d = a[col * n + col] as number;
    for (let r = col + 1; r < n; r++) {
      const f = (a[r * n + col] as number) / d;
      if (f === 0) continue;
      for (let c = col; c < n; c++)
        a[r * n + c] = (a[r * n + c] as number) - f * (a[col * n + c] as number);
      b[r] = (b[r] as number) - f * (b[col] as number);
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r] as number;
    for (let c = r + 1; c < n; c++) s -= (a[r * n + c] as number) * (x[c] as number);
    const d = a[r * n + r] as number;
    x[r] = d === 0 ? 0 : s / d;
  }
  return x;
}
