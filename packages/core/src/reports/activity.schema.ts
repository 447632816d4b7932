import { Type, type Static } from 'typebox';

/** The windows the activity report covers, each with the width of its buckets. */
export const ACTIVITY_WINDOWS = {
  hour: { ms: 3_600_000, bucketMs: 60_000 },
  day: { ms: 86_400_000, bucketMs: 3_600_000 },
  week: { ms: 7 * 86_400_000, bucketMs: 3_600_000 },
} as const;
export type ActivityWindow = keyof typeof ACTIVITY_WINDOWS;

/** `GET /v1/reports/activity`'s query. */
export const ActivityQuery = Type.Object(
  {
    window: Type.Optional(
      Type.Unsafe<ActivityWindow>(
        Type.Union(
          Object.keys(ACTIVITY_WINDOWS).map((w) => Type.Literal(w)),
          {
            description:
              'hour: per minute; day: per hour; week: per hour (default hour). The window ends with the bucket now falls in',
          },
        ),
      ),
    ),
    top: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, description: 'How many event names (default 10)' }),
    ),
  },
  { additionalProperties: false },
);
export type ActivityQuery = Static<typeof ActivityQuery>;

export const ActivityResult = Type.Object({
  window: Type.String(),
  from: Type.String({ description: 'The first bucket starts here (UTC)' }),
  to: Type.String({ description: 'The last bucket ends here (UTC): the window is [from, to)' }),
  bucketSeconds: Type.Integer(),
  buckets: Type.Array(
    Type.Object({
      at: Type.String({ description: 'Start of the bucket' }),
      events: Type.Integer(),
    }),
    { description: 'Every bucket of the window in time order, empty ones included' },
  ),
  total: Type.Integer({ description: 'Events in the window' }),
  top: Type.Array(
    Type.Object({
      event: Type.String({
        description:
          "A track event's name, or 'Page Viewed' / 'Screen Viewed' (as reports name them)",
      }),
      events: Type.Integer(),
    }),
    { description: 'The most frequent event names in the window, most first (then by name)' },
  ),
  read: Type.Union([Type.Literal('projection'), Type.Literal('log')], {
    description:
      "projection: the reports' projection (folded events); log: the log read back from its end (no projection on several nodes)",
  }),
  complete: Type.Boolean({
    description:
      "false when the log read stopped at its bound before reaching the window's start: counts are of the newest events only",
  }),
});
export type ActivityResult = Static<typeof ActivityResult>;
