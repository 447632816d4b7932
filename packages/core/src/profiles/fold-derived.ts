import type { StoredMessage } from '../events/events.schema.js';
import type { CompiledDefinitions } from '../segments/compile-definitions.js';
import { mergeSequenceStates } from '../segments/sequence-state.js';
import {
  feedEvent,
  refreshDerived,
  type DerivedChange,
  type DerivedEvent,
  type DerivedState,
  type Taker,
} from '../segments/update-derived.js';
import { mergeAggregateStates } from '../traits/aggregate-state.js';
import { traitValues } from './apply-traits.js';
import { applyConsent, consentValues } from '../privacy/apply-consent.js';
import { DEFAULT_PURPOSES, emptyConsent } from '../privacy/consent.schema.js';
import type { ProfileGraph, ProfileState } from './profile-graph.js';
import type { ModelScore } from '../models/registry/model-definition.schema.js';

/** The event name aggregates and sequences see: a track's event, `Page Viewed`, `Screen Viewed`. */
export function derivedEventName(message: StoredMessage): string | undefined {
  if (message.type === 'track') return message.event;
  if (message.type === 'page') return 'Page Viewed';
  if (message.type === 'screen') return 'Screen Viewed';
  return undefined;
}

/** A message as aggregates and sequences see it (undefined: an identify, group or alias). */
export function derivedEvent(message: StoredMessage): DerivedEvent | undefined {
  const event = derivedEventName(message);
  return event === undefined
    ? undefined
    : { event, properties: message.properties ?? {}, context: message.context };
}

/**
 * Feeds a message into the person's derived state and records what flipped; `takers`, what it
 * feeds, when the caller has found them already.
 */
export function updateDerived(
  graph: ProfileGraph,
  profile: ProfileState,
  message: StoredMessage,
  plan: CompiledDefinitions,
  now: number,
  why: { traitsChanged: boolean; merged: boolean },
  takers?: readonly Taker[],
): void {
  const event = derivedEvent(message);
  if (event !== undefined)
    feedEvent(plan, profile.derived, event, Date.parse(message.timestamp), takers);
  const change = refreshDerived(
    plan,
    profile.derived,
    { traits: traitValues(profile.traits), consent: consentValues(profile.consent) },
    now,
    {
      event: event?.event,
      traitsChanged: why.traitsChanged,
      everything: why.merged,
    },
  );
  record(graph, profile, change, new Date(now).toISOString(), message.messageId);
}

/**
 * Re-evaluates the segments that read the profile after its consent changed, without feeding the
 * message to any aggregate (it came without analytics consent).
 */
export function refreshForConsent(
  graph: ProfileGraph,
  profile: ProfileState,
  message: StoredMessage,
  options: { plan?: CompiledDefinitions; now?: number },
): void {
  if (options.plan === undefined) return;
  const now = options.now ?? Date.parse(message.receivedAt);
  const change = refreshDerived(
    options.plan,
    profile.derived,
    { traits: traitValues(profile.traits), consent: consentValues(profile.consent) },
    now,
    {
      traitsChanged: true,
    },
  );
  record(graph, profile, change, new Date(now).toISOString(), message.messageId);
}

/** Re-evaluates a person whose state changes by time alone (a sweep found them due). */
export function refreshDue(
  graph: ProfileGraph,
  profile: ProfileState,
  plan: CompiledDefinitions,
  now: number,
): void {
  const change = refreshDerived(
    plan,
    profile.derived,
    { traits: traitValues(profile.traits), consent: consentValues(profile.consent) },
    now,
    { everything: true },
  );
  record(graph, profile, change, new Date(now).toISOString(), 'time');
}

/**
 * Writes a person's model scores (the scoring job, docs/models.md): `scores` replaces them all
 * (models left out lose theirs), and the segments reading a score that changed are evaluated again.
 */
export function refreshScores(
  graph: ProfileGraph,
  profile: ProfileState,
  scores: Record<string, ModelScore>,
  plan: CompiledDefinitions | undefined,
  now: number,
): void {
  const before = profile.derived.scores ?? {};
  const changed = [...new Set([...Object.keys(before), ...Object.keys(scores)])].filter(
    (name) => before[name]?.score !== scores[name]?.score,
  );
  profile.derived.scores = scores;
  if (plan === undefined) {
    graph.touch(profile);
    return;
  }
  const change = refreshDerived(
    plan,
    profile.derived,
    { traits: traitValues(profile.traits), consent: consentValues(profile.consent) },
    now,
    { models: changed },
  );
  record(graph, profile, change, new Date(now).toISOString(), 'model');
}

/** Moves a merged-away profile's derived state into the survivor; its memberships end. */
export function mergeDerived(
  graph: ProfileGraph,
  into: ProfileState,
  from: ProfileState,
  plan: CompiledDefinitions,
  at: string,
): void {
  for (const [key, state] of Object.entries(from.derived.aggregates)) {
    const node = plan.aggregates.get(key);
    const mine = into.derived.aggregates[key];
    if (node !== undefined)
      into.derived.aggregates[key] =
        mine === undefined ? state : mergeAggregateStates(node, mine, state);
  }
  for (const [key, state] of Object.entries(from.derived.sequences)) {
    const mine = into.derived.sequences[key];
    into.derived.sequences[key] = mine === undefined ? state : mergeSequenceStates(mine, state);
  }
  for (const segment of from.derived.segments) {
    graph.changes.memberships.push({
      profileId: from.id,
      segment,
      entered: false,
      at,
      cause: 'merge',
    });
  }
  from.derived.segments = [];
  graph.changes.timers.set(from.id, null);
}

function record(
  graph: ProfileGraph,
  profile: ProfileState,
  change: DerivedChange,
  at: string,
  cause: string,
): void {
  for (const segment of change.entered)
    graph.changes.memberships.push({ profileId: profile.id, segment, entered: true, at, cause });
  for (const segment of change.exited)
    graph.changes.memberships.push({ profileId: profile.id, segment, entered: false, at, cause });
  for (const a of change.announced)
    graph.changes.announced.push({
      profileId: profile.id,
      event: a.announce,
      trait: a.trait,
      from: a.from,
      to: a.to,
      at,
      cause,
    });
  graph.changes.timers.set(profile.id, change.dueAt ?? null);
  graph.touch(profile);
}

/**
 * Feeds a person's events, in log order, into fresh aggregates and sequences as folding them did:
 * an event that came while the person refused analytics (that message's own answer counted) feeds
 * nothing.
 */
export function feedHistory(
  plan: CompiledDefinitions,
  state: DerivedState,
  events: readonly StoredMessage[],
  purposes: readonly string[] = DEFAULT_PURPOSES,
): void {
  state.aggregates = {};
  state.sequences = {};
  const consent = emptyConsent();
  for (const message of events) {
    applyConsent(consent, message, purposes);
    if (consent.current.analytics?.granted === false) continue;
    const event = derivedEvent(message);
    if (event !== undefined) feedEvent(plan, state, event, Date.parse(message.timestamp));
  }
}

/**
 * Rebuilds a person's aggregates and sequences from all their events (a backfill after a
 * definition changed), then re-evaluates every computed trait and segment.
 */
export function rebuildDerived(
  graph: ProfileGraph,
  profile: ProfileState,
  events: readonly StoredMessage[],
  plan: CompiledDefinitions,
  now: number,
  purposes?: readonly string[],
): void {
  feedHistory(plan, profile.derived, events, purposes);
  const change = refreshDerived(
    plan,
    profile.derived,
    { traits: traitValues(profile.traits), consent: consentValues(profile.consent) },
    now,
    { everything: true },
  );
  record(graph, profile, change, new Date(now).toISOString(), 'backfill');
}
