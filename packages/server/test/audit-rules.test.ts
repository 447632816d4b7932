import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_RULES, NOT_AUDITED } from '../src/audit/audit-rules.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/**
 * Every route has an audit decision: a rule in AUDIT_RULES, or a reason in NOT_AUDITED. A new
 * route fails here until it gets one. The routes that must be audited are also listed here
 * explicitly (not read back from the rules), so none can quietly move to NOT_AUDITED.
 */
const MUST_AUDIT = [
  // reads of personal data
  'GET /v1/profiles',
  'GET /v1/profiles/:id',
  'GET /v1/profiles/:id/events',
  'GET /v1/profiles/:id/merges',
  'GET /v1/profiles/:id/memberships',
  'GET /v1/events',
  'GET /v1/segments/:name/members',
  'POST /v1/privacy/export',
  'GET /v1/identity/reviews',
  'GET /v1/identity/conflicts',
  'POST /v1/placements/:name/preview',
  'GET /v1/recommendations/:name',
  'GET /v1/audit',
  // changes of personal data
  'PUT /v1/profiles/:id/consent',
  'POST /v1/privacy/erase',
  'POST /v1/identity/reviews/:id',
  'POST /v1/identity/match',
  // definitions
  'PUT /v1/segments/:name',
  'DELETE /v1/segments/:name',
  'PUT /v1/computed-traits/:name',
  'DELETE /v1/computed-traits/:name',
  'PUT /v1/placements/:name',
  'DELETE /v1/placements/:name',
  'PUT /v1/experiments/:name',
  'DELETE /v1/experiments/:name',
  'PUT /v1/recommenders/:name',
  'DELETE /v1/recommenders/:name',
  'PUT /v1/destinations/:name',
  'DELETE /v1/destinations/:name',
  'PUT /v1/tracking-plans/events/:event',
  'DELETE /v1/tracking-plans/events/:event',
  'PUT /v1/tracking-plans/traits',
  'DELETE /v1/tracking-plans/traits',
  'PUT /v1/keys/:name',
  'PATCH /v1/keys/:name',
  'DELETE /v1/keys/:name',
];
/** The only routes that change something without being audited: collection and decisions (hot, the person's own). */
const UNAUDITED_CHANGES = [
  'POST /v1/track',
  'POST /v1/identify',
  'POST /v1/page',
  'POST /v1/screen',
  'POST /v1/group',
  'POST /v1/alias',
  'POST /v1/batch',
  ...['t', 'i', 'p', 's', 'g', 'a', 'b'].map((short) => `POST /v1/${short}`),
  'POST /v1/decide',
  'POST /v1/experiments/:name/assign',
  'POST /v1/recommendations/:name', // a read from browsers, as decide
  'POST /v1/unsubscribe', // keyless (a signed email link); recorded in the log as Consent Updated
  // Reports are read-only queries over aggregates, sent as POST for their body.
  'POST /v1/reports/attribution',
  'POST /v1/reports/funnel',
  'POST /v1/reports/retention',
  'POST /v1/reports/kpis',
  // A segment's size estimate counts people without saving anything, sent as POST for its body.
  'POST /v1/segments/estimate',
];

let t: TestTailor;
let routes: string[];
beforeAll(async () => {
  t = await startTestTailor();
  const spec = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
  );
});
afterAll(async () => {
  await t.close();
});

describe('audit rules', () => {
  it('give every route a decision, audit every route that reads or changes personal data or definitions, and name only real routes', () => {
    expect(
      routes.filter((r) => !(r in AUDIT_RULES) && !(r in NOT_AUDITED)),
      'routes with no audit decision',
    ).toEqual([]);
    expect(
      routes.filter((r) => r in AUDIT_RULES && r in NOT_AUDITED),
      'routes with two decisions',
    ).toEqual([]);
    expect(
      MUST_AUDIT.filter((r) => !(r in AUDIT_RULES)),
      'sensitive routes without an audit rule',
    ).toEqual([]);
    const changes = routes.filter((r) => !r.startsWith('GET '));
    expect(
      changes.filter((r) => !(r in AUDIT_RULES) && !UNAUDITED_CHANGES.includes(r)),
      'changes without an audit rule',
    ).toEqual([]);
    const hidden = ['GET /openapi.json'];
    expect(
      [...Object.keys(AUDIT_RULES), ...Object.keys(NOT_AUDITED)].filter(
        (r) => !routes.includes(r) && !hidden.includes(r),
      ),
      'rules for no route',
    ).toEqual([]);
  });

  it("records an entry with the rule's action for a request to every audited route", async () => {
    const missing: string[] = [];
    for (const route of Object.keys(AUDIT_RULES)) {
      const [method, path] = route.split(' ') as [string, string];
      const url = path.replace(/:[a-z]+/g, '1');
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: t.adminAuth },
        ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
      });
      expect(res.statusCode, route).toBeLessThan(500);
      await new Promise((resolve) => setImmediate(resolve));
      const { entries } = await t.tailor.audit.list({ limit: 1 });
      const entry = entries[0];
      if (
        entry?.route !== path ||
        entry.method !== method ||
        entry.action !== AUDIT_RULES[route]?.action
      )
        missing.push(`${route} (got ${JSON.stringify(entry)})`);
    }
    expect(missing).toEqual([]);
  });
});
