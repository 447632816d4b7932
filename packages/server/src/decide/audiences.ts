import { maskComputed, maskLeaf, maskTraits, type PiiPolicy, type ReplaceLeaf } from '@tailor/core';

type Traits = Record<string, unknown>;

/**
 * Who a decision is for, and so what its templates and reasons may show. An admin key sees
 * everything; the public write key (it sits in web pages, and anyone may send any userId with it)
 * gets a person's personal traits only where the placement lists them (`browserTraits`) or the
 * request proves the person (`userHash`), and reasons naming items by id only.
 */
export interface Audience {
  /** Tells renders for different audiences apart: a masked and a full render never share a kept output. */
  readonly key: string;
  /** The traits templates see, from the person's and the placement's `browserTraits`; all of them when absent. */
  readonly traits?: (traits: Traits, shown: readonly string[] | undefined) => Traits;
  /** The computed traits templates see (those carrying personal values masked); all of them when absent. */
  readonly computed?: <T extends Traits>(computed: T) => T;
  /** `ids`: items and rules named by id with their outcome only (no rule text, counts or values). */
  readonly reasons: 'full' | 'ids';
}

/** Admin keys, and the server's own calls: every trait, full reasons. */
export const FULL_AUDIENCE: Audience = { key: 'full', reasons: 'full' };

/** The write key with a valid `userHash`: the person is proven, their traits are theirs to see; reasons stay ids only. */
export const VERIFIED_AUDIENCE: Audience = { key: 'full', reasons: 'ids' };

/** What a personal value becomes for the write key: nothing (absent, as if the person had no such trait). */
const REMOVE: ReplaceLeaf = () => undefined;

/**
 * The write key without a valid `userHash`: personal traits absent unless the placement lists them.
 * The masked traits of a person are kept (by their traits object, which the person cache replaces
 * when the profile changes) so a person deciding again costs no masking.
 */
export function publicAudience(pii: () => PiiPolicy): Audience {
  return {
    key: 'public',
    reasons: 'ids',
    traits: maskingTraits(pii, REMOVE),
    computed: (computed) => maskComputed(computed, pii(), REMOVE),
  };
}

/** A preview for a reader who is not an admin: the same masking the profile API applies (`[masked]`); full reasons. */
export function readerAudience(pii: () => PiiPolicy): Audience {
  return {
    key: 'reader',
    reasons: 'full',
    traits: maskingTraits(pii, maskLeaf),
    computed: (computed) => maskComputed(computed, pii(), maskLeaf),
  };
}

function maskingTraits(
  pii: () => PiiPolicy,
  replace: ReplaceLeaf,
): NonNullable<Audience['traits']> {
  let policy: PiiPolicy | undefined;
  let masked = new WeakMap<
    Traits,
    { base: Traits; withShown?: WeakMap<readonly string[], Traits> }
  >();
  return (traits, shown) => {
    const current = pii();
    if (current !== policy) {
      policy = current; // a tracking plan changed what is personal
      masked = new WeakMap();
    }
    let entry = masked.get(traits);
    if (entry === undefined) {
      entry = { base: maskTraits(traits, current, replace) };
      masked.set(traits, entry);
    }
    if (shown === undefined || entry.base === traits) return entry.base;
    entry.withShown ??= new WeakMap();
    let withShown = entry.withShown.get(shown);
    if (withShown === undefined) {
      withShown = { ...entry.base };
      for (const name of shown) {
        if (Object.hasOwn(traits, name))
          Object.defineProperty(withShown, name, {
            value: traits[name],
            enumerable: true,
            writable: true,
            configurable: true,
          });
      }
      entry.withShown.set(shown, withShown);
    }
    return withShown;
  };
}
