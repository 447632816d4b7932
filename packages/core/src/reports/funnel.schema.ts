import { Type, type Static } from 'typebox';
import { ATTRIBUTION_KEYS, OWN_TOUCHPOINTS } from './attribution.schema.js';

export const FUNNEL_ORDERS = ['ordered', 'strict', 'any'] as const;
export type FunnelOrder = (typeof FUNNEL_ORDERS)[number];

/** A funnel's conversion window when none is given, in days. */
export const DEFAULT_FUNNEL_WINDOW_DAYS = 30;

const FunnelStep = Type.Object(
  {
    event: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'A track event name; `Page Viewed` and `Screen Viewed` match page and screen calls',
    }),
    where: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 200 }),
        Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
        {
          maxProperties: 10,
          description: 'Properties the event must have, each equal to the value given',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

const FunnelExclusion = Type.Object(
  {
    event: FunnelStep.properties.event,
    where: FunnelStep.properties.where,
    between: Type.Optional(
      Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 2 })], {
        description:
          'The steps (from 1) between which the event is excluded; default the first and the last',
      }),
    ),
  },
  { additionalProperties: false },
);

/** How many groups a breakdown keeps, those with most people first. */
export const FUNNEL_BREAKDOWN_LIMIT = 20;

/** The touchpoint a funnel is broken down by: the person's first, or the last before an attempt. */
export const TOUCHES = ['first', 'last'] as const;
export type Touch = (typeof TOUCHES)[number];

/** A breakdown by a person's first or last touchpoint, read as attribution reads touchpoints. */
export const TouchBreakdown = Type.Object(
  {
    touch: Type.Enum(TOUCHES, {
      description:
        "first: the person's first touchpoint at or before the attempt's step-1 event (retention: the first start event); last: the latest one at or before it",
    }),
    by: Type.Enum(ATTRIBUTION_KEYS, {
      description:
        "The touchpoint's key, as attribution reads it: a UTM parameter, or the channel (stored channel rules, then the default grouping)",
    }),
    ownTouchpoints: Type.Optional(
      Type.Array(Type.Enum(OWN_TOUCHPOINTS), {
        uniqueItems: true,
        description:
          "Tailor's own touchpoints counted besides page events, as in attribution: email_clicks, decision_clicks",
      }),
    ),
  },
  { additionalProperties: false },
);
export type TouchBreakdown = Static<typeof TouchBreakdown>;

/** What a funnel is broken down by: a step-1 property, the current segments, or a touchpoint. */
export const FunnelBreakdown = Type.Union(
  [
    Type.Object(
      {
        property: Type.String({
          minLength: 1,
          maxLength: 200,
          description: `A property of the step-1 event; one funnel per value (the ${FUNNEL_BREAKDOWN_LIMIT} commonest)`,
        }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        segments: Type.Literal(true, {
          description: `One funnel per segment the people are in now (the ${FUNNEL_BREAKDOWN_LIMIT} with most people)`,
        }),
      },
      { additionalProperties: false },
    ),
    TouchBreakdown,
  ],
  {
    description:
      '`{"property": P}`, `{"segments": true}` or `{"touch": "first" | "last", "by": "source" | "medium" | "campaign" | "content" | "term" | "channel"}`',
  },
);
export type FunnelBreakdown = Static<typeof FunnelBreakdown>;

/** `POST /v1/reports/funnel`'s body, declared once (the route and the OpenAPI document use it). */
export const FunnelRequest = Type.Object(
  {
    steps: Type.Array(FunnelStep, { minItems: 2, maxItems: 20 }),
    windowDays: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 3650,
        description: `Every step within this many days of the first (default ${DEFAULT_FUNNEL_WINDOW_DAYS})`,
      }),
    ),
    exclude: Type.Optional(
      Type.Array(FunnelExclusion, {
        maxItems: 10,
        description:
          'Events that end an attempt between two steps: a person who does one after reaching step a and before step b drops out at step a (ordered and strict funnels)',
      }),
    ),
    breakdown: Type.Optional(FunnelBreakdown),
    order: Type.Optional(
      Type.Enum(FUNNEL_ORDERS, {
        description:
          'ordered (default): in order, other events between allowed; strict: in order, nothing between; any: in any order',
      }),
    ),
  },
  { additionalProperties: false },
);
export type FunnelRequest = Static<typeof FunnelRequest>;

export const FunnelStepResult = Type.Object({
  step: Type.Integer({ description: 'From 1' }),
  count: Type.Integer({ description: 'People who reached this step' }),
  conversionRate: Type.Number({ description: 'count / the first step’s count' }),
  stepConversionRate: Type.Number({ description: 'count / the previous step’s count' }),
  dropOff: Type.Integer({ description: 'People who reached the previous step but not this one' }),
  medianSecondsFromPrevious: Type.Union([Type.Number(), Type.Null()], {
    description: 'Median time from the previous step (ordered and strict funnels; null otherwise)',
  }),
  meanSecondsFromPrevious: Type.Union([Type.Number(), Type.Null()]),
});

export const FunnelResult = Type.Object({
  people: Type.Integer({ description: 'People with at least one event of a step (after consent)' }),
  steps: Type.Array(FunnelStepResult),
  breakdown: Type.Optional(
    Type.Array(
      Type.Object({
        value: Type.Union([Type.String(), Type.Null()], {
          description:
            'The step-1 property’s value as text, the segment, or the touchpoint’s key; null: the property absent, or no touchpoint before step 1',
        }),
        people: Type.Integer(),
        steps: Type.Array(FunnelStepResult),
      }),
      {
        description:
          'The funnel again for each value, counting attempts whose step-1 event has it (a person whose attempts start with several values, or who is in several segments, is in each)',
      },
    ),
  ),
});
export type FunnelResult = Static<typeof FunnelResult>;
