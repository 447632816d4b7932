import {
  addToAggregate,
  aggregateValue,
  initialAggregateState,
  nextAggregateChange,
  pruneAggregate,
  type AggregateState,
} from '../traits/aggregate-state.js';
import { readPath } from '../identity/extract-identifiers.js';
import { computedValue, sameComputedValue } from '../traits/builtin-traits.js';
import { traitKindOf } from '../traits/trait-kind.js';
import type { ComputedNode } from './segments.schema.js';
import type { ModelScore } from '../models/registry/model-definition.schema.js';
import { inClusterOf } from '../clusters/nearest-cluster.js';
import {
  aggregateKey,
  sequenceKey,
  type CompiledDefinitions,
  type SequenceNode,
} from './compile-definitions.js';
import { evaluateCondition, matchesPattern, type EvaluationScope } from './evaluate-condition.js';
import {
  addToSequence,
  initialSequenceState,
  nextSequenceChange,
  sequenceValue,
  type SequenceState,
} from './sequence-state.js';

/** A person's derived state: aggregate and sequence states, computed trait values, memberships. */
export interface DerivedState {
  aggregates: Record<string, AggregateState>;
  sequences: Record<string, SequenceState>;
  computed: Record<string, unknown>;
  segments: string[];
  /** Registry models' scores by model name, written by the scoring job (absent before any). */
  scores?: Record<string, ModelScore>;
}

export function emptyDerivedState(): DerivedState {
  return { aggregates: {}, sequences: {}, computed: {}, segments: [] };
}

/** A computed trait decided by conditions (a journey stage) took another value. */
export interface RuledChange {
  trait: string;
  from: unknown;
  to: unknown;
  /** The event announcing it (`Journey Stage Changed`). */
  announce: string;
}

export interface DerivedChange {
  entered: string[];
  exited: string[];
  computedChanged: string[];
  /** The changes of computed traits that announce theirs (journey stages). */
  announced: RuledChange[];
  /** When the state next changes by time alone (a window sliding, a sequence timing out). */
  dueAt: number | undefined;
}

export interface DerivedEvent {
  event?: string | undefined;
  properties?: Record<string, unknown> | undefined;
  context?: Record<string, unknown> | undefined;
}

/** Feeds one event into the aggregates and sequences it matches; returns whether anything took it. */
export function feedEvent(
  plan: CompiledDefinitions,
  state: DerivedState,
  event: DerivedEvent,
  at: number,
  takers: readonly Taker[] = takersOf(plan, event),
): boolean {
  for (const taker of takers) {
    if (taker.kind === 'aggregate')
      addToAggregate(
        (state.aggregates[taker.key] ??= initialAggregateState(taker.node)),
        taker.node,
        at,
        taker.value,
      );
    else
      addToSequence(
        (state.sequences[taker.key] ??= initialSequenceState()),
        taker.node,
        taker.step,
        at,
      );
  }
  return takers.length > 0;
}

/**
 * Whether an event can change a person's derived state by itself: an aggregate or a sequence
 * takes it, or a segment reads its name. One that cannot (most `Decision Made` and page events
 * under most definitions) leaves computed traits and memberships as they are; what time alone
 * changes is re-evaluated when the person's timer is due.
 */
export function eventMatters(
  plan: CompiledDefinitions,
  event: DerivedEvent,
  takers: readonly Taker[] = takersOf(plan, event),
): boolean {
  if (event.event === undefined) return false;
  return plan.segmentsByEvent.has(event.event) || takers.length > 0;
}

/** An aggregate an event feeds (with what it adds), or a sequence step it takes. */
export type Taker =
  | { kind: 'aggregate'; key: string; node: ComputedNode; value: unknown }
  | { kind: 'sequence'; key: string; node: SequenceNode; step: 'first' | 'then' };

/**
 * The aggregates (with what the event adds) and sequence steps an event feeds: found once by a
 * fold that both asks whether the event matters and feeds it.
 */
export function takersOf(plan: CompiledDefinitions, event: DerivedEvent): Taker[] {
  const feeds = event.event === undefined ? undefined : plan.byEvent.get(event.event);
  if (feeds === undefined) return [];
  const takers: Taker[] = [];
  for (const key of feeds.aggregates) {
    const node = plan.aggregates.get(key);
    const input = node === undefined ? undefined : inputOf(node, event);
    if (node !== undefined && input !== undefined)
      takers.push({ kind: 'aggregate', key, node, value: input.value });
  }
  for (const { key, step } of feeds.sequences) {
    const node = plan.sequences.get(key);
    if (node !== undefined && matchesPattern(step === 'first' ? node.first : node.then, event))
      takers.push({ kind: 'sequence', key, node, step });
  }
  return takers;
}

/** What an event adds to a node's state (undefined when it does not match): a property, or a weight. */
function inputOf(node: ComputedNode, event: DerivedEvent): { value: unknown } | undefined {
  if (node.type !== 'aggregate')
    return traitKindOf(node)?.input(node, event, (pattern) => matchesPattern(pattern, event)) as
      { value: unknown } | undefined;
  if (!matchesPattern(node.pattern, event)) return undefined;
  return {
    value: node.property ? readPath(event.properties ?? {}, node.property.join('.')) : null,
  };
}

/** True when a node's value can change with time alone, so it is re-evaluated on every refresh. */
function timeBased(node: ComputedNode): boolean {
  return node.type !== 'aggregate' || node.window !== undefined || node.fn === 'days_since';
}

/**
 * Recomputes what a change can affect and nothing else: computed traits fed by the event, and the
 * segments that read its event name, those computed traits, the profile's traits (when they
 * changed), or a segment that flipped. `everything` re-evaluates all (time passing, a backfill).
 */
export function refreshDerived(
  plan: CompiledDefinitions,
  state: DerivedState,
  profile: { traits: Record<string, unknown>; consent: Record<string, unknown> },
  now: number,
  trigger: {
    event?: string | undefined;
    traitsChanged?: boolean;
    everything?: boolean;
    /** Models whose scores were written again. */
    models?: readonly string[];
  },
): DerivedChange {
  // Forget memberships of segments that no longer exist, states no definition uses any more, and
  // slide the other windows.
  if (state.segments.some((name) => !plan.segmentIndex.has(name)))
    state.segments = state.segments.filter((name) => plan.segmentIndex.has(name));
  state.aggregates = Object.fromEntries(
    Object.entries(state.aggregates).filter(([key]) => plan.aggregates.has(key)),
  );
  for (const [key, s] of Object.entries(state.aggregates)) {
    const node = plan.aggregates.get(key);
    if (node !== undefined) pruneAggregate(s, node, now);
  }
  const fedKeys = new Set(
    trigger.event === undefined ? [] : (plan.byEvent.get(trigger.event)?.aggregates ?? []),
  );
  const computedChanged: string[] = [];
  for (const c of plan.computed) {
    const node = plan.aggregates.get(c.key);
    if (
      node === undefined ||
      plan.ruledNames.has(c.name) ||
      !(trigger.everything === true || fedKeys.has(c.key) || timeBased(node))
    )
      continue;
    const value = computedValue(
      state.aggregates[c.key] ?? initialAggregateState(node),
      node,
      now,
      plan.populations.get(c.key),
    );
    if (!sameComputedValue(state.computed[c.name], value)) {
      state.computed[c.name] = value;
      computedChanged.push(c.name);
    }
  }

  const scope = derivedScope(plan, state, profile, now);
  // Computed traits decided by conditions (stages): after the others, which they may read.
  const announced: RuledChange[] = [];
  for (const r of plan.ruled) {
    const before = state.computed[r.name];
    if (!(
      before === undefined ||
      trigger.everything === true ||
      r.references.timeBased ||
      (trigger.event !== undefined && r.references.events.includes(trigger.event)) ||
      (trigger.traitsChanged === true && r.readsProfile) ||
      r.references.computed.some((c) => computedChanged.includes(c)) ||
      (trigger.models ?? []).some((m) => r.references.models.includes(m))
    ))
      continue;
    const value =
      traitKindOf(r.node)?.rules?.decide(r.node, (c) => evaluateCondition(c, scope)) ?? null;
    if (before !== undefined && sameComputedValue(before, value)) continue;
    state.computed[r.name] = value;
    computedChanged.push(r.name);
    if (r.announce !== undefined)
      announced.push({ trait: r.name, from: before ?? null, to: value, announce: r.announce });
  }

  const affected = new Set<string>(
    trigger.everything === true ? plan.segments.map((s) => s.name) : [],
  );
  if (trigger.event !== undefined)
    for (const s of plan.segmentsByEvent.get(trigger.event) ?? []) affected.add(s);
  for (const c of computedChanged)
    for (const s of plan.segmentsByComputed.get(c) ?? []) affected.add(s);
  if (trigger.traitsChanged === true) for (const s of plan.segmentsReadingProfile) affected.add(s);
  for (const m of trigger.models ?? [])
    for (const s of plan.segmentsByModel.get(m) ?? []) affected.add(s);
  // A person's cluster follows their features (traits, computed traits, model scores): assigned
  // again now.
  if (
    trigger.traitsChanged === true ||
    computedChanged.length > 0 ||
    (trigger.models?.length ?? 0) > 0
  )
    for (const s of plan.segmentsReadingClusters) affected.add(s);

  // Evaluate the affected segments in dependency order; a flip adds the segments that read it.
  // Only the affected ones are visited, so the cost follows what the event touches, not how many
  // segments exist.
  const queue = [...affected]
    .map((name) => plan.segmentIndex.get(name) ?? -1)
    .filter((i) => i >= 0);
  const queued = new Set(queue);
  const entered: string[] = [];
  const exited: string[] = [];
  while (queue.length > 0) {
    queue.sort((a, b) => a - b);
    const segment = plan.segments[queue.shift() ?? 0];
    if (segment === undefined) continue;
    const member = evaluateCondition(segment.tree, scope);
    const was = state.segments.includes(segment.name);
    if (member === was) continue;
    if (member) {
      state.segments.push(segment.name);
      entered.push(segment.name);
    } else {
      state.segments = state.segments.filter((s) => s !== segment.name);
      exited.push(segment.name);
    }
    for (const dependent of plan.segmentsBySegment.get(segment.name) ?? []) {
      const i = plan.segmentIndex.get(dependent);
      if (i !== undefined && !queued.has(i)) {
        queued.add(i);
        queue.push(i);
      }
    }
  }
  return { entered, exited, computedChanged, announced, dueAt: nextChange(plan, state, now) };
}

function nextChange(
  plan: CompiledDefinitions,
  state: DerivedState,
  now: number,
): number | undefined {
  let due: number | undefined;
  const consider = (t: number | undefined) => {
    if (t !== undefined && (due === undefined || t < due)) due = t;
  };
  for (const [key, s] of Object.entries(state.aggregates)) {
    const node = plan.aggregates.get(key);
    if (node) consider(nextAggregateChange(s, node, now));
  }
  for (const [key, s] of Object.entries(state.sequences)) {
    const node = plan.sequences.get(key);
    if (node) consider(nextSequenceChange(s, node, now));
  }
  return due;
}

/**
 * What a person's conditions read: their traits and consent, and from their derived state the
 * computed traits, scores, aggregates and sequences (as of `now`), segments and clusters.
 */
export function derivedScope(
  plan: Pick<CompiledDefinitions, 'clusterings'>,
  state: DerivedState,
  profile: { traits: Record<string, unknown>; consent: Record<string, unknown> },
  now: number,
): EvaluationScope {
  return {
    traits: profile.traits,
    consent: profile.consent,
    computed: state.computed,
    model: state.scores ?? {},
    aggregate: (node) =>
      aggregateValue(
        state.aggregates[aggregateKey(node)] ?? initialAggregateState(node),
        node,
        now,
      ),
    sequence: (node) =>
      sequenceValue(state.sequences[sequenceKey(node)] ?? initialSequenceState(), node, now),
    inSegment: (name) => state.segments.includes(name),
    inCluster: inClusterOf(plan.clusterings, {
      traits: profile.traits,
      computed: state.computed,
      scores: state.scores,
      consent: profile.consent,
    }),
  };
}
