export * from './profiles.schema.js';
export { applyTraits, mergeTraits, sourceRanker, traitValues, wins } from './apply-traits.js';
export {
  ProfileGraph,
  identityKey,
  type ConflictRecord,
  type GraphChanges,
  type GraphSnapshot,
  type MembershipChange,
  type ProfileState,
} from './profile-graph.js';
export { derivedEventName, rebuildDerived, refreshDue } from './fold-derived.js';
export { foldEvents, profileIdFor, type FoldOptions, type FoldableEvent } from './fold-events.js';
