import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Profile, TailorError, type PiiPolicy } from '@tailor/core';
import type { ProfileService } from '../../profiles/profile-service.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { readerView } from '../reader-view.js';
import {
  ConsentAnswer,
  ConsentBody,
  IdentityConflicts,
  IdentityConflictsQuery,
  ProfileEventsPage,
  ProfileEventsQuery,
  ProfileId,
  ProfileMemberships,
  ProfileMerges,
  ProfileNotFound,
  ProfileQuery,
  ProfilesQuery,
} from '../../profiles/profile.schema.js';

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
        querystring: ProfilesQuery,
        response: { 200: Profile, 404: ProfileNotFound },
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
        querystring: ProfileQuery,
        response: { 200: Profile, 404: ProfileNotFound },
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
        querystring: ProfileEventsQuery,
        response: {
          200: ProfileEventsPage,
          404: ProfileNotFound,
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
          200: ProfileMerges,
          404: ProfileNotFound,
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
          200: ProfileMemberships,
          404: ProfileNotFound,
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
        querystring: IdentityConflictsQuery,
        response: { 200: IdentityConflicts },
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
        body: ConsentBody,
        response: {
          200: ConsentAnswer,
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
