import { Type } from 'typebox';

/**
 * The HTTP shapes of the privacy routes, declared once: Fastify validates with them and the
 * OpenAPI document is generated from them (http/routes/).
 */

export const IdentifierBody = Type.Object(
  {
    identifier: Type.String({
      minLength: 3,
      maxLength: 1100,
      description: '`TYPE:VALUE`, e.g. `email:ann@example.com`',
    }),
  },
  { additionalProperties: false },
);

/** POST /v1/privacy/erase: its 202 answer. */
export const ErasureAccepted = Type.Object({
  requestId: Type.String(),
  profileId: Type.String(),
  status: Type.Literal('accepted'),
});

/** POST /v1/privacy/unsuppress: its 200 answer. */
export const UnsuppressAnswer = Type.Object({
  identifier: Type.String(),
  lifted: Type.Literal(true),
});

/** GET /v1/identity-verification/secret: its 200 answer. */
export const VerificationSecret = Type.Object({
  secret: Type.String(),
  algorithm: Type.Literal('HMAC-SHA256'),
  encoding: Type.Literal('hex'),
});
