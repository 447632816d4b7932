import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  Decision,
  MAX_DECIDE_PLACEMENTS,
  PlacementBody,
  PlacementOptimize,
  TailorError,
} from '@tailor/core';
import type { Tailor } from '../../open-tailor.js';
import { personOf } from '../../decide/person-cache.js';
import { profileNamed } from '../../profiles/read-profile.js';
import { FULL_AUDIENCE, VERIFIED_AUDIENCE } from '../../decide/audiences.js';
import { seesPersonalData } from '../reader-view.js';

const Name = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });
const Placement = Type.Intersect([
  PlacementBody,
  Type.Object({
    name: Type.String(),
    version: Type.Integer(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  }),
]);
const Arms = Type.Object({
  placement: Type.String(),
  optimize: Type.Union([PlacementOptimize, Type.Null()], {
    description: 'What the placement optimizes; null when it ranks its items instead',
  }),
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      exposures: Type.Integer({
        description:
          'Distinct people shown the item (decisions that were not fallbacks or the holdout)',
      }),
      conversions: Type.Integer({
        description:
          "Of those, people who did the metric's event within its window after their first exposure",
      }),
      rate: Type.Union([Type.Number(), Type.Null()], {
        description: 'conversions / exposures; null before the first exposure',
      }),
    }),
  ),
});
const Context = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'What the touchpoint knows: page, device, location, time of day, locale, timezone… read as `context.*` by rules and templates',
});
const Person = {
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
};

/** Placements (define) and real-time decisions (write key, from browsers too). */
export const decideRoutes: FastifyPluginCallbackTypebox<{ tailor: Tailor }> = (
  app,
  { tailor },
  done,
) => {
  const tags = ['decide'];
  app.put(
    '/v1/placements/:name',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Create or replace a placement: items with rules, priorities, schedules, caps and templates',
        params: Name,
        body: PlacementBody,
        response: { 200: Placement },
      },
    },
    async (request) => {
      const known = {
        segments: tailor.definitions.segmentNames,
        computed: new Set(tailor.definitions.compiled?.computed.map((c) => c.name) ?? []),
      };
      for (const [i, item] of request.body.items.entries()) {
        if (
          item.experiment !== undefined &&
          (await tailor.experiments.get(item.experiment)) === undefined
        ) {
          throw new TailorError(
            'invalid_request',
            `items[${i}].experiment: no experiment named ${item.experiment}`,
          );
        }
      }
      const { placement } = await tailor.placements.put(
        request.params.name,
        request.body,
        known,
        new Date(tailor.now()),
      );
      await tailor.changed('placements');
      return placement;
    },
  );
  app.get(
    '/v1/placements',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Every placement',
        response: { 200: Type.Object({ items: Type.Array(Placement) }) },
      },
    },
    async () => ({ items: await tailor.placements.list() }),
  );
  app.get(
    '/v1/placements/:name',
    {
      config: { access: 'read' },
      schema: { tags, summary: 'One placement', params: Name, response: { 200: Placement } },
    },
    async (request) => {
      const found = await tailor.placements.get(request.params.name);
      if (found === undefined)
        throw new TailorError('not_found', `no placement ${request.params.name}`);
      return found;
    },
  );
  app.delete(
    '/v1/placements/:name',
    { config: { access: 'define' }, schema: { tags, summary: 'Delete a placement', params: Name } },
    async (request, reply) => {
      if (!(await tailor.placements.delete(request.params.name)))
        throw new TailorError('not_found', `no placement ${request.params.name}`);
      await tailor.changed('placements');
      return reply.status(204).send();
    },
  );
  app.get(
    '/v1/placements/:name/arms',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          "What a placement that optimizes has learnt: each item's exposures and conversions, as the decider reads them",
        params: Name,
        response: { 200: Arms },
      },
    },
    async (request) => {
      const stored = await tailor.placements.get(request.params.name);
      const bandit = tailor.placements.compiled(request.params.name)?.bandit;
      if (stored === undefined)
        throw new TailorError('not_found', `no placement ${request.params.name}`);
      if (bandit === undefined) return { placement: stored.name, optimize: null, items: [] };
      const items = stored.items.map(({ id }) => {
        const { exposures, conversions } = tailor.bandits.of(bandit, id);
        return { id, exposures, conversions, rate: exposures > 0 ? conversions / exposures : null };
      });
      return { placement: stored.name, optimize: stored.optimize ?? null, items };
    },
  );
  app.post(
    '/v1/placements/:name/preview',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'Render a placement for a profile (or one item with `itemId`) without recording an exposure',
        params: Name,
        body: Type.Object(
          {
            ...Person,
            profileId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            itemId: Type.Optional(Type.String()),
            context: Type.Optional(Context),
          },
          { additionalProperties: false },
        ),
        response: { 200: Decision },
      },
    },
    async (request) => {
      const { itemId, context = {} } = request.body;
      const stored = await profileNamed(tailor.profiles, request.body);
      // Rendered from the reader's view: personal traits masked as the profile API masks them for this role.
      const audience = seesPersonalData(request.principal)
        ? FULL_AUDIENCE
        : tailor.audiences.reader;
      return tailor.decider.preview(
        stored && personOf(stored),
        request.params.name,
        context,
        itemId,
        audience,
      );
    },
  );
  app.post(
    '/v1/decide',
    {
      config: { access: 'collect' },
      schema: {
        tags,
        summary:
          'Decide what a person sees in each placement; callable from a browser with the write key',
        body: Type.Object(
          {
            ...Person,
            placements: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
              minItems: 1,
              maxItems: MAX_DECIDE_PLACEMENTS,
              description: `Placement names, at most ${MAX_DECIDE_PLACEMENTS}: each decision is recorded, so one request must not write without bound`,
            }),
            context: Type.Optional(Context),
            writeKey: Type.Optional(
              Type.String({ description: 'The write key, for clients that cannot set headers' }),
            ),
            userHash: Type.Optional(
              Type.String({
                maxLength: 128,
                description:
                  "Identity verification: the hex HMAC-SHA256 of userId under the installation's secret, made by the site's backend. With the write key and a valid hash, templates see the person's personal traits; a wrong one counts as absent",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ decisions: Type.Array(Decision) }) },
      },
      // The schema documents the answer; the decider builds it to that shape (typed), and V8's
      // JSON.stringify writes it in half the time of the schema's serializer, which escapes the
      // reasons (rules with quoted strings) character by character: ~5 against ~11 us.
      serializerCompiler: () => (answer) => JSON.stringify(answer),
    },
    async (request) => {
      const { userId, anonymousId, placements, context = {}, userHash } = request.body;
      if (userId === undefined && anonymousId === undefined)
        throw new TailorError('invalid_request', 'userId or anonymousId is required');
      // The write key is public: personal traits only where listed or proven, reasons by id (docs/security.md).
      const audience =
        request.principal?.role === 'admin'
          ? FULL_AUDIENCE
          : userHash !== undefined && tailor.identity.verifies(userId, userHash)
            ? VERIFIED_AUDIENCE
            : tailor.audiences.public;
      return {
        decisions: await tailor.decider.decide({
          userId,
          anonymousId,
          placements,
          context,
          audience,
        }),
      };
    },
  );
  done();
};
