import type { StoredMessage } from '../events/events.schema.js';
import { eventTarget, TRAITS_TARGET } from '../events/tracking-plan.schema.js';
import { readPath } from '../identity/extract-identifiers.js';
import type { IdentifierRef } from '../identity/identity.schema.js';
import type { MergeRecord, Profile } from '../profiles/profiles.schema.js';
import { isPiiField, isPiiIdentifierType, isPiiTrait } from './pii-fields.js';
import { markOf, type PiiMarks } from './pii-marks.js';
import type { PiiPolicy } from './pii-policy.js';

/** What a masked value becomes, whatever it was: nothing of it (not even its length) shows. */
export const MASKED = '[masked]';

export type PiiLeaf = string | number | boolean;
/** What each leaf of a personal value becomes (objects and arrays keep their shape; null and '' stay). */
export type ReplaceLeaf = (leaf: PiiLeaf) => unknown;

export const maskLeaf: ReplaceLeaf = () => MASKED;

/**
 * Hashes each leaf as ad platforms expect for matching: the digest (SHA-256 hex, given by the
 * caller: core has no crypto) of the trimmed, lower-cased text. Emails and phones were normalized
 * at collection (lower-case; E.164), so equal contacts hash equal.
 */
export function hashLeaf(digest: (text: string) => string): ReplaceLeaf {
  return (leaf) => digest(String(leaf).trim().toLowerCase());
}

type Json = Record<string, unknown>;

/** Which field names are personal in an object: at its top level, and deeper. */
interface Names {
  top: (field: string) => boolean;
  deeper: (field: string) => boolean;
}
const NO_NAMES: Names = { top: () => false, deeper: () => false };
/** A person's traits: `name` too, at the top. */
const PERSON: Names = { top: isPiiTrait, deeper: isPiiField };
/** Properties, and a group's (company's) traits. */
const FIELDS: Names = { top: isPiiField, deeper: isPiiField };

/**
 * A copy of a message with its personal data replaced: the default fields and the plan's marks in
 * `traits`, `context.traits` and `properties`, the context's locators (`context.ip`…), identifier
 * paths, and the originals (`tailor.originals`) of every value replaced. userId, anonymousId,
 * previousId and groupId stay, so a receiver can still join. Unchanged parts are shared, not copied.
 */
export function maskMessage(
  message: StoredMessage,
  policy: PiiPolicy,
  replace: ReplaceLeaf,
): StoredMessage {
  const masked = {
    ...(maskObject(message, NO_NAMES, policy.message, replace, true) as StoredMessage),
  };
  const traitMarks = policy.marks.get(TRAITS_TARGET);
  if (masked.properties !== undefined) {
    const marks =
      message.type === 'track' && message.event !== undefined
        ? policy.marks.get(eventTarget(message.event))
        : undefined;
    masked.properties = maskObject(masked.properties, FIELDS, marks, replace, true);
  }
  if (masked.traits !== undefined) {
    masked.traits =
      message.type === 'group'
        ? maskObject(masked.traits, FIELDS, undefined, replace, true)
        : maskObject(masked.traits, PERSON, traitMarks, replace, true);
  }
  const contextTraits = masked.context.traits;
  if (isObject(contextTraits)) {
    const next = maskObject(contextTraits, PERSON, traitMarks, replace, true);
    if (next !== contextTraits) masked.context = { ...masked.context, traits: next };
  }
  const originals = message.tailor.originals;
  if (originals !== undefined) {
    // An original is as personal as the value it was normalized into.
    const changed = Object.keys(originals).filter(
      (path) => readPath(message, path) !== readPath(masked, path),
    );
    if (changed.length > 0) {
      const next = { ...originals };
      for (const path of changed) define(next, path, replaceAll(originals[path], replace));
      masked.tailor = { ...message.tailor, originals: next };
    }
  }
  return masked;
}

/** A person's traits (a profile's, an identify's) with the personal ones replaced. */
export function maskTraits(traits: Json, policy: PiiPolicy, replace: ReplaceLeaf): Json {
  return maskObject(traits, PERSON, policy.marks.get(TRAITS_TARGET), replace, true);
}

/** The identifier with its value replaced when its type is personal (`email`, `phone`…). */
export function maskIdentifier(identifier: IdentifierRef, replace: ReplaceLeaf): IdentifierRef {
  return isPiiIdentifierType(identifier.type)
    ? { type: identifier.type, value: String(replace(identifier.value)) }
    : identifier;
}

/**
 * The profile with its personal traits, identifiers and computed traits (those carrying personal
 * values) replaced; ids, segments, consent and other computed traits stay.
 */
export function maskProfile(profile: Profile, policy: PiiPolicy, replace: ReplaceLeaf): Profile {
  return {
    ...profile,
    identifiers: profile.identifiers.map((i) => maskIdentifier(i, replace)),
    traits: maskTraits(profile.traits, policy, replace),
    computed: maskComputed(profile.computed, policy, replace),
    ...(profile.scores && { scores: maskScores(profile.scores, policy, replace) }),
  };
}

/** Explanations show the traits a model read (`trait:NAME`): those personal are masked as traits are. */
function maskScores(
  scores: NonNullable<Profile['scores']>,
  policy: PiiPolicy,
  replace: ReplaceLeaf,
): NonNullable<Profile['scores']> {
  const out: NonNullable<Profile['scores']> = {};
  for (const [name, score] of Object.entries(scores)) {
    out[name] =
      score.contributions === undefined
        ? score
        : {
            ...score,
            contributions: score.contributions.map((c) => {
              if (!c.feature.startsWith('trait:') || c.value === null) return c;
              const trait = c.feature.slice('trait:'.length).split('=')[0] as string;
              const masked = maskTraits({ [trait]: c.value }, policy, replace) as Record<
                string,
                unknown
              >;
              return masked[trait] === c.value
                ? c
                : { ...c, feature: `trait:${trait}`, value: masked[trait] as string };
            }),
          };
  }
  return out;
}

/** Computed traits with those carrying personal values replaced leaf by leaf, as personal traits are. */
export function maskComputed<T extends Json>(
  computed: T,
  policy: PiiPolicy,
  replace: ReplaceLeaf,
): T {
  const personal = policy.computed;
  if (personal === undefined || personal.size === 0) return computed;
  let out: Json | undefined;
  for (const name of Object.keys(computed)) {
    if (!personal.has(name)) continue;
    const value = computed[name];
    const next = replaceAll(value, replace);
    if (next === value) continue;
    out ??= { ...computed };
    define(out, name, next);
  }
  return (out ?? computed) as T;
}

/** A merge whose reason (`identifier TYPE:VALUE`) names a personal identifier, with the value replaced. */
export function maskMergeRecord(record: MergeRecord, replace: ReplaceLeaf): MergeRecord {
  const match = /^identifier ([^:]+):(.*)$/s.exec(record.reason);
  if (match === null) return record;
  const [, type = '', value = ''] = match;
  const masked = maskIdentifier({ type, value }, replace);
  return masked.value === value
    ? record
    : { ...record, reason: `identifier ${type}:${masked.value}` };
}

/** Walks an object: a field that is named personal or marked is replaced whole; others are walked into. */
function maskObject(
  object: Json,
  names: Names,
  marks: PiiMarks | undefined,
  replace: ReplaceLeaf,
  top: boolean,
): Json {
  let out: Json | undefined;
  for (const field of Object.keys(object)) {
    const value = object[field];
    const mark = markOf(marks, field);
    let next: unknown;
    if (mark === true || (top ? names.top(field) : names.deeper(field)))
      next = replaceAll(value, replace);
    else if (
      typeof value === 'object' &&
      value !== null &&
      (names !== NO_NAMES || mark !== undefined)
    )
      next = maskNested(value, names, mark, replace);
    else continue;
    if (next === value) continue;
    out ??= { ...object };
    define(out, field, next);
  }
  return out ?? object;
}

/** Arrays are transparent: each item is walked with the array field's marks. */
function maskNested(
  value: object,
  names: Names,
  marks: PiiMarks | undefined,
  replace: ReplaceLeaf,
): unknown {
  if (!Array.isArray(value)) return maskObject(value as Json, names, marks, replace, false);
  const items = value as unknown[];
  let out: unknown[] | undefined;
  items.forEach((item, i) => {
    if (typeof item !== 'object' || item === null) return;
    const next = maskNested(item, names, marks, replace);
    if (next === item) return;
    out ??= [...items];
    out[i] = next;
  });
  return out ?? items;
}

/** Every leaf replaced, the shape kept; null, undefined and '' hold nothing and stay. */
function replaceAll(value: unknown, replace: ReplaceLeaf): unknown {
  if (value === null || value === undefined || value === '') return value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return replace(value);
  if (Array.isArray(value)) return value.map((item) => replaceAll(item, replace));
  if (typeof value === 'object') {
    const out: Json = {};
    for (const [field, inner] of Object.entries(value))
      define(out, field, replaceAll(inner, replace));
    return out;
  }
  return MASKED;
}

/** Sets an own field, even one named `__proto__`. */
function define(object: Json, field: string, value: unknown): void {
  Object.defineProperty(object, field, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
