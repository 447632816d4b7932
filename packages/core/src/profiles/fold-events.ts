import { DECIDE_SOURCE, EXPERIMENTS_SOURCE, type StoredMessage } from '../events/events.schema.js';
import { extractIdentifiers } from '../identity/extract-identifiers.js';
import type { IdentityRules } from '../identity/identity.schema.js';
import { resolveIdentity, resolveMerge, type Resolution } from '../identity/resolve-identity.js';
import type { CompiledDefinitions } from '../segments/compile-definitions.js';
import { derivedEvent, mergeDerived, refreshForConsent, updateDerived } from './fold-derived.js';
import { applyTraits, mergeTraits } from './apply-traits.js';
import type { GraphChanges, ProfileGraph, ProfileState } from './profile-graph.js';
import type { Provenance } from './profiles.schema.js';
import {
  emptyDerivedState,
  eventMatters,
  takersOf,
  type DerivedEvent,
  type Taker,
} from '../segments/update-derived.js';
import { applyConsent, consentIn, mergeConsent } from '../privacy/apply-consent.js';
import { DEFAULT_PURPOSES, emptyConsent } from '../privacy/consent.schema.js';

export interface FoldOptions {
  rules: IdentityRules;
  /** Source rank from the trait policy (see `sourceRanker`). */
  rank: (source: string) => number;
  /** Computed traits and segments to keep current; none when absent. */
  plan?: CompiledDefinitions;
  /** The time of the fold (ms): windows are evaluated as of now. */
  now?: number;
  /** The consent purposes answers are kept for; the defaults when absent. */
  purposes?: readonly string[];
}

export interface FoldableEvent {
  position: number;
  message: StoredMessage;
}

/**
 * Folds events, in log order, into the identity graph and the profiles: resolve the identifiers,
 * create, attach or merge, then apply the message's traits. Returns the changes to persist.
 */
export function foldEvents(
  graph: ProfileGraph,
  events: readonly FoldableEvent[],
  options: FoldOptions,
): GraphChanges {
  for (const event of events) foldEvent(graph, event, options);
  return graph.changes;
}

function foldEvent(
  graph: ProfileGraph,
  { position, message }: FoldableEvent,
  options: FoldOptions,
): void {
  if (message.tailor.anonymized === true) return; // stored without identifiers: nobody's
  const extracted = extractIdentifiers(message, options.rules);
  // A merge instruction naming a profile that does not exist resolves like any other message.
  const [a, b] = message.tailor.merge?.profiles.map((id) => graph.find(id)) ?? [];
  const resolution =
    a !== undefined && b !== undefined
      ? resolveMerge(graph, [a.id, b.id], options.rules)
      : resolveIdentity(graph, extracted, options.rules);
  const profile = settle(graph, resolution, position, message, options);
  if (profile === undefined) return;
  graph.changes.assignments.push({ position, profileId: profile.id });
  // What the message feeds, found once for both the question below and the feeding.
  const event = derivedEvent(message);
  const takers =
    options.plan === undefined || event === undefined ? [] : takersOf(options.plan, event);
  const unchanging = passive(message, resolution, options, event, takers);
  // Tailor's own records of what it showed someone are theirs (export, erasure, caps), not
  // something they did: they do not move the profile's times, and one nothing takes changes
  // nothing of the profile at all.
  const own = OWN_RECORDS.has(message.tailor.source);
  if (unchanging && own) return;
  if (!own && message.timestamp > profile.updatedAt) profile.updatedAt = message.timestamp;
  if (!own && message.timestamp < profile.createdAt) profile.createdAt = message.timestamp;
  graph.touch(profile);
  if (unchanging) return;

  const consentChanged = applyConsent(
    profile.consent,
    message,
    options.purposes ?? DEFAULT_PURPOSES,
  );
  // Without analytics consent the event is kept (and assigned to the person, for export and
  // erasure) but not used: no traits, groups, computed traits or segments from it.
  if (profile.consent.current.analytics?.granted === false) {
    if (consentChanged && options.plan) refreshForConsent(graph, profile, message, options);
    return;
  }

  const provenance: Provenance = {
    source: message.tailor.source,
    messageId: message.messageId,
    timestamp: message.timestamp,
  };
  const traitsChanged =
    message.type === 'identify' &&
    message.traits !== undefined &&
    applyTraits(profile.traits, message.traits, provenance, options.rank).length > 0;
  if (message.type === 'group' && message.groupId !== undefined) {
    if (!profile.groups.includes(message.groupId)) profile.groups.push(message.groupId);
    if (message.traits)
      applyTraits(graph.group(message.groupId), message.traits, provenance, options.rank);
  }
  if (options.plan) {
    updateDerived(
      graph,
      profile,
      message,
      options.plan,
      options.now ?? Date.parse(message.receivedAt),
      {
        traitsChanged: traitsChanged || consentChanged,
        merged: resolution.absorb.length > 0,
      },
      takers,
    );
  }
}

/** Sources of the events Tailor records about a person itself: decisions and experiment exposures. */
const OWN_RECORDS: ReadonlySet<string> = new Set([DECIDE_SOURCE, EXPERIMENTS_SOURCE]);

/**
 * An event that changes nothing of its (existing) person but the times: no new identifier, no
 * merge, no traits, groups or consent, and nothing in the definitions takes it. The fold then reads
 * none of the profile's traits, consent or derived state, so a store can leave them unread (most
 * `Decision Made` events under the usual definitions).
 */
function passive(
  message: StoredMessage,
  resolution: Resolution,
  options: FoldOptions,
  event: DerivedEvent | undefined,
  takers: readonly Taker[],
): boolean {
  if (
    resolution.profileId === undefined ||
    resolution.attach.length > 0 ||
    resolution.absorb.length > 0
  )
    return false;
  if (message.type !== 'track' && message.type !== 'page' && message.type !== 'screen')
    return false;
  if (consentIn(message, options.purposes ?? DEFAULT_PURPOSES).length > 0) return false;
  return (
    options.plan === undefined || event === undefined || !eventMatters(options.plan, event, takers)
  );
}

/** Creates, attaches and merges as resolved; returns the message's profile. */
function settle(
  graph: ProfileGraph,
  resolution: Resolution,
  position: number,
  message: StoredMessage,
  options: FoldOptions,
): ProfileState | undefined {
  let profile: ProfileState;
  if (resolution.profileId === undefined) {
    if (resolution.attach.length === 0) return undefined;
    profile = {
      id: profileIdFor(position),
      rank: position,
      createdAt: message.timestamp,
      updatedAt: message.timestamp,
      counts: new Map(),
      traits: {},
      groups: [],
      derived: emptyDerivedState(),
      consent: emptyConsent(),
    };
    graph.create(profile);
  } else {
    profile = graph.profile(resolution.profileId);
  }
  for (const absorbed of resolution.absorb) {
    const other = graph.profile(absorbed.profileId);
    mergeTraits(profile.traits, other.traits, options.rank);
    for (const [type, n] of other.counts)
      profile.counts.set(type, (profile.counts.get(type) ?? 0) + n);
    for (const g of other.groups) if (!profile.groups.includes(g)) profile.groups.push(g);
    mergeConsent(profile.consent, other.consent);
    if (other.createdAt < profile.createdAt) profile.createdAt = other.createdAt;
    if (other.updatedAt > profile.updatedAt) profile.updatedAt = other.updatedAt;
    if (options.plan) mergeDerived(graph, profile, other, options.plan, message.timestamp);
    graph.redirect(other.id, profile.id);
    graph.changes.merges.push({
      into: profile.id,
      from: other.id,
      messageId: message.messageId,
      at: message.timestamp,
      reason:
        message.tailor.merge?.reason ??
        (message.type === 'alias'
          ? 'alias'
          : `identifier ${absorbed.via.type}:${absorbed.via.value}`),
    });
  }
  for (const identifier of resolution.attach) graph.attach(identifier, profile.id);
  for (const conflict of resolution.conflicts) {
    graph.changes.conflicts.push({
      ...conflict,
      resolvedTo: profile.id,
      messageId: message.messageId,
      at: message.timestamp,
    });
  }
  return profile;
}

/** Profile ids derive from the position of the event that created the profile: replays give the same ids. */
export function profileIdFor(position: number): string {
  return `p_${position.toString(36).padStart(6, '0')}`;
}
