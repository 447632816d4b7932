import { Type, type Static } from 'typebox';

/**
 * How personal fields reach a reader: `mask` replaces each value with `[masked]`, `hash` with the
 * SHA-256 hex of its trimmed, lower-cased text (what ad platforms match on), `include` leaves it.
 */
export const PiiMode = Type.Union(
  [Type.Literal('mask'), Type.Literal('hash'), Type.Literal('include')],
  {
    description:
      'Personal fields (docs/pii-masking.md): `mask` (default) sends `[masked]`, `hash` the SHA-256 hex of the trimmed, lower-cased value, `include` the value (admin keys only)',
  },
);
export type PiiMode = Static<typeof PiiMode>;
