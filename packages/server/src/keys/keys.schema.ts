import { Type, type Static } from 'typebox';
import { RoleSchema } from '../store/state-store.js';

/**
 * How many requests a key may make in a window: `{"max": 50}` is 50 a second, `{"max": 600,
 * "windowSeconds": 60}` 600 a minute. Counted per key name, in memory, in fixed windows.
 */
export const RateLimit = Type.Object(
  {
    max: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Requests allowed in each window',
    }),
    windowSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86_400,
        description: 'Length of the window in seconds (default 1: requests per second)',
      }),
    ),
  },
  { additionalProperties: false, title: 'Rate limit' },
);
export type RateLimit = Static<typeof RateLimit>;

export const KeyName = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' }),
});

export const OwnRateLimit = Type.Optional(
  Type.Union([RateLimit, Type.Null()], {
    description:
      "The key's own limit; null for none; absent for its role's default (`keys.rateLimits` in the config)",
  }),
);

export const InForce = Type.Union([RateLimit, Type.Null()], {
  description: "The limit in force (its own, else its role's default); null for none",
});

/** GET /v1/keys: its 200 answer. */
export const KeyList = Type.Object({
  keys: Type.Array(
    Type.Object({
      name: Type.String(),
      role: RoleSchema,
      createdAt: Type.String(),
      revokedAt: Type.Union([Type.String(), Type.Null()]),
      rateLimit: InForce,
    }),
  ),
});

/** PUT /v1/keys/:name: the body. */
export const KeyBody = Type.Object(
  { role: RoleSchema, rateLimit: OwnRateLimit },
  { additionalProperties: false },
);

/** PUT /v1/keys/:name: its 200 answer. */
export const KeyCreated = Type.Object({
  name: Type.String(),
  role: RoleSchema,
  key: Type.String(),
  rateLimit: InForce,
});

/** PATCH /v1/keys/:name: the body. */
export const KeyPatchBody = Type.Object(
  { rateLimit: OwnRateLimit },
  { additionalProperties: false },
);

/** PATCH /v1/keys/:name: its 200 answer. */
export const KeyPatched = Type.Object({
  name: Type.String(),
  role: RoleSchema,
  rateLimit: InForce,
});
