import { Type, type Static } from 'typebox';

const ID = { minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f]+$' };
const Id = Type.String(ID);
/** Factor names and levels make cell ids (`headline=b|image=a`): no `=` or `|` in them. */
const FactorId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f=|]+$' });

/** The most cells a factorial experiment may have (the product of its factors' level counts). */
export const MAX_CELLS = 100;

/** What an experiment measures, from the events of the people it assigned. */
export const ExperimentMetricBody = Type.Object(
  {
    name: Id,
    type: Type.Union([Type.Literal('conversion'), Type.Literal('mean'), Type.Literal('count')], {
      description:
        'conversion: share of assigned people who did `event` after assignment; mean: mean of `property` over those events; count: events per assigned person',
    }),
    event: Type.String({ minLength: 1, maxLength: 200, description: 'The track event counted' }),
    property: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'mean: the numeric property averaged (a dotted path under properties, e.g. revenue)',
      }),
    ),
    within: Type.Optional(
      Type.String({
        pattern: '^[1-9][0-9]*[smhdw]$',
        description: 'Count only events this long after assignment: 30m, 24h, 7d, 2w',
      }),
    ),
    guardrail: Type.Optional(
      Type.Boolean({
        description: 'A metric that must not get worse, reported beside the goal metrics',
      }),
    ),
    tau2: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: "The sequential test's mixture variance, in the metric's units squared",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ExperimentMetricBody = Static<typeof ExperimentMetricBody>;

export const ExperimentBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    variants: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id,
            weight: Type.Optional(
              Type.Number({
                minimum: 0,
                description: 'Split weight (default 1), normalized by the sum',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        {
          minItems: 2,
          maxItems: 20,
          description: 'An A/B/n experiment: its variants (give variants or factors, not both)',
        },
      ),
    ),
    factors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: FactorId,
            levels: Type.Array(
              Type.Object(
                {
                  id: FactorId,
                  weight: Type.Optional(
                    Type.Number({
                      minimum: 0,
                      description:
                        "Split weight (default 1), normalized by the sum of the factor's",
                    }),
                  ),
                },
                { additionalProperties: false },
              ),
              { minItems: 2, maxItems: 10 },
            ),
          },
          { additionalProperties: false },
        ),
        {
          minItems: 2,
          maxItems: 6,
          description: `A factorial experiment: each factor's level is drawn independently (full factorial, at most ${MAX_CELLS} cells); the variant is the cell, FACTOR=LEVEL|FACTOR=LEVEL`,
        },
      ),
    ),
    design: Type.Optional(
      Type.Object(
        {
          resolution: Type.Integer({
            minimum: 3,
            maximum: 5,
            description:
              'A fractional factorial design of at least this resolution, with the fewest cells (two-level factors, equal weights)',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    control: Type.Optional(
      Type.String({
        description:
          'The variant (or, with factors, the cell) the others are compared with (default: the first)',
      }),
    ),
    audience: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 10_000,
        description:
          'Who may be assigned, in the segment language: traits, computed, consent, in_segment',
      }),
    ),
    traffic: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'Share of people in the experiment (default 1)',
      }),
    ),
    start: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Assigns from this time (default: at once)',
      }),
    ),
    stop: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Assigns until this time; events after it are not counted',
      }),
    ),
    layer: Type.Optional(
      Type.String({ ...ID, description: 'Experiments of one layer never share a person' }),
    ),
    seed: Type.Optional(
      Type.String({
        ...ID,
        description: 'Hash seed (default: the name); a new seed reshuffles everyone',
      }),
    ),
    metrics: Type.Optional(Type.Array(ExperimentMetricBody, { maxItems: 50 })),
    cupedDays: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 365,
        description:
          'Days before assignment read for CUPED covariates (default 14; 0 turns CUPED off)',
      }),
    ),
  },
  { title: 'Experiment', additionalProperties: false },
);
export type ExperimentBody = Static<typeof ExperimentBody>;
