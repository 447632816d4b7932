import { Type } from 'typebox';
import { TrackingPlan, Violation } from '@tailor/core';

/**
 * The HTTP shapes of the tracking plan routes, declared once: Fastify validates with them and the
 * OpenAPI document is generated from them (http/routes/).
 */

export const EventParams = Type.Object({ event: Type.String({ minLength: 1, maxLength: 512 }) });

/** GET /v1/tracking-plans: its 200 answer. */
export const TrackingPlanList = Type.Object({ plans: Type.Array(TrackingPlan) });

/** GET /v1/quality/violations: the querystring. */
export const ViolationsQuery = Type.Object({
  event: Type.Optional(Type.String({ maxLength: 512 })),
});

/** GET /v1/quality/violations: its 200 answer. */
export const ViolationsPage = Type.Object({
  violations: Type.Array(Violation),
  total: Type.Integer(),
});
