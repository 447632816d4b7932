import { Type, type Static } from 'typebox';

/** The e-commerce events a recommender learns from unless told (Segment's e-commerce spec). */
export const DEFAULT_RECOMMENDER_EVENTS = [
  'Order Completed',
  'Product Added',
  'Product Viewed',
] as const;

/** How many items a recommendation answers unless asked, and at most. */
export const DEFAULT_RECOMMENDATIONS = 10;
export const MAX_RECOMMENDATIONS = 100;

const EventName = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' });

/** Items whose catalogue `field` equals `value` have their score multiplied by `factor`. */
export const Boost = Type.Object(
  {
    field: Type.String({
      pattern: '^(category|brand|attributes\\.[^\\u0000-\\u001f]{1,100})$',
      description: 'category, brand or attributes.NAME',
    }),
    value: Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean()], {
      description: 'Compared as is: the string "true" does not match the boolean true',
    }),
    factor: Type.Number({
      exclusiveMinimum: 0,
      maximum: 100,
      description: 'Above 1 moves the items up, below 1 down',
    }),
  },
  { title: 'Boost', additionalProperties: false },
);
export type Boost = Static<typeof Boost>;

/** The methods a blend mixes (every method but blend itself). */
const PartMethod = Type.Union([
  Type.Literal('ease'),
  Type.Literal('item-knn'),
  Type.Literal('bought-together'),
  Type.Literal('popularity'),
  Type.Literal('content'),
]);

/** One part of a mixed list: a method and how much its ranks count. */
export const BlendPartBody = Type.Object(
  {
    method: PartMethod,
    weight: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100,
        description: 'How much its ranks count in the mix (default 1)',
      }),
    ),
  },
  { title: 'BlendPart', additionalProperties: false },
);
export type BlendPartBody = Static<typeof BlendPartBody>;

/**
 * The HNSW index's settings (Malkov & Yashunin 2018) for a content recommender's large catalogue:
 * docs/recommendations.md, "Content-based similarity". Each defaults to the served value.
 */
export const HnswSettings = Type.Object(
  {
    m: Type.Optional(
      Type.Integer({
        minimum: 4,
        maximum: 64,
        description:
          'Links per item in the graph (default 16): more buy recall for memory (4 bytes a link)',
      }),
    ),
    efConstruction: Type.Optional(
      Type.Integer({
        minimum: 16,
        maximum: 800,
        description:
          'Candidates kept while linking each item (default 64): more buy recall, the build time grows about in proportion',
      }),
    ),
    efSearch: Type.Optional(
      Type.Integer({
        minimum: 16,
        maximum: 5000,
        description:
          'Candidates kept while searching (default 400): more buy recall for query time; a search keeps at least as many as it asks for (300 plus the items the person had)',
      }),
    ),
  },
  {
    title: 'HnswSettings',
    additionalProperties: false,
    description:
      'Method content, or a blend with a content part, only: the settings of the approximate nearest-neighbour index its catalogue is searched through when more than 5,000 items have text',
  },
);
export type HnswSettings = Static<typeof HnswSettings>;

/** A recommender served from the live log: what it learns from and how (`PUT /v1/recommenders/NAME`). */
export const RecommenderBody = Type.Object(
  {
    method: Type.Union(
      [
        Type.Literal('ease'),
        Type.Literal('item-knn'),
        Type.Literal('bought-together'),
        Type.Literal('popularity'),
        Type.Literal('content'),
        Type.Literal('blend'),
      ],
      {
        description:
          'ease: a linear item-item model in closed form (the best measured); item-knn: item-item cosine with shrinkage; bought-together: item-item cosine over orders (the products of one event, such as Order Completed), the items that go with what the person had or the request names; popularity: time-decayed, the same items for everyone; content: the catalogue items nearest in text (name, category, brand) to what the person had, new items included; blend: a mixed list of the methods in `blend`',
      },
    ),
    blend: Type.Optional(
      Type.Array(BlendPartBody, {
        minItems: 2,
        maxItems: 5,
        description:
          'Method blend only (and required there): the methods mixed, by weighted reciprocal rank fusion of their lists, then the rules applied to the mix',
      }),
    ),
    events: Type.Optional(
      Type.Array(EventName, {
        minItems: 1,
        maxItems: 20,
        uniqueItems: true,
        description:
          'Track events that say a person had an item: each product in `properties.products[].product_id`, else `properties.product_id`. Default: Order Completed, Product Added, Product Viewed',
      }),
    ),
    halfLifeDays: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 36_500,
        description:
          "The half-life of an interaction's weight in days, counted back from the latest event (default: popularity 30, ease 90)",
      }),
    ),
    k: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_RECOMMENDATIONS,
        description: `How many items placement templates read as recommendations.NAME (default ${DEFAULT_RECOMMENDATIONS})`,
      }),
    ),
    rules: Type.Optional(
      Type.Object(
        {
          availableOnly: Type.Optional(
            Type.Boolean({
              description:
                'Leave out items the catalogue marks unavailable (default true); items missing from the catalogue count as available',
            }),
          ),
          maxPerCategory: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: MAX_RECOMMENDATIONS,
              description:
                'Diversity: at most this many items of one catalogue category in a list (items with no category are not capped)',
            }),
          ),
          boosts: Type.Optional(
            Type.Array(Boost, {
              maxItems: 20,
              description:
                'Multiply the score of the catalogue items whose field has this value (several boosts an item matches multiply)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    hnsw: Type.Optional(HnswSettings),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { title: 'Recommender', additionalProperties: false },
);
export type RecommenderBody = Static<typeof RecommenderBody>;

/** How the model a recommender serves was trained (absent until its first training ends). */
export const RecommenderModel = Type.Object({
  trainedAt: Type.String({ description: 'When the training that made it finished' }),
  version: Type.Integer({ description: "The definition's version it was trained for" }),
  people: Type.Integer(),
  items: Type.Integer(),
  interactions: Type.Integer({ description: 'Distinct (person, item) pairs' }),
  events: Type.Integer({ description: 'Log events read' }),
  seconds: Type.Number({ description: 'How long the training took' }),
});
export type RecommenderModel = Static<typeof RecommenderModel>;

/** A training under way: log positions read of those there were when it started. */
export const RecommenderTraining = Type.Object({
  done: Type.Integer(),
  total: Type.Integer(),
});
export type RecommenderTraining = Static<typeof RecommenderTraining>;

/** One recommended item, best first. */
export const RecommendedItem = Type.Object({
  item: Type.String(),
  score: Type.Number(),
  rank: Type.Integer({ minimum: 1 }),
});
export type RecommendedItem = Static<typeof RecommendedItem>;

/** `GET /v1/recommendations/NAME`: the items, and whether they were chosen for this person. */
export const Recommendations = Type.Object({
  items: Type.Array(RecommendedItem),
  method: Type.String({ description: "The recommender's method" }),
  personalized: Type.Boolean({
    description:
      'false: popular items, the same for anyone (an unknown person, one who refused personalization, or method popularity); true: chosen for this person or for the items the request named',
  }),
  basis: Type.Union(
    [
      Type.Literal('person'),
      Type.Literal('items'),
      Type.Literal('segments'),
      Type.Literal('popular'),
    ],
    {
      description:
        "person: from what the person had (and the items the request named); items: from the items the request named alone; segments: a person the model does not know, from their segments' popular items; popular: the overall popular items",
    },
  ),
  trainedAt: Type.String(),
});
export type Recommendations = Static<typeof Recommendations>;
