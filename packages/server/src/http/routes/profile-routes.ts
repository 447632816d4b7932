import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { MergeRecord, Profile, TailorError, type PiiPolicy } from '@tailor/core';
import { Type } from 'typebox';
import type { ProfileService } from '../../profiles/profile-service.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { readerView } from '../reader-view.js';

const ProvenanceFlag = Type.Optional(
  Type.Boolean({
    description: 'Add `provenance`: the source, messageId and timestamp of each trait',
  }),
);
const ExplainFlag = Type.Optional(
  Type.Boolean({
    description:
      "Add each model score's explanation: the intercept, the largest terms of its log-odds and the rest",
  }),
);
const ProfileId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const NotFound = Type.Object({ code: Type.String(), message: Type.String() });

const Conflict = Type.Object({
  identifier: Type.Object({ type: Type.String(), value: Type.String() }),
  limitType: Type.String(),
  limit: Type.Number(),
  profileId: Type.Optional(Type.String()),
  resolvedTo: Type.String(),
  messageId: Type.String(),
  at: Type.String(),
});

/**
 * Profiles: by id or identifier, with trait provenance, merge history and the person's events.
 * Personal fields are shown in full to admin keys only, masked to the others (docs/pii-masking.md).
 */
export const profileRoutes: FastifyPluginCallbackTypebox<{
  profiles: ProfileService;
  /** Which fields are personal, for masking them to readers. */
  pii: () => PiiPolicy;
}> = (app, { profiles, pii }, done) => {
  const notFound = (what: string) => new TailorError('not_found', `no profile ${what}`);
  const viewFor = (request: FastifyRequest) => readerView(request.principal, pii());

  app.get(
    '/v1/profiles',
    {
      config: { access: 'read' },
      schema: {
        tags: ['profiles'],
        summary: 'The profile holding an identifier',
        querystring: Type.Object(
          {
            identifier: Type.String({
              minLength: 3,
              maxLength: 1100,
              description: 'TYPE:VALUE, e.g. email:ann@example.com',
            }),
            provenance: ProvenanceFlag,
            explain: ExplainFlag,
          },
          { additionalProperties: false },
        ),
        response: { 200: Profile, 404: NotFound },
      },
    },
    async (request) => {
      const { identifier, provenance, explain } = request.query;
      const profile = await profiles.find(identifier, provenance, explain);
      if (profile === undefined) throw profiles.notHeld(identifier);
      return viewFor(request).profile(profile);
    },
  );

  app.get(
    '/v1/profiles/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['profiles'],
        summary: 'A profile by id (a merged id answers with the profile it was merged into)',
        params: ProfileId,
        querystring: Type.Object(
          { provenance: ProvenanceFlag, explain: ExplainFlag },
          { additionalProperties: false },
        ),
        response: { 200: Profile, 404: NotFound },
      },
    },
    async (request) => {
      const { provenance, explain } = request.query;
      const profile = await profiles.read(request.params.id, provenance, explain);
      if (profile === undefined) throw notFound(request.params.id);
      return viewFor(request).profile(profile);
    },
  );

  app.get(
    '/v1/profiles/:id/events',
    {
      config: { access: 'read' },
      schema: {
        tags: ['profiles'],
        summary: "The person's events, merged profiles' included, in log order, cursor-paged",
        params: ProfileId,
        querystring: Type.Object(
          {
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 1000, description: 'Page size, default 100' }),
            ),
            cursor: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            events: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
          404: NotFound,
        },
      },
    },
    async (request) => {
      const { limit = 100, cursor } = request.query;
      const after = cursor === undefined ? 0 : decodeCursor(cursor);
      const page = await profiles.events(request.params.id, after, limit);
      if (page === undefined) throw notFound(request.params.id);
      const view = viewFor(request);
      return {
        events: page.events.map(view.message),
        next: page.next === null ? null : encodeCursor(page.next),
      };
    },
  );

  app.get(
    '/v1/profiles/:id/merges',
    {
      config: { access: 'read' },
      schema: {
        tags: ['profiles'],
        summary:
          'Merge history: which profiles were merged into this one, when, and by which message',
        params: ProfileId,
        response: {
          200: Type.Object({ merges: Type.Array(MergeRecord), conflicts: Type.Array(Conflict) }),
          404: NotFound,
        },
      },
    },
    async (request) => {
      const found = await profiles.merges(request.params.id);
      if (found === undefined) throw notFound(request.params.id);
      const { merges, conflicts } = found;
      const view = viewFor(request);
      return {
        merges: merges.map(view.merge),
        conflicts: conflicts.map((c) => ({ ...c, identifier: view.identifier(c.identifier) })),
      };
    },
  );

  app.get(
    '/v1/profiles/:id/memberships',
    {
      config: { access: 'read' },
      schema: {
        tags: ['profiles'],
        summary: 'Segment entries and exits of the person, oldest first',
        params: ProfileId,
        response: {
          200: Type.Object({
            memberships: Type.Array(
              Type.Object({
                segment: Type.String(),
                profileId: Type.String(),
                entered: Type.Boolean(),
                at: Type.String(),
                cause: Type.String(),
              }),
            ),
          }),
          404: NotFound,
        },
      },
    },
    async (request) => {
      const memberships = await profiles.memberships(request.params.id);
      if (memberships === undefined) throw notFound(request.params.id);
      return { memberships };
    },
  );

  app.get(
    '/v1/identity/conflicts',
    {
      config: { access: 'read' },
      schema: {
        tags: ['profiles'],
        summary: 'Links refused because they would have broken an identifier limit, newest first',
        querystring: Type.Object(
          {
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 1000, description: 'default 100' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ conflicts: Type.Array(Conflict) }) },
      },
    },
    async (request) => {
      const view = viewFor(request);
      const conflicts = await profiles.conflicts(request.query.limit ?? 100);
      return {
        conflicts: conflicts.map((c) => ({ ...c, identifier: view.identifier(c.identifier) })),
      };
    },
  );
  app.put(
    '/v1/profiles/:id/consent',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['profiles'],
        summary:
          "Record a person's consent answers; the profile and everything that enforces consent follow",
        params: ProfileId,
        body: Type.Object(
          {
            purposes: Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Boolean(), {
              description: '{PURPOSE: true|false}',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            profileId: Type.String(),
            messageId: Type.String(),
            purposes: Type.Record(Type.String(), Type.Boolean()),
          }),
        },
      },
    },
    async (request) => {
      const { purposes } = request.body;
      const source = `key:${request.principal?.name ?? 'unknown'}`;
      const recorded = await profiles.recordConsent(request.params.id, purposes, source);
      if (recorded === undefined) throw notFound(request.params.id);
      return { ...recorded, purposes };
    },
  );
  done();
};
