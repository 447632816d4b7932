import { Type } from 'typebox';
import { Decision, MAX_DECIDE_PLACEMENTS, PlacementBody } from '@tailor/core';

/** A placement's name in a route. */
export const PlacementName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

/** A placement as the API shows it: its body, name, version and times. */
export const Placement = Type.Intersect([
  PlacementBody,
  Type.Object({
    name: Type.String(),
    version: Type.Integer(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  }),
]);

export const PlacementList = Type.Object({ items: Type.Array(Placement) });

const Context = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'What the touchpoint knows: page, device, location, time of day, locale, timezone… read as `context.*` by rules and templates',
});
const Person = {
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
};

/** `POST /v1/placements/NAME/preview`: the person (or profile) and context to render for. */
export const PreviewBody = Type.Object(
  {
    ...Person,
    profileId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    itemId: Type.Optional(Type.String()),
    context: Type.Optional(Context),
  },
  { additionalProperties: false },
);

/** `POST /v1/decide`: who, which placements, and what the touchpoint knows. */
export const DecideBody = Type.Object(
  {
    ...Person,
    placements: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
      minItems: 1,
      maxItems: MAX_DECIDE_PLACEMENTS,
      description: `Placement names, at most ${MAX_DECIDE_PLACEMENTS}: each decision is recorded, so one request must not write without bound`,
    }),
    context: Type.Optional(Context),
    writeKey: Type.Optional(
      Type.String({ description: 'The write key, for clients that cannot set headers' }),
    ),
    userHash: Type.Optional(
      Type.String({
        maxLength: 128,
        description:
          "Identity verification: the hex HMAC-SHA256 of userId under the installation's secret, made by the site's backend. With the write key and a valid hash, templates see the person's personal traits; a wrong one counts as absent",
      }),
    ),
  },
  { additionalProperties: false },
);

/** `POST /v1/decide`'s answer: a decision per placement asked, in the order asked. */
export const DecideAnswer = Type.Object({ decisions: Type.Array(Decision) });
