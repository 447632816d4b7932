import { Type, type Static } from 'typebox';

/** `GET /v1/reports/quality`'s query. */
export const QualityQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Received at or after (default: 24 hours before `to`)',
      }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'Received before (default: now)' }),
    ),
    baselineDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 90,
        description:
          'The usual level: the mean per period-length over this many days before `from` (default 7)',
      }),
    ),
    lateMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description: 'An event received this long after its timestamp is late (default 60)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type QualityQuery = Static<typeof QualityQuery>;

export const QualityRow = Type.Object({
  source: Type.String({
    description: 'Who sent it: `key:NAME`, `import:FILE`, `decide`, `experiments`',
  }),
  event: Type.String({
    description: 'The track event, or `page`, `screen`, `identify`, `group`, `alias`',
  }),
  count: Type.Integer({ description: 'Messages received in the period' }),
  usual: Type.Number({
    description: 'Messages received per period of the same length, on average over the baseline',
  }),
  ratio: Type.Union([Type.Number(), Type.Null()], {
    description: 'count / usual (null when usual is 0)',
  }),
  violations: Type.Integer({
    description: 'Messages that broke their tracking plan (stored in allow mode)',
  }),
  missing: Type.Record(Type.String(), Type.Integer(), {
    description:
      "Per property (traits for identify) present in at least half of the period's messages of this event: how many lack it",
  }),
  duplicates: Type.Integer({
    description:
      'Messages repeating an earlier one in all but messageId (same person, time and content)',
  }),
  late: Type.Integer({
    description: 'Messages received more than lateMinutes after their timestamp',
  }),
  latenessP95Seconds: Type.Union([Type.Number(), Type.Null()], {
    description:
      'The 95th percentile of receivedAt − timestamp, in seconds (0 for events sent from the future)',
  }),
});
export type QualityRow = Static<typeof QualityRow>;

export const QualityResult = Type.Object({
  from: Type.String(),
  to: Type.String(),
  rows: Type.Array(QualityRow, { description: 'By source, then event' }),
});
export type QualityResult = Static<typeof QualityResult>;
