import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TailorError } from '@tailor/core';
import { AuditPage, AuditQuery } from '../../audit/audit.schema.js';
import type { AuditLog } from '../../store/audit-log.js';
import { decodeCursor, encodeCursor } from '../cursor.js';

function timeOf(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new TailorError(
      'invalid_request',
      `${name} is not a time: give ISO 8601, e.g. 2026-01-31T00:00:00Z`,
    );
  return ms;
}

/** The audit log (admin): who read or changed personal data and definitions. */
export const auditRoutes: FastifyPluginCallbackTypebox<{ audit: AuditLog }> = (
  app,
  { audit },
  done,
) => {
  app.get(
    '/v1/audit',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['privacy'],
        summary:
          'The audit log, newest first, cursor-paged, filtered by action, key name, profile and time',
        querystring: AuditQuery,
        response: { 200: AuditPage },
      },
    },
    async (request) => {
      const { action, key, profileId, since, until, limit = 100, cursor } = request.query;
      const page = await audit.list({
        action,
        key,
        profileIds: profileId === undefined ? undefined : [profileId],
        since: timeOf(since, 'since'),
        until: timeOf(until, 'until'),
        before: cursor === undefined ? undefined : decodeCursor(cursor),
        limit,
      });
      return { entries: page.entries, next: page.next === null ? null : encodeCursor(page.next) };
    },
  );
  done();
};
