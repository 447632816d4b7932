import {
  durationMs,
  type AggregateNode,
  type ComputedNode,
  type Duration,
} from '../segments/segments.schema.js';
import { traitKindOf } from './trait-kind.js';

const DAY_MS = 86_400_000;

/**
 * Incremental state of one event aggregate for one person. Windowed aggregates keep the matching
 * events still inside the window (time and value), so the value slides with time exactly and
 * without rescanning history; all-time aggregates keep running totals only.
 */
export type AggregateState =
  | { kind: 'window'; entries: [number, number | string | null][] }
  | {
      kind: 'total';
      count: number;
      sum: number;
      numbers: number;
      min: number | null;
      max: number | null;
    }
  | { kind: 'distinct'; values: string[] }
  /** value, count, time first seen: ties go to the value seen earliest */
  | { kind: 'frequency'; counts: [string, number, number][] }
  | { kind: 'single'; at: number | null; value: number | string | null }
  /** Per UTC day with a matching event: [day since 1970-01-01, the day's amounts summed], in day order (CLV). */
  | { kind: 'days'; days: [number, number][] };

/** Most distinct values kept for `distinct(... ever)` and `most_frequent(... ever)`. */
export const MAX_DISTINCT = 10_000;

/** The window a state must keep events for: the aggregate's, or a built-in's widest; none for `ever`. */
export function windowOf(node: ComputedNode): Duration | undefined {
  if (node.type === 'aggregate') return node.window;
  return traitKindOf(node)?.window(node);
}

export function initialAggregateState(node: ComputedNode): AggregateState {
  if (node.type !== 'aggregate')
    return traitKindOf(node)?.initial(node) ?? { kind: 'window', entries: [] };
  if (
    node.fn === 'days_since' ||
    ((node.fn === 'first' || node.fn === 'last') && node.window === undefined)
  ) {
    return { kind: 'single', at: null, value: null };
  }
  if (node.window !== undefined) return { kind: 'window', entries: [] };
  if (node.fn === 'distinct') return { kind: 'distinct', values: [] };
  if (node.fn === 'most_frequent') return { kind: 'frequency', counts: [] };
  return { kind: 'total', count: 0, sum: 0, numbers: 0, min: null, max: null };
}

/** Adds one matching event (its time in ms and the aggregated property's value). Mutates `state`. */
export function addToAggregate(
  state: AggregateState,
  node: ComputedNode,
  at: number,
  raw: unknown,
): void {
  const value = scalar(raw);
  switch (state.kind) {
    case 'window': {
      // Keep time order even when events arrive late.
      let i = state.entries.length;
      while (i > 0 && (state.entries[i - 1]?.[0] ?? 0) > at) i--;
      state.entries.splice(i, 0, [at, value]);
      return;
    }
    case 'total':
      state.count++;
      if (typeof value === 'number') {
        state.sum += value;
        state.numbers++;
        state.min = state.min === null ? value : Math.min(state.min, value);
        state.max = state.max === null ? value : Math.max(state.max, value);
      }
      return;
    case 'distinct':
      if (
        value !== null &&
        state.values.length < MAX_DISTINCT &&
        !state.values.includes(String(value))
      )
        state.values.push(String(value));
      return;
    case 'frequency': {
      if (value === null) return;
      const entry = state.counts.find(([v]) => v === String(value));
      if (entry) {
        entry[1]++;
        entry[2] = Math.min(entry[2], at);
      } else if (state.counts.length < MAX_DISTINCT) {
        state.counts.push([String(value), 1, at]);
      }
      return;
    }
    case 'days': {
      const day = Math.floor(at / DAY_MS);
      const amount = typeof value === 'number' ? value : 0;
      let i = state.days.length;
      while (i > 0 && (state.days[i - 1]?.[0] ?? 0) > day) i--;
      const same = state.days[i - 1];
      if (same !== undefined && same[0] === day) same[1] += amount;
      else state.days.splice(i, 0, [day, amount]);
      return;
    }
    case 'single':
      if (
        state.at === null ||
        (node.type === 'aggregate' && node.fn === 'first' ? at < state.at : at >= state.at)
      ) {
        state.at = at;
        state.value = value;
      }
      return;
  }
}

/** Drops window entries that are out of the window at `now`. Mutates `state`. */
export function pruneAggregate(state: AggregateState, node: ComputedNode, now: number): void {
  const window = windowOf(node);
  if (state.kind !== 'window' || window === undefined) return;
  const from = now - durationMs(window);
  let drop = 0;
  while (drop < state.entries.length && (state.entries[drop]?.[0] ?? 0) <= from) drop++;
  if (drop > 0) state.entries.splice(0, drop);
}

/** The aggregate's value at `now` (null when there is nothing to aggregate, 0 for counts and sums). */
export function aggregateValue(
  state: AggregateState,
  node: AggregateNode,
  now: number,
): number | string | null {
  switch (state.kind) {
    case 'window': {
      const from = node.window === undefined ? -Infinity : now - durationMs(node.window);
      const inWindow = state.entries.filter(([at]) => at > from && at <= now);
      return fold(
        node,
        inWindow.map(([, v]) => v),
      );
    }
    case 'total':
      if (node.fn === 'count') return state.count;
      if (node.fn === 'sum') return state.sum;
      if (node.fn === 'avg') return state.numbers === 0 ? null : state.sum / state.numbers;
      return node.fn === 'min' ? state.min : state.max;
    case 'distinct':
      return state.values.length;
    case 'frequency':
      return mostFrequent(state.counts);
    case 'days':
      return null; // a built-in kind's state (clv), never an aggregate's
    case 'single':
      if (node.fn === 'days_since')
        return state.at === null ? null : Math.floor((now - state.at) / 86_400_000);
      return state.value;
  }
}

/**
 * When the value will next change with time alone (an entry leaving the window, a day passing for
 * days_since), so the caller can re-evaluate then; undefined when only a new event can change it.
 */
export function nextAggregateChange(
  state: AggregateState,
  node: ComputedNode,
  now: number,
): number | undefined {
  if (node.type !== 'aggregate') return traitKindOf(node)?.nextChange(state, node, now);
  if (state.kind === 'window')
    return nextWindowExit(state, node.window ? [durationMs(node.window)] : [], now);
  if (state.kind === 'single' && node.fn === 'days_since' && state.at !== null)
    return nextDay(state.at, now);
  return undefined;
}

/** When the first entry of a window state crosses one of the bounds (ms back from now). */
export function nextWindowExit(
  state: AggregateState,
  bounds: readonly number[],
  now: number,
): number | undefined {
  if (state.kind !== 'window') return undefined;
  let next: number | undefined;
  for (const bound of bounds) {
    const entry = state.entries.find(([at]) => at + bound > now);
    if (entry !== undefined && (next === undefined || entry[0] + bound < next))
      next = entry[0] + bound;
  }
  return next;
}

/** When the whole days since `at` next go up. */
export function nextDay(at: number, now: number): number {
  return at + (Math.floor((now - at) / 86_400_000) + 1) * 86_400_000;
}

function fold(node: AggregateNode, values: (number | string | null)[]): number | string | null {
  const numbers = values.filter((v): v is number => typeof v === 'number');
  switch (node.fn) {
    case 'count':
      return values.length;
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0);
    case 'avg':
      return numbers.length === 0 ? null : numbers.reduce((a, b) => a + b, 0) / numbers.length;
    case 'min':
      return numbers.length === 0 ? null : Math.min(...numbers);
    case 'max':
      return numbers.length === 0 ? null : Math.max(...numbers);
    case 'distinct':
      return new Set(values.filter((v) => v !== null).map(String)).size;
    case 'most_frequent': {
      const counts = new Map<string, [string, number, number]>();
      values.forEach((v, i) => {
        if (v === null) return;
        const entry = counts.get(String(v));
        if (entry) entry[1]++;
        else counts.set(String(v), [String(v), 1, i]);
      });
      return mostFrequent([...counts.values()]);
    }
    case 'first':
      return values[0] ?? null;
    case 'last':
      return values[values.length - 1] ?? null;
    case 'days_since':
      return null; // always kept as 'single' state
  }
}

/** The most frequent value; ties go to the value seen first (in event time). */
function mostFrequent(counts: [string, number, number][]): string | null {
  let best: [string, number, number] | undefined;
  for (const entry of counts) {
    if (best === undefined || entry[1] > best[1] || (entry[1] === best[1] && entry[2] < best[2]))
      best = entry;
  }
  return best?.[0] ?? null;
}

function scalar(raw: unknown): number | string | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'boolean') return String(raw);
  return null;
}

/** Combines two people's states of one aggregate when their profiles merge (exact for every kind). */
export function mergeAggregateStates(
  node: ComputedNode,
  a: AggregateState,
  b: AggregateState,
): AggregateState {
  if (a.kind === 'window' && b.kind === 'window') {
    return { kind: 'window', entries: [...a.entries, ...b.entries].sort((x, y) => x[0] - y[0]) };
  }
  if (a.kind === 'total' && b.kind === 'total') {
    const pick = (x: number | null, y: number | null, f: (p: number, q: number) => number) =>
      x === null ? y : y === null ? x : f(x, y);
    return {
      kind: 'total',
      count: a.count + b.count,
      sum: a.sum + b.sum,
      numbers: a.numbers + b.numbers,
      min: pick(a.min, b.min, Math.min),
      max: pick(a.max, b.max, Math.max),
    };
  }
  if (a.kind === 'distinct' && b.kind === 'distinct') {
    return {
      kind: 'distinct',
      values: [...new Set([...a.values, ...b.values])].slice(0, MAX_DISTINCT),
    };
  }
  if (a.kind === 'frequency' && b.kind === 'frequency') {
    const merged = new Map<string, [string, number, number]>(a.counts.map((e) => [e[0], [...e]]));
    for (const [value, count, first] of b.counts) {
      const entry = merged.get(value);
      if (entry) {
        entry[1] += count;
        entry[2] = Math.min(entry[2], first);
      } else {
        merged.set(value, [value, count, first]);
      }
    }
    return { kind: 'frequency', counts: [...merged.values()].slice(0, MAX_DISTINCT) };
  }
  if (a.kind === 'days' && b.kind === 'days') {
    const byDay = new Map<number, number>(a.days.map(([day, amount]) => [day, amount]));
    for (const [day, amount] of b.days) byDay.set(day, (byDay.get(day) ?? 0) + amount);
    return { kind: 'days', days: [...byDay].sort((x, y) => x[0] - y[0]) };
  }
  if (a.kind === 'single' && b.kind === 'single') {
    if (a.at === null) return b;
    if (b.at === null) return a;
    const takeB = node.type === 'aggregate' && node.fn === 'first' ? b.at < a.at : b.at > a.at;
    return takeB ? b : a;
  }
  return a; // two kinds for one node cannot happen; keep the survivor's
}
