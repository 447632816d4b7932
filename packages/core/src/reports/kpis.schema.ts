import { Type, type Static } from 'typebox';

/** The track event that clicks a decision, unless a KPI request names another. */
export const DEFAULT_CLICK_EVENT = 'Decision Clicked';
/** How long after a decision a click counts for it, unless a KPI request says otherwise. */
export const DEFAULT_CLICK_WITHIN_MINUTES = 1440;

/** `POST /v1/reports/kpis`'s body. */
export const KpiRequest = Type.Object(
  {
    conversion: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'The track event that is an order or conversion (default `Order Completed`)',
      }),
    ),
    value: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          "The conversion's property holding its value (default `revenue`; missing or not a number: 0)",
      }),
    ),
    from: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Events at or after this time (default: all)',
      }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'Events before this time (default: all)' }),
    ),
    by: Type.Optional(
      Type.Union(
        [
          Type.Object({ segments: Type.Literal(true) }, { additionalProperties: false }),
          Type.Object(
            { experiment: Type.String({ minLength: 1, maxLength: 128 }) },
            { additionalProperties: false },
          ),
        ],
        {
          description:
            '`{"segments": true}`: a row per segment the people are in now; `{"experiment": NAME}`: a row per variant of their first exposure',
        },
      ),
    ),
    computed: Type.Optional(
      Type.Array(
        Type.String({
          minLength: 1,
          maxLength: 200,
          pattern: '^[^.]+(\\.[^.]+)*$',
        }),
        {
          maxItems: 10,
          uniqueItems: true,
          description:
            'Computed traits whose mean each row reports: a name (a number), or a path into an object one (`clv.value`, `clv.pAlive`, `rfm.monetary`)',
        },
      ),
    ),
    models: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
        maxItems: 10,
        uniqueItems: true,
        description:
          "Registry models whose mean score each row reports, from the scores on the people's profiles now (`model.NAME.score`)",
      }),
    ),
    clickThrough: Type.Optional(
      Type.Object(
        {
          event: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description: `The click: a track event with \`properties.placement\` (and \`itemId\`) (default \`${DEFAULT_CLICK_EVENT}\`)`,
            }),
          ),
          withinMinutes: Type.Optional(
            Type.Number({
              exclusiveMinimum: 0,
              maximum: 43_200,
              description: `A click counts within this long of the decision (default ${DEFAULT_CLICK_WITHIN_MINUTES})`,
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            'Placement click-through: each row adds, per placement and item, the decisions made in the period (`Decision Made`) and how many were clicked',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type KpiRequest = Static<typeof KpiRequest>;

const ClickThrough = {
  decisions: Type.Integer({ description: '`Decision Made` events in the period' }),
  clicked: Type.Integer({ description: 'Of them, those clicked (once each, however many clicks)' }),
  clickThroughRate: Type.Union([Type.Number(), Type.Null()], {
    description: 'clicked / decisions (null without decisions)',
  }),
};

export const PlacementClickThrough = Type.Object({
  placement: Type.String(),
  ...ClickThrough,
  items: Type.Array(Type.Object({ itemId: Type.String(), ...ClickThrough }), {
    description: 'Per item served, in id order',
  }),
});
export type PlacementClickThrough = Static<typeof PlacementClickThrough>;

const MeanOf = Type.Object({
  mean: Type.Union([Type.Number(), Type.Null()]),
  count: Type.Integer({ description: 'Visitors with a number for it' }),
});

export const KpiRow = Type.Object({
  group: Type.String({ description: 'A segment name or a variant id; `*` for everyone' }),
  visitors: Type.Integer({ description: 'People with an event in the period' }),
  converters: Type.Integer({ description: 'Visitors with a conversion in the period' }),
  conversionRate: Type.Number({ description: 'converters / visitors' }),
  orders: Type.Integer({ description: 'Conversions in the period' }),
  revenue: Type.Number({ description: 'The conversions’ summed value' }),
  averageOrderValue: Type.Union([Type.Number(), Type.Null()], { description: 'revenue / orders' }),
  revenuePerVisitor: Type.Number({ description: 'revenue / visitors' }),
  computed: Type.Record(Type.String(), MeanOf),
  models: Type.Optional(
    Type.Record(Type.String(), MeanOf, {
      description: 'With `models`: each model’s mean score over the visitors it has scored',
    }),
  ),
  placements: Type.Optional(
    Type.Array(PlacementClickThrough, {
      description: 'With `clickThrough`: per placement, in name order',
    }),
  ),
});
export type KpiRow = Static<typeof KpiRow>;

export const KpiResult = Type.Object({
  all: KpiRow,
  groups: Type.Array(KpiRow, { description: 'A row per segment or variant, in name order' }),
});
export type KpiResult = Static<typeof KpiResult>;
