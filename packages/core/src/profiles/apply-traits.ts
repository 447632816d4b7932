import type { Provenance, TraitMap, TraitPolicy } from './profiles.schema.js';

/** Ranks sources by a policy: lower is stronger; unlisted sources share the weakest rank. */
export function sourceRanker(policy: TraitPolicy): (source: string) => number {
  const patterns = policy.sourcePriority;
  return (source) => {
    const i = patterns.findIndex((p) =>
      p.endsWith('*') ? source.startsWith(p.slice(0, -1)) : source === p,
    );
    return i === -1 ? patterns.length : i;
  };
}

/** True when `incoming` should replace `current` under the policy. */
export function wins(
  incoming: Provenance,
  current: Provenance,
  rank: (source: string) => number,
): boolean {
  const a = rank(incoming.source);
  const b = rank(current.source);
  if (a !== b) return a < b;
  // ISO 8601 UTC strings of one format compare as text; a tie goes to the later arrival.
  return incoming.timestamp >= current.timestamp;
}

/**
 * Applies a message's traits to a profile's, each value keeping its provenance. A late message
 * older than the stored value does not overwrite it. Returns the names that changed (undefined
 * values are ignored; null is a value, as in the Segment Spec).
 */
export function applyTraits(
  traits: TraitMap,
  incoming: Record<string, unknown>,
  provenance: Provenance,
  rank: (source: string) => number,
): string[] {
  const changed: string[] = [];
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const current = Object.hasOwn(traits, name) ? traits[name] : undefined;
    if (current !== undefined && !wins(provenance, current, rank)) continue;
    traits[name] = { value, ...provenance };
    changed.push(name);
  }
  return changed;
}

/** Merges another profile's traits into `traits`, trait by trait, by the same policy. */
export function mergeTraits(
  traits: TraitMap,
  other: TraitMap,
  rank: (source: string) => number,
): void {
  for (const [name, entry] of Object.entries(other)) {
    const current = Object.hasOwn(traits, name) ? traits[name] : undefined;
    if (current === undefined || wins(entry, current, rank)) traits[name] = entry;
  }
}

/** The plain `{name: value}` view of a trait map. */
export function traitValues(traits: TraitMap): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(traits)) values[name] = entry.value;
  return values;
}
