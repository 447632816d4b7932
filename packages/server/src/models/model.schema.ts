import { Type, type Static } from 'typebox';
import { ModelBody, ModelVersionInfo } from '@tailor/core';

/**
 * The HTTP shapes of the model routes, declared once: Fastify validates with them and the
 * OpenAPI document is generated from them (http/routes/).
 */

export const ModelName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

export const ModelView = Type.Intersect([
  ModelBody,
  Type.Object({
    name: Type.String(),
    version: Type.Integer({ description: "The definition's version (each PUT adds one)" }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    promoted: Type.Optional(Type.Integer({ description: 'The trained version that scores' })),
  }),
]);

/** GET /v1/models: its 200 answer. */
export const ModelList = Type.Object({ items: Type.Array(ModelView) });

/** GET /v1/models/:name/versions: its 200 answer. */
export const ModelVersions = Type.Object({ items: Type.Array(ModelVersionInfo) });

/** POST /v1/models/:name/promote: the body. */
export const PromoteBody = Type.Object(
  { version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

/** POST /v1/models/:name/train: the query. */
export const TrainQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Boolean({
        description:
          'Answer once the version is recorded (200, the version) instead of at once (202, the training run)',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * A training run of a model (`POST /v1/models/:name/train` answers it with 202, `GET
 * /v1/models/:name/training` reads the latest): its phase, progress and outcome.
 */
export const ModelTraining = Type.Object(
  {
    id: Type.String({ description: 'The run (a UUID, time-ordered)' }),
    model: Type.String(),
    status: Type.Union(
      [
        Type.Literal('running'),
        Type.Literal('succeeded'),
        Type.Literal('failed'),
        Type.Literal('stopped'),
      ],
      { description: 'stopped: the server shut down while it ran (train again)' },
    ),
    phase: Type.Union(
      [Type.Literal('read'), Type.Literal('resolve'), Type.Literal('fit'), Type.Literal('done')],
      {
        description:
          'read: the log, a page at a time; resolve: identifiers to profiles; fit: the table, cross-validation and the fit; done',
      },
    ),
    done: Type.Integer({ description: 'Units of the phase done: log positions, identifiers' }),
    total: Type.Integer({ description: 'Units of the phase in all' }),
    fraction: Type.Number({
      minimum: 0,
      maximum: 1,
      description:
        'An estimate of the whole run done, for a progress bar: reading the log counts for 80%, resolving for 10%, the fit for 10%',
    }),
    startedAt: Type.String(),
    updatedAt: Type.String({ description: 'When the progress was last recorded' }),
    finishedAt: Type.Optional(Type.String()),
    version: Type.Optional(ModelVersionInfo),
    error: Type.Optional(
      Type.Object({
        code: Type.String(),
        message: Type.String(),
        status: Type.Integer({ description: 'The HTTP status the error would have answered' }),
      }),
    ),
  },
  { title: 'ModelTraining' },
);
export type ModelTraining = Static<typeof ModelTraining>;
