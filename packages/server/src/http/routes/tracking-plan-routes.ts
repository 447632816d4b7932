import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  eventTarget,
  TailorError,
  TRAITS_TARGET,
  TrackingPlan,
  TrackingPlanBody,
  Violation,
} from '@tailor/core';
import { Type } from 'typebox';
import type { Tailor } from '../../open-tailor.js';

const EventParams = Type.Object({ event: Type.String({ minLength: 1, maxLength: 512 }) });

/** Tracking plans (a JSON Schema per event and for identify traits) and the violations they count. */
export const trackingPlanRoutes: FastifyPluginCallbackTypebox<{ tailor: Tailor }> = (
  app,
  { tailor },
  done,
) => {
  const now = (): Date => new Date(tailor.now());
  const tags = ['quality'];
  const put = async (target: string, body: TrackingPlanBody): Promise<TrackingPlan> => {
    const plan = await tailor.plans.put(target, body, now());
    await tailor.changed('plans');
    return plan;
  };

  app.get(
    '/v1/tracking-plans',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'All tracking plans',
        response: { 200: Type.Object({ plans: Type.Array(TrackingPlan) }) },
      },
    },
    async () => ({ plans: await tailor.plans.list() }),
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
    (request) => put(eventTarget(request.params.event), request.body),
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
    (request) => put(TRAITS_TARGET, request.body),
  );

  const remove = async (target: string): Promise<void> => {
    if (!(await tailor.plans.delete(target)))
      throw new TailorError('not_found', `no tracking plan for ${target}`);
    await tailor.changed('plans');
  };
  app.delete(
    '/v1/tracking-plans/events/:event',
    {
      config: { access: 'define' },
      schema: { tags, summary: "Remove an event's plan", params: EventParams },
    },
    async (request, reply) => {
      await remove(eventTarget(request.params.event));
      return reply.status(204).send();
    },
  );
  app.delete(
    '/v1/tracking-plans/traits',
    { config: { access: 'define' }, schema: { tags, summary: 'Remove the traits plan' } },
    async (_request, reply) => {
      await remove(TRAITS_TARGET);
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
        querystring: Type.Object({ event: Type.Optional(Type.String({ maxLength: 512 })) }),
        response: {
          200: Type.Object({ violations: Type.Array(Violation), total: Type.Integer() }),
        },
      },
    },
    async (request) => {
      await tailor.collector.flushViolations();
      const violations = await tailor.store.violations.list({
        ...(request.query.event !== undefined && { event: request.query.event }),
      });
      return { violations, total: violations.reduce((sum, v) => sum + v.count, 0) };
    },
  );
  done();
};
