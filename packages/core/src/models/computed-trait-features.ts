import { compileDefinitions, type CompiledDefinitions } from '../segments/compile-definitions.js';
import { referencesOf } from '../segments/read-definition.js';
import type { ComputedNode } from '../segments/segments.schema.js';
import {
  emptyDerivedState,
  feedEvent,
  refreshDerived,
  type DerivedEvent,
  type DerivedState,
} from '../segments/update-derived.js';
import { initialAggregateState } from '../traits/aggregate-state.js';
import { computedValue } from '../traits/builtin-traits.js';
import { isPopulationSteps, traitKindOf, type TraitPopulation } from '../traits/trait-kind.js';

/** A feature naming a computed trait: `computed:NAME`, or `computed:NAME.FIELD` for RFM, CLV. */
export const COMPUTED_FEATURE_PREFIX = 'computed:';

/** One of a person's messages as computed traits fold it: its time, and the event or an identify's traits. */
export interface TraitFeedEvent extends DerivedEvent {
  at: number;
  /** An identify's traits (a stage's rules may read the profile's traits). */
  traits?: Record<string, unknown> | undefined;
}

/** The installation's computed traits, compiled once for point-in-time reading. */
export interface ComputedTraitPlan {
  plan: CompiledDefinitions;
  /** The traits a model names as features. */
  names: readonly string[];
}

/**
 * Compiles the installation's computed traits (every one: a stage's rules may read others) for
 * reading the `names` a model's features list. A name not defined, or a trait reading model
 * scores (a model would feed on scores, and no score is known at a past cutoff), is an error.
 */
export function computedTraitPlan(
  definitions: readonly { name: string; tree: ComputedNode }[],
  names: readonly string[],
): { ok: true; value: ComputedTraitPlan } | { ok: false; error: string } {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  for (const name of names) {
    const definition = byName.get(name);
    if (definition === undefined) return { ok: false, error: `no computed trait named ${name}` };
    const models = referencesOf(definition.tree).models;
    if (models.length > 0)
      return {
        ok: false,
        error: `computed trait ${name} reads the score of model ${models.join(', ')}: a model cannot learn from scores`,
      };
  }
  return { ok: true, value: { plan: compileDefinitions(definitions, []), names } };
}

/**
 * Everyone's named computed traits as they were at `at` (ms): each person's events at or before
 * it are folded in their order with the same code the pipeline runs on every event (`feedEvent`,
 * then `refreshDerived` at `at`), so nothing after `at` reaches a value. A kind scored against
 * everyone (RFM's quintiles, CLV's fitted models) is scored against the people's values at `at`
 * too: their samples are summarized as the pipeline's population job does, then every value is
 * read again with that population. Profile traits are those of the identify calls up to `at`,
 * merged in order. Returns each person's features (`computedFeatures`) and the columns.
 */
export function computedTraitsAt(
  traits: ComputedTraitPlan,
  people: Iterable<{ id: string; events: readonly TraitFeedEvent[] }>,
  at: number,
): { columns: string[]; rows: Map<string, Record<string, number | string | null>> } {
  const plan: CompiledDefinitions = { ...traits.plan, populations: new Map() };
  const states: { id: string; state: DerivedState; profile: ProfileAt }[] = [];
  for (const person of people) {
    const state = emptyDerivedState();
    const profile: ProfileAt = { traits: {}, consent: {} };
    for (const e of person.events) {
      if (e.at > at) continue;
      if (e.traits !== undefined) Object.assign(profile.traits, e.traits);
      if (e.event !== undefined) feedEvent(plan, state, e, e.at);
    }
    refreshDerived(plan, state, profile, at, { everything: true });
    states.push({ id: person.id, state, profile });
  }
  const populations = populationsAt(plan, states, at);
  if (populations.size > 0) {
    plan.populations = populations;
    for (const { state, profile } of states)
      refreshDerived(plan, state, profile, at, { everything: true });
  }
  const rows = new Map<string, Record<string, number | string | null>>();
  const seen = new Set<string>();
  for (const { id, state } of states) {
    const features: Record<string, number | string | null> = {};
    for (const name of traits.names)
      Object.assign(features, computedFeatures(name, state.computed[name]));
    for (const c of Object.keys(features)) seen.add(c);
    rows.set(id, features);
  }
  const columns = orderColumns(traits.names, seen);
  for (const features of rows.values()) for (const c of columns) features[c] ??= null;
  return { columns, rows };
}

/**
 * A profile's live values of the named computed traits, for scoring. A trait the pipeline never
 * evaluated for the person (an all-time sum no event has fed) takes its value over no events
 * (`sum` 0, `count` 0, `last` null), which is what training reads for such a person at its
 * cutoff and what a backfill would write.
 */
export function liveComputedTraits(
  plan: CompiledDefinitions | undefined,
  names: readonly string[],
  computed: Readonly<Record<string, unknown>>,
  now: number,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of names) {
    if (name in computed) {
      values[name] = computed[name];
      continue;
    }
    const key = plan?.computed.find((c) => c.name === name)?.key;
    const node = key === undefined ? undefined : plan?.aggregates.get(key);
    if (node === undefined || plan?.ruledNames.has(name) === true) continue;
    values[name] = computedValue(
      initialAggregateState(node),
      node,
      now,
      key === undefined ? undefined : plan?.populations.get(key),
    );
  }
  return values;
}

interface ProfileAt {
  traits: Record<string, unknown>;
  consent: Record<string, unknown>;
}

/** The populations of the plan's population-scored kinds, from everyone's values at `at`. */
function populationsAt(
  plan: CompiledDefinitions,
  states: readonly { state: DerivedState }[],
  at: number,
): Map<string, TraitPopulation> {
  const made = new Map<string, TraitPopulation>();
  for (const { name, key } of plan.computed) {
    const node = plan.aggregates.get(key);
    const population = node === undefined ? undefined : traitKindOf(node)?.population;
    if (population === undefined || made.has(key)) continue;
    const samples: unknown[] = [];
    for (const { state } of states) {
      const sample = population.sample(state.computed[name]);
      if (sample !== undefined) samples.push(sample);
    }
    const summary = population.summarize(samples, new Date(at).toISOString());
    made.set(key, isPopulationSteps(summary) ? runSteps(summary) : summary);
  }
  return made;
}

function runSteps(steps: Generator<void, TraitPopulation>): TraitPopulation {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/**
 * A computed trait's value as model features: a number or text as `computed:NAME` (true/false
 * as text, a category), an object (RFM, CLV) as one feature per scalar field
 * (`computed:NAME.recency`); none for a missing value (a blank when the column exists).
 */
export function computedFeatures(
  name: string,
  value: unknown,
): Record<string, number | string | null> {
  const key = `${COMPUTED_FEATURE_PREFIX}${name}`;
  const scalar = (v: unknown): number | string | null | undefined =>
    typeof v === 'number'
      ? Number.isFinite(v)
        ? v
        : null
      : typeof v === 'string'
        ? v
        : typeof v === 'boolean'
          ? String(v)
          : v === null
            ? null
            : undefined;
  if (value === undefined || value === null) return {};
  const single = scalar(value);
  if (single !== undefined) return { [key]: single };
  if (typeof value !== 'object' || Array.isArray(value)) return {};
  const features: Record<string, number | string | null> = {};
  for (const [field, v] of Object.entries(value)) {
    const cell = scalar(v);
    if (cell !== undefined) features[`${key}.${field}`] = cell;
  }
  return features;
}

/** The columns in the order the traits were named, each trait's fields by name. */
function orderColumns(names: readonly string[], seen: ReadonlySet<string>): string[] {
  const columns: string[] = [];
  for (const name of names) {
    const key = `${COMPUTED_FEATURE_PREFIX}${name}`;
    if (seen.has(key)) columns.push(key);
    columns.push(...[...seen].filter((c) => c.startsWith(`${key}.`)).sort());
  }
  return columns;
}
