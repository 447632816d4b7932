import { printDuration, printPattern, printScalar } from '../segments/print-definition.js';
import { DEFAULT_RECENCY, durationMs, type EngagementNode } from '../segments/segments.schema.js';
import { nextWindowExit, type AggregateState } from './aggregate-state.js';
import { roundSum } from './builtin-traits.js';
import type { TraitKind } from './trait-kind.js';

/**
 * `engagement(events: {"Page Viewed": 1, "Order Completed": 10}, recency: {7d: 1, 30d: 0.5})`:
 * each matching event's weight times the weight of the first recency window it is still in.
 */
export const engagementKind: TraitKind<EngagementNode> = {
  name: 'engagement',
  // The grammar leaves `recency` out when the text does; the tree always has it.
  normalize: (node) =>
    (node as { recency?: EngagementNode['recency'] }).recency === undefined
      ? {
          ...node,
          recency: DEFAULT_RECENCY.map((r) => ({ window: { ...r.window }, weight: r.weight })),
        }
      : node,
  print(c) {
    const events = c.events
      .map((e) => `${printPattern(e.pattern)}: ${printScalar(e.weight)}`)
      .join(', ');
    const recency = c.recency
      .map((r) => `${printDuration(r.window)}: ${printScalar(r.weight)}`)
      .join(', ');
    return `engagement(events: {${events}}, recency: {${recency}})`;
  },
  patterns: (node) => node.events.map((e) => e.pattern),
  input(node, _event, matches) {
    const weight = engagementWeight(node, matches);
    return weight === undefined ? undefined : { value: weight };
  },
  initial: () => ({ kind: 'window', entries: [] }),
  window: (node) => node.recency[node.recency.length - 1]?.window,
  value: (state, node, now) => engagementValue(state, node, now),
  nextChange: (state, node, now) =>
    nextWindowExit(
      state,
      node.recency.map((r) => durationMs(r.window)),
      now,
    ),
};

/** Each event's weight times the weight of the first recency window it is still in. */
function engagementValue(state: AggregateState, node: EngagementNode, now: number): number {
  if (state.kind !== 'window') return 0;
  const bounds = node.recency.map((r) => ({ ms: durationMs(r.window), weight: r.weight }));
  let score = 0;
  for (const [at, weight] of state.entries) {
    if (at > now || typeof weight !== 'number') continue;
    const bucket = bounds.find((b) => now - at < b.ms);
    if (bucket !== undefined) score += weight * bucket.weight;
  }
  return roundSum(score);
}

/** What one event adds to an engagement score before recency: the weights of the patterns it matched. */
export function engagementWeight(
  node: EngagementNode,
  matches: (pattern: EngagementNode['events'][number]['pattern']) => boolean,
): number | undefined {
  let weight: number | undefined;
  for (const e of node.events) if (matches(e.pattern)) weight = (weight ?? 0) + e.weight;
  return weight;
}
