import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { eventTarget, TRAITS_TARGET, TrackingPlan, TrackingPlanBody } from '@tailor/core';
import type { TrackingPlanService } from '../../collect/tracking-plan-service.js';
import {
  EventParams,
  TrackingPlanList,
  ViolationsPage,
  ViolationsQuery,
} from '../../collect/tracking-plan.schema.js';

/** Tracking plans (a JSON Schema per event and for identify traits) and the violations they count. */
export const trackingPlanRoutes: FastifyPluginCallbackTypebox<{ plans: TrackingPlanService }> = (
  app,
  { plans },
  done,
) => {
  const tags = ['quality'];

  app.get(
    '/v1/tracking-plans',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'All tracking plans',
        response: { 200: TrackingPlanList },
      },
    },
    async () => ({ plans: await plans.list() }),
  );

  app.put(
    '/v1/tracking-plans/events/:event',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary: "Set the plan for one event's properties",
        params: EventParams,
        body: TrackingPlanBody,
        response: { 200: TrackingPlan },
      },
    },
    (request) => plans.put(eventTarget(request.params.event), request.body),
  );

  app.put(
    '/v1/tracking-plans/traits',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary: 'Set the plan for identify traits',
        body: TrackingPlanBody,
        response: { 200: TrackingPlan },
      },
    },
    (request) => plans.put(TRAITS_TARGET, request.body),
  );

  app.delete(
    '/v1/tracking-plans/events/:event',
    {
      config: { access: 'define' },
      schema: { tags, summary: "Remove an event's plan", params: EventParams },
    },
    async (request, reply) => {
      await plans.delete(eventTarget(request.params.event));
      return reply.status(204).send();
    },
  );
  app.delete(
    '/v1/tracking-plans/traits',
    { config: { access: 'define' }, schema: { tags, summary: 'Remove the traits plan' } },
    async (_request, reply) => {
      await plans.delete(TRAITS_TARGET);
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/quality/violations',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Tracking-plan violations counted per event name and rule',
        querystring: ViolationsQuery,
        response: {
          200: ViolationsPage,
        },
      },
    },
    async (request) => plans.violations(request.query.event),
  );
  done();
};
