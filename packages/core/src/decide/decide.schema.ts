import { Type, type Static } from 'typebox';

const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f]+$' });
const Template = Type.String({
  maxLength: 50_000,
  description: 'A Liquid template; output is HTML-escaped unless marked `| raw`',
});

/** One piece of content a placement can show, and when it may. */
export const PlacementItem = Type.Object(
  {
    id: Id,
    when: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 10_000,
        description:
          'Eligibility in the segment language: traits, computed, consent, in_segment, context.*',
      }),
    ),
    priority: Type.Optional(
      Type.Number({
        default: 0,
        description:
          'Higher wins among eligible items of equal score; 0 when left out; equal priorities rank in the order listed',
      }),
    ),
    template: Template,
    override: Type.Optional(
      Type.Boolean({ description: 'When eligible, wins over items that are not overrides' }),
    ),
    score: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_-]*\\.[A-Za-z0-9_$.-]+$',
        description:
          'A scorer ranking eligible items, higher first, before priority: `computed.NAME` (a computed trait)',
      }),
    ),
    schedule: Type.Optional(
      Type.Object(
        {
          start: Type.Optional(Type.String({ format: 'date-time' })),
          end: Type.Optional(Type.String({ format: 'date-time' })),
        },
        { additionalProperties: false, description: 'Shown only in [start, end)' },
      ),
    ),
    experiment: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description:
          'When this item wins, assign the person in this experiment and serve their variant',
      }),
    ),
    variants: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Template, {
        description:
          "Per variant id, the template served instead of the item's own (a variant not listed gets the item's template). Every template of the item sees `experiment.name`, `experiment.variant` and, in a factorial experiment, `experiment.factors.FACTOR` (the person's level)",
      }),
    ),
    cap: Type.Optional(
      Type.Object(
        {
          max: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
          per: Type.String({
            pattern: '^[1-9][0-9]*[smhdw]$',
            description: 'A window: 30m, 24h, 7d, 2w',
          }),
        },
        {
          additionalProperties: false,
          description: 'At most `max` exposures of this item per person per window',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PlacementItem = Static<typeof PlacementItem>;

/** A conversion metric, as experiments define one: a person converted when they did `event` (within `within` of being shown). */
export const ConversionMetric = Type.Object(
  {
    event: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'The track event that counts as a conversion',
    }),
    within: Type.Optional(
      Type.String({
        pattern: '^[1-9][0-9]*[smhdw]$',
        description:
          "Count only events this long after the person's first exposure: 30m, 24h, 7d, 2w",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ConversionMetric = Static<typeof ConversionMetric>;

/** How a placement learns which of its eligible items to serve (a multi-armed bandit). */
export const PlacementOptimize = Type.Object(
  {
    method: Type.Literal('thompson', {
      description:
        'Thompson sampling over Beta(1 + conversions, 1 + exposures − conversions) per item',
    }),
    metric: ConversionMetric,
  },
  {
    additionalProperties: false,
    description:
      'Serve the eligible item most likely to convert, learning from exposures and conversions',
  },
);
export type PlacementOptimize = Static<typeof PlacementOptimize>;

export const PlacementBody = Type.Object(
  {
    items: Type.Array(PlacementItem, { maxItems: 200 }),
    default: Type.Object({ id: Id, template: Template }, { additionalProperties: false }),
    optimize: Type.Optional(PlacementOptimize),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    browserTraits: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f.]+$' }), {
        maxItems: 100,
        uniqueItems: true,
        description:
          'Personal traits (email, phone, names, address, birthday, those a tracking plan marks `pii`) the templates may show in a decision asked with the public write key without `userHash`; top-level trait names. Other personal traits are absent from `traits` and `profile.traits` there',
      }),
    ),
  },
  { title: 'Placement', additionalProperties: false },
);
export type PlacementBody = Static<typeof PlacementBody>;

/** What `POST /v1/decide` answers for one placement: the item, its rendered content, and why. */
export const Decision = Type.Object({
  placement: Type.String(),
  itemId: Type.Union([Type.String(), Type.Null()]),
  content: Type.Union([Type.String(), Type.Null()]),
  fallback: Type.Boolean({
    description: 'True when the default was served because nothing else could be',
  }),
  reasons: Type.Array(Type.String(), { description: 'Why the item won, and why others lost' }),
  holdout: Type.Optional(
    Type.Boolean({ description: 'The person is in the global holdout: the default, by design' }),
  ),
  experiment: Type.Optional(
    Type.Object(
      {
        name: Type.String(),
        variant: Type.Union([Type.String(), Type.Null()]),
        factors: Type.Optional(
          Type.Record(Type.String(), Type.String(), {
            description: "A factorial experiment: the person's level of each factor",
          }),
        ),
      },
      {
        description:
          'The experiment the winning item runs and the variant served (null: the person is not in it)',
      },
    ),
  ),
});
export type Decision = Static<typeof Decision>;

/** A decision before rendering: which item, and why. */
export interface Choice {
  itemId: string;
  /** True when the default was chosen because nothing else could be (not merely because it won). */
  fallback: boolean;
  reasons: string[];
}

/** What a bandit knows of one item: distinct people shown it, and how many of them converted. */
export interface ArmCounts {
  exposures: number;
  conversions: number;
}

/** Uniform draws in [0, 1): `Math.random` in production, a seeded generator in tests. */
export type RandomSource = () => number;
