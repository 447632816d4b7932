import type { AggregateNode, ComputedNode, Condition } from './segments.schema.js';
import type { TraitPopulation } from '../traits/trait-kind.js';
import { printAggregate, printComputed, printCondition } from './print-definition.js';
import { referencesOf, type References } from './read-definition.js';
import { walkCondition } from './walk-condition.js';
import { traitKindOf } from '../traits/trait-kind.js';
import type { ClusterModel } from '../clusters/clustering-definition.schema.js';

export type SequenceNode = Extract<Condition, { type: 'sequence' }>;

/**
 * A computed trait decided by conditions (a journey stage, docs/segments.md): what its conditions
 * read, so it is decided again when one of those changes, and the event announcing its changes.
 */
export interface RuledTrait {
  name: string;
  node: ComputedNode;
  references: References;
  readsProfile: boolean;
  announce: string | undefined;
}

export interface CompiledSegment {
  name: string;
  tree: Condition;
  references: References;
  /** Reads traits or consent: re-evaluated when those change. */
  readsProfile: boolean;
  /** The clusterings it reads through `in_cluster` (a person's cluster follows their features). */
  clusterings: string[];
}

/**
 * Every definition compiled into what the pipeline needs per event: the distinct aggregates and
 * sequences (shared between definitions that use the same one), which events feed them, and
 * which segments each kind of change can flip. Segments come in dependency order.
 */
export interface CompiledDefinitions {
  /** Every state-keeping node (aggregates, and the built-ins of computed traits) by its key. */
  aggregates: Map<string, ComputedNode>;
  sequences: Map<string, SequenceNode>;
  /** Event name → the aggregates and sequence steps it feeds. */
  byEvent: Map<
    string,
    { aggregates: string[]; sequences: { key: string; step: 'first' | 'then' }[] }
  >;
  computed: { name: string; key: string }[];
  /** The computed traits decided by conditions (also in `computed`), in definition order. */
  ruled: RuledTrait[];
  ruledNames: ReadonlySet<string>;
  segments: CompiledSegment[];
  /** Segment name → its place in `segments` (dependency order). */
  segmentIndex: Map<string, number>;
  segmentsByEvent: Map<string, string[]>;
  segmentsByComputed: Map<string, string[]>;
  /** Model name → the segments reading its score (re-evaluated when it is scored again). */
  segmentsByModel: Map<string, string[]>;
  segmentsBySegment: Map<string, string[]>;
  segmentsReadingProfile: string[];
  /** Segments reading `in_cluster`: re-evaluated when traits or any computed trait change. */
  segmentsReadingClusters: string[];
  timeBasedSegments: string[];
  /** RFM key → the population's quintile cuts, set by whoever computes them (the pipeline). */
  populations: Map<string, TraitPopulation>;
  /** Clustering name → its trained model, set by whoever trains them (`in_cluster` reads it). */
  clusterings: ReadonlyMap<string, ClusterModel>;
}

export function aggregateKey(node: AggregateNode): string {
  return printAggregate(node);
}

/** A computed trait's state key: its canonical text (the same as `aggregateKey` for an aggregate). */
export function computedKey(node: ComputedNode): string {
  return printComputed(node);
}

/** The event names a state-keeping node is fed by. */
export function eventsOf(node: ComputedNode): string[] {
  if (node.type === 'aggregate') return [node.pattern.event];
  return [...new Set((traitKindOf(node)?.patterns(node) ?? []).map((p) => p.event))];
}

export function sequenceKey(node: SequenceNode): string {
  return printCondition(node);
}

export function compileDefinitions(
  computed: readonly { name: string; tree: ComputedNode }[],
  segments: readonly { name: string; tree: Condition }[],
  /** Aggregates kept for other readers than definitions (placement caps count exposures). */
  extra: readonly AggregateNode[] = [],
): CompiledDefinitions {
  const plan: CompiledDefinitions = {
    aggregates: new Map(),
    sequences: new Map(),
    byEvent: new Map(),
    computed: [],
    ruled: [],
    ruledNames: new Set(),
    segments: [],
    segmentIndex: new Map(),
    segmentsByEvent: new Map(),
    segmentsByComputed: new Map(),
    segmentsByModel: new Map(),
    segmentsBySegment: new Map(),
    segmentsReadingProfile: [],
    segmentsReadingClusters: [],
    timeBasedSegments: [],
    populations: new Map(),
    clusterings: new Map(),
  };
  const feeds = (event: string) => {
    let entry = plan.byEvent.get(event);
    if (entry === undefined) {
      entry = { aggregates: [], sequences: [] };
      plan.byEvent.set(event, entry);
    }
    return entry;
  };
  const addAggregate = (node: ComputedNode): string => {
    const key = computedKey(node);
    if (!plan.aggregates.has(key)) {
      plan.aggregates.set(key, node);
      for (const event of eventsOf(node)) feeds(event).aggregates.push(key);
    }
    return key;
  };
  const addSequence = (node: SequenceNode) => {
    const key = sequenceKey(node);
    if (plan.sequences.has(key)) return;
    plan.sequences.set(key, node);
    feeds(node.first.event).sequences.push({ key, step: 'first' });
    feeds(node.then.event).sequences.push({ key, step: 'then' });
  };

  for (const c of computed) {
    plan.computed.push({ name: c.name, key: addAggregate(c.tree) });
    const rules = traitKindOf(c.tree)?.rules;
    if (rules === undefined) continue;
    for (const condition of rules.conditions(c.tree)) visit(condition, addAggregate, addSequence);
    plan.ruled.push({
      name: c.name,
      node: c.tree,
      references: referencesOf(c.tree),
      readsProfile: rules.conditions(c.tree).some(readsProfile),
      announce: rules.announce,
    });
  }
  plan.ruledNames = new Set(plan.ruled.map((r) => r.name));
  for (const a of extra) addAggregate(a);
  for (const s of orderByDependency(segments)) {
    const references = referencesOf(s.tree);
    visit(s.tree, addAggregate, addSequence);
    const compiled: CompiledSegment = {
      name: s.name,
      tree: s.tree,
      references,
      readsProfile: readsProfile(s.tree),
      clusterings: clusteringsOf(s.tree),
    };
    plan.segmentIndex.set(s.name, plan.segments.length);
    plan.segments.push(compiled);
    for (const e of references.events) push(plan.segmentsByEvent, e, s.name);
    for (const c of references.computed) push(plan.segmentsByComputed, c, s.name);
    for (const m of references.models) push(plan.segmentsByModel, m, s.name);
    for (const d of references.segments) push(plan.segmentsBySegment, d, s.name);
    if (compiled.readsProfile) plan.segmentsReadingProfile.push(s.name);
    if (compiled.clusterings.length > 0) plan.segmentsReadingClusters.push(s.name);
    if (references.timeBased) plan.timeBasedSegments.push(s.name);
  }
  return plan;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

/** Segments after the segments they read through in_segment (definitions are checked acyclic). */
function orderByDependency<T extends { name: string; tree: Condition }>(
  segments: readonly T[],
): T[] {
  const byName = new Map(segments.map((s) => [s.name, s]));
  const ordered: T[] = [];
  const done = new Set<string>();
  const place = (s: T, path: Set<string>) => {
    if (done.has(s.name) || path.has(s.name)) return;
    path.add(s.name);
    for (const d of referencesOf(s.tree).segments) {
      const dep = byName.get(d);
      if (dep) place(dep, path);
    }
    done.add(s.name);
    ordered.push(s);
  };
  for (const s of segments) place(s, new Set());
  return ordered;
}

/** Calls back for every aggregate and sequence inside a condition (where filters excluded). */
function visit(
  c: Condition,
  onAggregate: (a: AggregateNode) => void,
  onSequence: (s: SequenceNode) => void,
): void {
  walkCondition(c, {
    condition: (n) => {
      if (n.type === 'sequence') onSequence(n);
    },
    operand: (o) => {
      if (o.type === 'aggregate') onAggregate(o);
    },
  });
}

/** True when a condition reads traits or consent (outside event filters). */
function readsProfile(c: Condition): boolean {
  let reads = false;
  walkCondition(c, {
    operand: (o) => {
      if (o.type === 'path' && (o.root === 'traits' || o.root === 'consent')) reads = true;
    },
  });
  return reads;
}

/** The clusterings a condition reads through `in_cluster` (outside event filters), each once. */
export function clusteringsOf(c: Condition): string[] {
  const names = new Set<string>();
  walkCondition(c, {
    condition: (n) => {
      if (n.type === 'in_cluster') names.add(n.clustering);
    },
  });
  return [...names];
}
