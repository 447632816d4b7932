import { Type, type Static } from 'typebox';

/**
 * A segment or computed trait as the API shows it: its canonical text and tree, what it reads,
 * its version and the latest backfill that re-evaluated every profile for it.
 */
export const Definition = Type.Object(
  {
    name: Type.String(),
    definition: Type.String({ description: 'The definition in canonical text form' }),
    tree: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The same definition as a JSON tree',
    }),
    references: Type.Object({
      segments: Type.Array(Type.String()),
      computed: Type.Array(Type.String()),
      events: Type.Array(Type.String()),
      timeBased: Type.Boolean(),
    }),
    version: Type.Integer({ description: 'Increases each time the definition changes' }),
    backfill: Type.Union([
      Type.Object(
        {
          status: Type.Union([Type.Literal('running'), Type.Literal('done')]),
          done: Type.Integer(),
          total: Type.Integer(),
          startedAt: Type.String(),
          finishedAt: Type.Union([Type.String(), Type.Null()]),
        },
        { description: 'The latest re-evaluation of every profile for this definition' },
      ),
      Type.Null(),
    ]),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { title: 'Definition' },
);
export type Definition = Static<typeof Definition>;

export const DefinitionError = Type.Object({
  code: Type.String(),
  message: Type.String(),
  position: Type.Optional(
    Type.Integer({ description: '0-based character offset of the problem in the definition' }),
  ),
});

export const DefinitionName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

/** The definition routes: its 200 answer. */
export const DefinitionList = Type.Object({ items: Type.Array(Definition) });

/** The definition routes: the querystring. */
export const MembersQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 100' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** The definition routes: its 200 answer. */
export const MembersPage = Type.Object({
  profiles: Type.Array(Type.String()),
  count: Type.Integer(),
  next: Type.Union([Type.String(), Type.Null()]),
});

/** `PUT /v1/segments/NAME` and `PUT /v1/computed-traits/NAME`: the definition as text or tree. */
export const definitionBody = (kind: 'segment' | 'computed') =>
  Type.Object(
    {
      definition: Type.Union(
        [
          Type.String({ minLength: 1, maxLength: 10_000 }),
          Type.Record(Type.String(), Type.Unknown()),
        ],
        {
          description:
            kind === 'segment'
              ? 'A condition, e.g. `traits.plan = "pro" and count("Order Completed", 30d) >= 2`, or its JSON tree'
              : 'An aggregate, e.g. `sum("Order Completed".revenue, 30d)`, or its JSON tree',
        },
      ),
    },
    { additionalProperties: false },
  );

/** `POST /v1/segments/estimate`: a definition not saved, and the segment it would be. */
export const EstimateBody = Type.Object(
  {
    definition: definitionBody('segment').properties.definition,
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description:
          'The segment the definition is for, when editing one: a reference to itself is then refused as a cycle, as saving would',
      }),
    ),
  },
  { additionalProperties: false },
);

/** `POST /v1/segments/estimate`: how many people the definition would hold now. */
export const SegmentEstimate = Type.Object(
  {
    definition: Type.String({ description: 'The definition in canonical text form' }),
    estimate: Type.Integer({ description: 'People estimated to be in the segment' }),
    share: Type.Number({ description: 'The share of the population (0 to 1)' }),
    interval: Type.Object(
      {
        low: Type.Integer(),
        high: Type.Integer(),
        level: Type.Number({ description: '0.95' }),
      },
      {
        description:
          'Wilson score interval for the number of people, with the finite population correction; low = high = estimate when exact',
      },
    ),
    sampled: Type.Integer({ description: 'People evaluated' }),
    matched: Type.Integer({
      description: 'Of those evaluated, the people the definition held for',
    }),
    total: Type.Integer({ description: 'Live profiles (the population)' }),
    exact: Type.Boolean({ description: 'Every profile was evaluated: the estimate is the count' }),
    timedOut: Type.Boolean({
      description:
        'The time budget ran out before the whole sample was evaluated: those evaluated are the sample',
    }),
  },
  { title: 'SegmentEstimate' },
);
export type SegmentEstimate = Static<typeof SegmentEstimate>;

/** `GET /v1/segments/NAME/sizes`: the period. */
export const SizesQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'Counts at or after this time (ISO 8601); default 30 days before `to`',
      }),
    ),
    to: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'Counts at or before this time (ISO 8601); default now',
      }),
    ),
  },
  { additionalProperties: false },
);

/** `GET /v1/segments/NAME/sizes`: the segment's counts in the period, oldest first. */
export const SegmentSizes = Type.Object(
  {
    segment: Type.String(),
    from: Type.String(),
    to: Type.String(),
    sizes: Type.Array(
      Type.Object({
        at: Type.String({ description: 'When the members were counted' }),
        size: Type.Integer({ description: 'How many people were in the segment then' }),
        version: Type.Integer({ description: 'The definition version it was counted under' }),
      }),
      {
        description:
          'A count each hour (the first of each day and version once older than 31 days) and one when a changed definition was backfilled; the latest 5,000 of the period',
      },
    ),
  },
  { title: 'SegmentSizes' },
);
export type SegmentSizes = Static<typeof SegmentSizes>;
