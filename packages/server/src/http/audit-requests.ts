import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AUDIT_RULES, type AuditAbout, type AuditRule } from '../audit/audit-rules.js';
import type { Tailor } from '../open-tailor.js';

const asList = <T>(hooks: T | T[] | undefined): T[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];

/** The rule of a route: HEAD runs the GET handler, so it is audited as the GET. */
function ruleOf(route: RouteOptions): AuditRule | undefined {
  for (const method of asList(route.method)) {
    const rule = AUDIT_RULES[`${method === 'HEAD' ? 'GET' : method} ${route.url}`];
    if (rule !== undefined) return rule;
  }
  return undefined;
}

/**
 * Records requests to the routes in AUDIT_RULES in the audit log. Only those routes get the two
 * hooks (collection and decide pay nothing): one keeps the answer's body before it is serialized,
 * to name the profile it was about; one records the entry once the answer is sent, so the request
 * never waits for it. A request without a known key (401) or refused by its rate limit (429) is
 * not recorded; one refused for its role (403) is.
 */
export function auditRequests(app: FastifyInstance, tailor: Tailor): void {
  const answers = new WeakMap<FastifyRequest, unknown>();
  const keep = async (
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
  ): Promise<unknown> => {
    if (reply.statusCode < 300) answers.set(request, payload);
    return payload;
  };
  const recordWith =
    (rule: AuditRule) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const { principal } = request;
      if (principal === undefined || reply.statusCode === 429) return;
      let about: AuditAbout;
      try {
        about = await rule.about({
          params: (request.params ?? {}) as Record<string, unknown>,
          query: (request.query ?? {}) as Record<string, unknown>,
          body: request.body,
          response: reply.statusCode < 300 ? answers.get(request) : undefined,
          tailor,
        });
      } catch (error) {
        request.log.error({ err: error }, 'naming the target of an audit entry failed');
        about = { target: '?' };
      }
      const entry = {
        at: tailor.now(),
        key: principal.name,
        role: principal.role,
        action: rule.action,
        target: about.target,
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        ip: request.ip,
      };
      const ids = about.profileIds ?? [];
      if (ids.length === 0) tailor.audit.record(entry);
      for (const profileId of ids) tailor.audit.record({ ...entry, profileId });
    };
  app.addHook('onRoute', (route) => {
    const rule = ruleOf(route);
    if (rule === undefined) return;
    route.preSerialization = [...asList(route.preSerialization), keep];
    route.onResponse = [...asList(route.onResponse), recordWith(rule)];
  });
}
