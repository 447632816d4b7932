import { Type, type Static } from 'typebox';
import { TouchBreakdown } from './funnel.schema.js';

export const RETENTION_PERIODS = ['day', 'week', 'month'] as const;
export type RetentionPeriod = (typeof RETENTION_PERIODS)[number];

const EventFilter = Type.Object(
  {
    event: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'A track event name; `Page Viewed` and `Screen Viewed` match page and screen calls; `*` any of these',
    }),
  },
  { additionalProperties: false },
);

/** How many groups a retention breakdown keeps, those with most people first. */
export const RETENTION_BREAKDOWN_LIMIT = 20;

/** `POST /v1/reports/retention`'s body. */
export const RetentionRequest = Type.Object(
  {
    start: EventFilter,
    return: Type.Optional(EventFilter),
    period: Type.Optional(
      Type.Enum(RETENTION_PERIODS, {
        description:
          'Cohorts and columns by UTC calendar period (default week; weeks start on Monday)',
      }),
    ),
    periods: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 60,
        description: 'Columns after period 0 (default 12)',
      }),
    ),
    breakdown: Type.Optional(
      Type.Union(
        [
          Type.Object(
            {
              segments: Type.Literal(true, {
                description: 'A matrix per segment the people are in now',
              }),
            },
            { additionalProperties: false },
          ),
          Type.Object(
            {
              property: Type.String({
                minLength: 1,
                maxLength: 200,
                description:
                  "A property of the person's first start event (the one that puts them in a cohort); a matrix per value",
              }),
            },
            { additionalProperties: false },
          ),
          TouchBreakdown,
        ],
        {
          description: `\`{"segments": true}\`, \`{"property": P}\` or \`{"touch": "first" | "last", "by": KEY}\`: the matrix again per group, the ${RETENTION_BREAKDOWN_LIMIT} with most people first`,
        },
      ),
    ),
    since: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Only cohorts starting at or after this time',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RetentionRequest = Static<typeof RetentionRequest>;

export const RetentionCohort = Type.Object({
  start: Type.String({ description: "The cohort's period, its first instant (ISO 8601, UTC)" }),
  size: Type.Integer({ description: 'People whose first start event fell in this period' }),
  retained: Type.Array(Type.Union([Type.Integer(), Type.Null()]), {
    description:
      'Per period from 0: people of the cohort with a return event in it (period 0: the cohort); null for periods not begun',
  }),
  rates: Type.Array(Type.Union([Type.Number(), Type.Null()]), {
    description: 'retained / size',
  }),
});

export const RetentionResult = Type.Object({
  period: Type.Enum(RETENTION_PERIODS),
  people: Type.Integer({ description: 'People in every cohort' }),
  cohorts: Type.Array(RetentionCohort),
  breakdown: Type.Optional(
    Type.Array(
      Type.Object({
        value: Type.Union([Type.String(), Type.Null()], {
          description:
            'The segment, or the property’s value as text (null: absent or not a scalar)',
        }),
        people: Type.Integer(),
        cohorts: Type.Array(RetentionCohort),
      }),
      { description: 'The matrix again per group (a person in two segments is in both)' },
    ),
  ),
});
export type RetentionResult = Static<typeof RetentionResult>;
