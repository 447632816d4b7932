import { Type, type Static } from 'typebox';

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
      Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
        maxItems: 10,
        uniqueItems: true,
        description: 'Computed traits (CLV, RFM scores, model scores) whose mean each row reports',
      }),
    ),
  },
  { additionalProperties: false },
);
export type KpiRequest = Static<typeof KpiRequest>;

export const KpiRow = Type.Object({
  group: Type.String({ description: 'A segment name or a variant id; `*` for everyone' }),
  visitors: Type.Integer({ description: 'People with an event in the period' }),
  converters: Type.Integer({ description: 'Visitors with a conversion in the period' }),
  conversionRate: Type.Number({ description: 'converters / visitors' }),
  orders: Type.Integer({ description: 'Conversions in the period' }),
  revenue: Type.Number({ description: 'The conversions’ summed value' }),
  averageOrderValue: Type.Union([Type.Number(), Type.Null()], { description: 'revenue / orders' }),
  revenuePerVisitor: Type.Number({ description: 'revenue / visitors' }),
  computed: Type.Record(
    Type.String(),
    Type.Object({
      mean: Type.Union([Type.Number(), Type.Null()]),
      count: Type.Integer({ description: 'Visitors with a number for it' }),
    }),
  ),
});
export type KpiRow = Static<typeof KpiRow>;

export const KpiResult = Type.Object({
  all: KpiRow,
  groups: Type.Array(KpiRow, { description: 'A row per segment or variant, in name order' }),
});
export type KpiResult = Static<typeof KpiResult>;
