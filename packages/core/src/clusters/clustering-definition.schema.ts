import { Type, type Static } from 'typebox';

const FEATURE_PATH = '^(traits|computed|model)\\.[^\\u0000-\\u001f]+$';

const Feature = Type.Union([
  Type.String({
    minLength: 3,
    maxLength: 300,
    pattern: FEATURE_PATH,
    description:
      'A profile field: `traits.age`, `computed.orders_90d`, `computed.rfm.monetary`, `model.churn.score`, `traits.plan` (text: a category, one-hot)',
  }),
  Type.Object(
    {
      path: Type.String({ minLength: 3, maxLength: 300, pattern: FEATURE_PATH }),
      name: Type.String({
        minLength: 1,
        maxLength: 60,
        pattern: '^[^\\u0000-\\u001f]+$',
        description: 'How personas call it (default: the last part of the path)',
      }),
      type: Type.Optional(
        Type.Union([Type.Literal('number'), Type.Literal('category')], {
          description:
            'number, or category (one-hot, its most common levels); by default chosen at training: category when most profiles holding it hold text',
        }),
      ),
    },
    { additionalProperties: false },
  ),
]);

/** A clustering of profiles (`PUT /v1/clusterings/NAME`, docs/clusters.md). */
export const ClusteringBody = Type.Object(
  {
    features: Type.Array(Feature, {
      minItems: 1,
      maxItems: 20,
      description:
        'The numeric profile fields clustered on: traits, computed traits (RFM parts as `computed.NAME.recency`), model scores kept as computed traits',
    }),
    method: Type.Optional(
      Type.Union(
        [Type.Literal('kmeans'), Type.Literal('gmm'), Type.Literal('ward'), Type.Literal('dbscan')],
        {
          description:
            'kmeans (default; mini-batch above 100,000 profiles), gmm (Gaussian mixture, k by BIC), ward (at most 5,000 profiles), dbscan (finds k, leaves noise)',
        },
      ),
    ),
    k: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 50 }), Type.Literal('auto')], {
        description: 'The number of clusters, or auto (default): best silhouette, or BIC for gmm',
      }),
    ),
    maxK: Type.Optional(
      Type.Integer({ minimum: 2, maximum: 30, description: 'The largest k auto tries (10)' }),
    ),
    scale: Type.Optional(
      Type.Union(
        [
          Type.Literal('auto'),
          Type.Literal('none'),
          Type.Literal('standard'),
          Type.Literal('log-standard'),
        ],
        {
          description:
            'Feature preparation; auto (default): log-standard for skewed non-negative features, else standard',
        },
      ),
    ),
    eps: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'dbscan: neighbourhood radius (0.5)' }),
    ),
    minSamples: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'dbscan: core size (5)' }),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
    unit: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: "What a profile is called in personas' descriptions (default `profiles`)",
      }),
    ),
    schedule: Type.Optional(
      Type.Object(
        {
          retrainDays: Type.Integer({
            minimum: 1,
            maximum: 365,
            description: 'Train again every N days (personas keep their names across trainings)',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { title: 'Clustering', additionalProperties: false },
);
export type ClusteringBody = Static<typeof ClusteringBody>;

const PersonaTraitInfo = Type.Object({
  feature: Type.String(),
  direction: Type.Union([Type.Literal('high'), Type.Literal('low')]),
  effect: Type.Number({ description: 'Cluster mean minus population mean, in population SDs' }),
  clusterMedian: Type.Number(),
  populationMedian: Type.Number(),
});

/** One cluster of a trained clustering with its persona. */
export const ClusterInfo = Type.Object({
  id: Type.Integer({
    description: 'Stable across trainings: a cluster that moved a little keeps it',
  }),
  name: Type.String({ description: "The persona's name, as `in_cluster(...)` names it" }),
  renamed: Type.Boolean({ description: 'Named by a person (else the default from its traits)' }),
  size: Type.Integer(),
  share: Type.Number({ description: 'Of the clustered profiles, 0 to 1' }),
  centroid: Type.Record(Type.String(), Type.Number(), { description: 'In the original units' }),
  /** The centre in the prepared space, which real-time assignment measures distances in. */
  centre: Type.Array(Type.Number()),
  description: Type.String(),
  traits: Type.Array(PersonaTraitInfo),
  medians: Type.Record(Type.String(), Type.Number()),
});
export type ClusterInfo = Static<typeof ClusterInfo>;

/** A trained clustering: what assignment needs (features, preparation, centres) and its personas. */
export const ClusterModel = Type.Object({
  clustering: Type.String(),
  training: Type.Integer({ description: 'Trainings of this clustering so far, this one included' }),
  definitionVersion: Type.Integer(),
  trainedAt: Type.String(),
  features: Type.Array(
    Type.Object({
      path: Type.String(),
      name: Type.String(),
      level: Type.Optional(
        Type.String({ description: "A category's level: 1 when the profile holds it, else 0" }),
      ),
    }),
    { description: 'The columns: number features, and each category feature level by level' },
  ),
  method: Type.String(),
  algorithm: Type.Union([Type.String(), Type.Null()]),
  k: Type.Integer(),
  scale: Type.String(),
  preparation: Type.Object({ mean: Type.Array(Type.Number()), std: Type.Array(Type.Number()) }),
  rows: Type.Integer({ description: 'Profiles clustered' }),
  skipped: Type.Integer({
    description: 'Live profiles left out: a feature missing or not a number, or analytics refused',
  }),
  noise: Type.Integer({ description: "DBSCAN's profiles in no cluster" }),
  silhouette: Type.Union([Type.Number(), Type.Null()]),
  inertia: Type.Number(),
  bic: Type.Union([Type.Number(), Type.Null()]),
  candidates: Type.Array(
    Type.Object({
      k: Type.Integer(),
      silhouette: Type.Number(),
      inertia: Type.Number(),
      bic: Type.Optional(Type.Number()),
    }),
  ),
  clusters: Type.Array(ClusterInfo),
});
export type ClusterModel = Static<typeof ClusterModel>;
