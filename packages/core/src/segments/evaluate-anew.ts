import type { StoredMessage } from '../events/events.schema.js';
import type { ModelScore } from '../models/registry/model-definition.schema.js';
import { feedHistory } from '../profiles/fold-derived.js';
import { compileDefinitions, type CompiledDefinitions } from './compile-definitions.js';
import { evaluateCondition } from './evaluate-condition.js';
import type { Condition } from './segments.schema.js';
import { derivedScope, emptyDerivedState, type DerivedState } from './update-derived.js';

/** A person as a condition not yet saved reads them: their profile as it stands now. */
export interface PersonNow {
  traits: Record<string, unknown>;
  consent: Record<string, unknown>;
  computed: Record<string, unknown>;
  scores: Record<string, ModelScore>;
  /** The segments they are in now (`in_segment`). */
  segments: readonly string[];
}

/** A condition compiled to be evaluated against people without being saved. */
export interface UnsavedCondition {
  condition: Condition;
  plan: CompiledDefinitions;
  /** Whether it counts or sequences events (else a person's events need not be read). */
  readsEvents: boolean;
}

/** Compiles a condition alone, with the clusterings `in_cluster` reads (those of the saved definitions). */
export function compileUnsaved(
  condition: Condition,
  clusterings: CompiledDefinitions['clusterings'] = new Map(),
): UnsavedCondition {
  const plan = { ...compileDefinitions([], [{ name: '', tree: condition }]), clusterings };
  return { condition, plan, readsEvents: plan.aggregates.size + plan.sequences.size > 0 };
}

/**
 * Whether a condition holds for a person as a backfill would find it once saved: its aggregates
 * and sequences rebuilt from all their events (in log order), everything else read from the
 * profile as it stands (traits, consent, computed traits, scores, the segments they are in). As
 * in the pipeline, events that came while the person refused analytics feed nothing.
 */
export function holdsAnew(
  unsaved: UnsavedCondition,
  person: PersonNow,
  events: readonly StoredMessage[],
  now: number,
  purposes: readonly string[],
): boolean {
  const { plan } = unsaved;
  const state: DerivedState = {
    ...emptyDerivedState(),
    computed: person.computed,
    scores: person.scores,
    segments: [...person.segments],
  };
  if (unsaved.readsEvents) feedHistory(plan, state, events, purposes);
  return evaluateCondition(unsaved.condition, derivedScope(plan, state, person, now));
}
