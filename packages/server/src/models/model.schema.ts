import { Type } from 'typebox';
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
