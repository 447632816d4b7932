import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  Definition,
  DefinitionError,
  DefinitionList,
  DefinitionName,
  definitionBody,
  EstimateBody,
  MembersPage,
  MembersQuery,
  SegmentEstimate,
  SegmentSizes,
  SizesQuery,
} from '../../segments/definition.schema.js';
import type { SegmentEstimator } from '../../segments/segment-estimator.js';
import { seesPersonalData } from '../reader-view.js';
import type { DefinitionService } from '../../segments/definition-service.js';
import type { DefinitionKind } from '../../store/state-store.js';

/** Definitions in the segment language, at `/v1/segments` or `/v1/computed-traits`. */
export const definitionRoutes: FastifyPluginCallbackTypebox<{
  definitions: DefinitionService;
  kind: DefinitionKind;
  base: string;
  /** The segments' size estimate (segments only). */
  estimator?: SegmentEstimator;
}> = (app, { definitions, kind, base, estimator }, done) => {
  const what = kind === 'segment' ? 'segment' : 'computed trait';
  const tags = [kind === 'segment' ? 'segments' : 'computed traits'];
  app.put(
    `${base}/:name`,
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary: `Create or replace a ${what}`,
        params: DefinitionName,
        body: definitionBody(kind),
        response: { 200: Definition, 400: DefinitionError },
      },
    },
    async (request) => definitions.put(kind, request.params.name, request.body.definition),
  );
  app.get(
    base,
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: `Every ${what}`,
        response: { 200: DefinitionList },
      },
    },
    async () => ({ items: await definitions.list(kind) }),
  );
  app.get(
    `${base}/:name`,
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: `One ${what}`,
        params: DefinitionName,
        response: { 200: Definition },
      },
    },
    async (request) => definitions.get(kind, request.params.name),
  );
  if (estimator !== undefined) {
    app.post(
      `${base}/estimate`,
      {
        config: { access: 'read' },
        schema: {
          tags,
          summary:
            'How many people a segment definition would hold now, without saving it: exact for a small population, else from a uniform sample with a 95 % interval',
          body: EstimateBody,
          response: { 200: SegmentEstimate, 400: DefinitionError },
        },
      },
      async (request) =>
        estimator.estimate(
          request.body.definition,
          request.body.name ?? '(unsaved)',
          seesPersonalData(request.principal),
        ),
    );
  }
  if (kind === 'segment') {
    app.get(
      `${base}/:name/members`,
      {
        config: { access: 'read' },
        schema: {
          tags,
          summary: 'The profiles in a segment now, paged, with the count',
          params: DefinitionName,
          querystring: MembersQuery,
          response: {
            200: MembersPage,
          },
        },
      },
      async (request) => {
        const { limit = 100, cursor } = request.query;
        const after = cursor === undefined ? '' : Buffer.from(cursor, 'base64url').toString('utf8');
        const page = await definitions.members(request.params.name, after, limit);
        return {
          ...page,
          next: page.next === null ? null : Buffer.from(page.next).toString('base64url'),
        };
      },
    );
    app.get(
      `${base}/:name/sizes`,
      {
        config: { access: 'read' },
        schema: {
          tags,
          summary:
            "A segment's size over time: its members counted each hour and after each change of its definition (counts only)",
          params: DefinitionName,
          querystring: SizesQuery,
          response: { 200: SegmentSizes },
        },
      },
      async (request) =>
        definitions.sizes(request.params.name, request.query.from, request.query.to),
    );
  }
  app.delete(
    `${base}/:name`,
    {
      config: { access: 'define' },
      schema: { tags, summary: `Delete a ${what} no segment uses`, params: DefinitionName },
    },
    async (request, reply) => {
      await definitions.delete(kind, request.params.name);
      return reply.code(204).send();
    },
  );
  done();
};
