import type { IdentifierRef, IdentityConflict, IdentityRules } from './identity.schema.js';

/** What resolution needs to know about the identity graph as it stands. */
export interface IdentityGraphView {
  /** The (surviving) profile an identifier belongs to. */
  profileOf(identifier: IdentifierRef): string | undefined;
  /** How many identifiers of each type a profile holds. */
  countsOf(profileId: string): ReadonlyMap<string, number>;
  /** Creation order: the oldest profile (lowest rank) survives a merge. */
  ageRank(profileId: string): number;
}

export interface Resolution {
  /** The profile the message belongs to; undefined when a new profile must be created. */
  profileId: string | undefined;
  /** Identifiers new to the graph, to attach to that profile. */
  attach: IdentifierRef[];
  /** Profiles to merge into it (their identifiers, traits and events move over), and the link. */
  absorb: { profileId: string; via: IdentifierRef; alias: boolean }[];
  /** Links refused because they would have broken a limit. */
  conflicts: Omit<IdentityConflict, 'resolvedTo'>[];
}

/**
 * Resolves a message's identifiers against the graph, deterministically.
 *
 * Identifiers are taken in priority order; each one's profile (or the identifier alone, when it is
 * new) joins the group unless the group would then hold more distinct values of some type than its
 * limit allows. Such an identifier is left out and the conflict recorded: two userIds reached through
 * one shared email or device do not merge. A profile already over a limit (through an alias) may
 * still take in profiles that add nothing of that type.
 *
 * An alias is an explicit instruction: its previousId is linked to its userId whatever the limits,
 * with the previousId's type being the one it is already known as (userId, else anonymousId).
 */
export function resolveIdentity(
  view: IdentityGraphView,
  message: { identifiers: readonly IdentifierRef[]; previousId?: string },
  rules: IdentityRules,
): Resolution {
  const limits = new Map(rules.map((r) => [r.type, r.limit]));
  const candidates: { identifier: IdentifierRef; forced: boolean }[] = message.identifiers.map(
    (identifier) => ({
      identifier,
      forced: false,
    }),
  );
  if (message.previousId !== undefined) {
    candidates.splice(1, 0, { identifier: typePreviousId(view, message.previousId), forced: true });
  }

  const profiles: { profileId: string; via: IdentifierRef; alias: boolean }[] = [];
  const counts = new Map<string, number>();
  const attach: IdentifierRef[] = [];
  const conflicts: Resolution['conflicts'] = [];
  for (const { identifier, forced } of candidates) {
    const profileId = view.profileOf(identifier);
    if (profileId !== undefined && profiles.some((p) => p.profileId === profileId)) continue;
    if (
      profileId === undefined &&
      attach.some((a) => a.type === identifier.type && a.value === identifier.value)
    ) {
      continue;
    }
    const adding =
      profileId === undefined ? new Map([[identifier.type, 1]]) : view.countsOf(profileId);
    const broken = forced ? undefined : brokenLimit(counts, adding, limits);
    if (broken !== undefined) {
      conflicts.push({
        identifier,
        limitType: broken,
        limit: limits.get(broken) ?? Infinity,
        ...(profileId !== undefined && { profileId }),
      });
      continue;
    }
    for (const [type, n] of adding) counts.set(type, (counts.get(type) ?? 0) + n);
    if (profileId === undefined) attach.push(identifier);
    else profiles.push({ profileId, via: identifier, alias: forced });
  }

  profiles.sort((a, b) => view.ageRank(a.profileId) - view.ageRank(b.profileId));
  const [survivor, ...absorb] = profiles;
  return { profileId: survivor?.profileId, attach, absorb, conflicts };
}

/** The first type whose limit joining `adding` to `group` would break, if any. */
function brokenLimit(
  group: ReadonlyMap<string, number>,
  adding: ReadonlyMap<string, number>,
  limits: ReadonlyMap<string, number>,
): string | undefined {
  for (const [type, n] of adding) {
    const have = group.get(type) ?? 0;
    const limit = limits.get(type) ?? Infinity;
    if (have + n > Math.max(limit, have, n)) return type;
  }
  return undefined;
}

function typePreviousId(view: IdentityGraphView, value: string): IdentifierRef {
  const asUser = { type: 'userId', value };
  return view.profileOf(asUser) !== undefined ? asUser : { type: 'anonymousId', value };
}

/**
 * Resolves an explicit merge of two profiles (a probabilistic match): the older absorbs the other
 * unless together they would break a limit (two different userIds are two people, whatever their
 * names say); then nothing merges and the conflict is recorded against the first profile.
 */
export function resolveMerge(
  view: IdentityGraphView,
  ids: readonly [string, string],
  rules: IdentityRules,
): Resolution {
  const limits = new Map(rules.map((r) => [r.type, r.limit]));
  const [a, b] = [...ids].sort((x, y) => view.ageRank(x) - view.ageRank(y)) as [string, string];
  if (a === b) return { profileId: a, attach: [], absorb: [], conflicts: [] };
  const broken = brokenLimit(view.countsOf(a), view.countsOf(b), limits);
  if (broken !== undefined) {
    return {
      profileId: a,
      attach: [],
      absorb: [],
      conflicts: [
        {
          identifier: { type: 'profile', value: b },
          limitType: broken,
          limit: limits.get(broken) ?? Infinity,
          profileId: b,
        },
      ],
    };
  }
  return {
    profileId: a,
    attach: [],
    absorb: [{ profileId: b, via: { type: 'profile', value: b }, alias: false }],
    conflicts: [],
  };
}
