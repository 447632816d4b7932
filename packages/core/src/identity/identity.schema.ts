import { Type, type Static } from 'typebox';

/** One identifier of a person: its type (`userId`, `email`, a custom `loyaltyId`…) and its value. */
export const IdentifierRef = Type.Object({ type: Type.String(), value: Type.String() });
export type IdentifierRef = Static<typeof IdentifierRef>;

/**
 * How one identifier type is read and limited. The list of rules is in priority order: when a
 * link would break a limit, the identifiers later in the list are the ones left out.
 */
export const IdentifierRule = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' }),
    limit: Type.Integer({
      minimum: 1,
      description: 'Most distinct values of this type one profile may hold',
    }),
    paths: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description:
          'Dotted paths read from each message (e.g. `context.device.id`, `traits.loyaltyId`). ' +
          'Built-in types have built-in paths; paths given here are read as well.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type IdentifierRule = Static<typeof IdentifierRule>;

export const IdentityRules = Type.Array(IdentifierRule, {
  minItems: 1,
  description: 'Identifier types in priority order, highest first',
});
export type IdentityRules = Static<typeof IdentityRules>;

/** The defaults: one userId, up to five emails and phones, up to a thousand anonymousIds per person. */
export const DEFAULT_IDENTITY_RULES: IdentityRules = [
  { type: 'userId', limit: 1 },
  { type: 'email', limit: 5 },
  { type: 'phone', limit: 5 },
  { type: 'anonymousId', limit: 1000 },
];

/** A link Tailor refused because it would have broken a limit. */
export interface IdentityConflict {
  /** The identifier left out of the merge. */
  identifier: IdentifierRef;
  /** The identifier type whose limit the link would have broken. */
  limitType: string;
  limit: number;
  /** The profile the left-out identifier belongs to (absent when it was new). */
  profileId?: string;
  /** The profile the message was resolved to. */
  resolvedTo: string;
}

/** Checks what a schema cannot: each type once, and the two built-in types every message uses. */
export function checkIdentityRules(rules: IdentityRules): string | undefined {
  const types = rules.map((r) => r.type);
  const repeated = types.find((t, i) => types.indexOf(t) !== i);
  if (repeated !== undefined) return `identifier type ${repeated} is listed twice`;
  for (const required of ['userId', 'anonymousId']) {
    if (!types.includes(required))
      return `identifier type ${required} must be listed (it may be given a limit)`;
  }
  return undefined;
}
