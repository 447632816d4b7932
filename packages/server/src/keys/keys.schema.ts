import { Type, type Static } from 'typebox';

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
