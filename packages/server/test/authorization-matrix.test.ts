import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/store/state-store.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/**
 * Every route against every role, from an explicit table of who may call what (not read back from
 * the routes' own settings): a route missing from the table fails the test, so each new route
 * gets a decision. Allowed means not refused (any answer but 401/403); refused means 403 for a
 * known key of the wrong role and 401 without a key.
 */
type Access = 'public' | 'collect' | 'read' | 'define' | 'manage';
const WHO: Record<Access, readonly Role[]> = {
  public: ['write', 'viewer', 'marketer', 'admin'],
  collect: ['write', 'admin'],
  read: ['viewer', 'marketer', 'admin'],
  define: ['marketer', 'admin'],
  manage: ['admin'],
};

const EXPECTED: Record<string, Access> = {
  'GET /health': 'public',
  'GET /metrics': 'read',
  'GET /sdk/tailor.min.js': 'public',
  'POST /v1/track': 'collect',
  'POST /v1/identify': 'collect',
  'POST /v1/page': 'collect',
  'POST /v1/screen': 'collect',
  'POST /v1/group': 'collect',
  'POST /v1/alias': 'collect',
  'POST /v1/batch': 'collect',
  // analytics.js 2.0's short forms of the same routes.
  'POST /v1/t': 'collect',
  'POST /v1/i': 'collect',
  'POST /v1/p': 'collect',
  'POST /v1/s': 'collect',
  'POST /v1/g': 'collect',
  'POST /v1/a': 'collect',
  'POST /v1/b': 'collect',
  'POST /v1/decide': 'collect',
  'GET /v1/events': 'read',
  'GET /v1/profiles': 'read',
  'GET /v1/profiles/{id}': 'read',
  'GET /v1/profiles/{id}/events': 'read',
  'GET /v1/profiles/{id}/merges': 'read',
  'GET /v1/profiles/{id}/memberships': 'read',
  'PUT /v1/profiles/{id}/consent': 'manage',
  'GET /v1/identity/conflicts': 'read',
  'POST /v1/identity/match': 'manage',
  'GET /v1/identity/reviews': 'read',
  'POST /v1/identity/reviews/{id}': 'define',
  'PUT /v1/destinations/{name}': 'define',
  'GET /v1/destinations/{name}': 'read',
  'DELETE /v1/destinations/{name}': 'define',
  'GET /v1/destinations': 'read',
  'GET /v1/destinations/{name}/deliveries': 'read',
  'GET /v1/tracking-plans': 'read',
  'PUT /v1/tracking-plans/events/{event}': 'define',
  'DELETE /v1/tracking-plans/events/{event}': 'define',
  'PUT /v1/tracking-plans/traits': 'define',
  'DELETE /v1/tracking-plans/traits': 'define',
  'GET /v1/quality/violations': 'read',
  'PUT /v1/computed-traits/{name}': 'define',
  'GET /v1/computed-traits/{name}': 'read',
  'DELETE /v1/computed-traits/{name}': 'define',
  'GET /v1/computed-traits': 'read',
  'PUT /v1/segments/{name}': 'define',
  'GET /v1/segments/{name}': 'read',
  'DELETE /v1/segments/{name}': 'define',
  'GET /v1/segments': 'read',
  'GET /v1/segments/{name}/members': 'read',
  'GET /v1/segments/{name}/sizes': 'read',
  'POST /v1/segments/estimate': 'read',
  'PUT /v1/placements/{name}': 'define',
  'GET /v1/placements/{name}': 'read',
  'DELETE /v1/placements/{name}': 'define',
  'GET /v1/placements': 'read',
  'POST /v1/placements/{name}/preview': 'read',
  'GET /v1/placements/{name}/arms': 'read',
  'PUT /v1/sources/{name}': 'manage',
  'GET /v1/sources/{name}': 'manage',
  'GET /v1/sources/{name}/status': 'manage',
  'DELETE /v1/sources/{name}': 'manage',
  'GET /v1/sources': 'manage',
  'POST /v1/sources/{name}/test': 'manage',
  'POST /v1/sources/{name}/sync': 'manage',
  'PUT /v1/journeys/{name}': 'define',
  'GET /v1/journeys': 'read',
  'GET /v1/journeys/{name}': 'read',
  'DELETE /v1/journeys/{name}': 'define',
  'GET /v1/journeys/{name}/stats': 'read',
  'POST /v1/journeys/{name}/dry-run': 'define',
  'GET /v1/unsubscribe': 'public',
  'POST /v1/unsubscribe': 'public',
  'GET /v1/email/open': 'public',
  'GET /v1/email/click': 'public',
  'PUT /v1/recommenders/{name}': 'define',
  'GET /v1/recommenders/{name}': 'read',
  'DELETE /v1/recommenders/{name}': 'define',
  'GET /v1/recommenders': 'read',
  'POST /v1/recommenders/{name}/train': 'define',
  // The item catalogue holds no person; the public write key has no business there.
  'PUT /v1/catalog/items': 'define',
  'GET /v1/catalog/items': 'read',
  'GET /v1/catalog/items/{id}': 'read',
  'PUT /v1/models/{name}': 'define',
  'GET /v1/models/{name}': 'read',
  'DELETE /v1/models/{name}': 'define',
  'GET /v1/models': 'read',
  'POST /v1/models/{name}/train': 'define',
  'GET /v1/models/{name}/versions': 'read',
  'GET /v1/models/{name}/drift': 'read',
  'GET /v1/models/{name}/schedule': 'read',
  'GET /v1/models/{name}/training': 'read',
  'POST /v1/models/{name}/promote': 'define',
  'PUT /v1/clusterings/{name}': 'define',
  'GET /v1/clusterings/{name}': 'read',
  'DELETE /v1/clusterings/{name}': 'define',
  'GET /v1/clusterings': 'read',
  'POST /v1/clusterings/{name}/train': 'define',
  'GET /v1/clusterings/{name}/clusters': 'read',
  'PATCH /v1/clusterings/{name}/clusters/{id}': 'define',
  'PUT /v1/clusterings/{name}/clusters/{id}': 'define',
  'GET /v1/clusterings/{name}/clusters/{id}/members': 'read',
  // A person's recommendations reveal what they had: readers only; from browsers, the write key
  // gets popular items unless userHash proves the person (recommendations.test.ts).
  'GET /v1/recommendations/{name}': 'read',
  'POST /v1/recommendations/{name}': 'collect',
  'POST /v1/privacy/export': 'manage',
  'POST /v1/privacy/erase': 'manage',
  'POST /v1/privacy/unsuppress': 'manage',
  'GET /v1/identity-verification/secret': 'manage',
  'GET /v1/audit': 'manage',
  'POST /v1/reports/attribution': 'read',
  'POST /v1/reports/funnel': 'read',
  'POST /v1/reports/retention': 'read',
  'POST /v1/reports/kpis': 'read',
  'GET /v1/reports/quality': 'read',
  'GET /v1/reports/activity': 'read',
  'GET /v1/channel-rules': 'read',
  'PUT /v1/channel-rules': 'define',
  'GET /v1/keys': 'manage',
  'PUT /v1/keys/{name}': 'manage',
  'PATCH /v1/keys/{name}': 'manage',
  'DELETE /v1/keys/{name}': 'manage',
  'PUT /v1/experiments/{name}': 'define',
  'GET /v1/experiments/{name}': 'read',
  'DELETE /v1/experiments/{name}': 'define',
  'GET /v1/experiments': 'read',
  'GET /v1/experiments/{name}/results': 'read',
  'POST /v1/experiments/{name}/assign': 'collect',
};

let t: TestTailor;
const keys = new Map<Role, string>();
beforeAll(async () => {
  t = await startTestTailor();
  for (const role of ['write', 'viewer', 'marketer', 'admin'] as const) {
    const key = `matrix-${role}-key-0001`;
    await t.tailor.keys.create(`matrix-${role}`, role, new Date(), key);
    keys.set(role, key);
  }
});
afterAll(async () => {
  await t.close();
});

describe('authorization matrix', () => {
  it('lets each role call exactly the routes its role allows, on every route', async () => {
    const spec = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const unlisted = routes.filter((r) => !(r in EXPECTED));
    expect(unlisted, 'routes without an expected access in this table').toEqual([]);
    const wrong: string[] = [];
    for (const route of routes) {
      const [method, path] = route.split(' ') as [string, string];
      const access = EXPECTED[route] ?? 'manage';
      const url = path.replace(/\{[^}]+\}/g, 'matrix-probe');
      for (const role of [undefined, 'write', 'viewer', 'marketer', 'admin'] as const) {
        const headers: Record<string, string> = {};
        if (role !== undefined)
          headers.authorization =
            role === 'write'
              ? `Basic ${Buffer.from(`${keys.get(role) ?? ''}:`).toString('base64')}`
              : `Bearer ${keys.get(role) ?? ''}`;
        const res = await t.app.inject({
          method: method as 'GET',
          url,
          headers,
          ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
        });
        const allowed = access === 'public' || (role !== undefined && WHO[access].includes(role));
        const refused = res.statusCode === 401 || res.statusCode === 403;
        const expected = allowed ? 'allowed' : role === undefined ? '401' : '403';
        const got = refused ? String(res.statusCode) : 'allowed';
        if (got !== expected)
          wrong.push(
            `${route} as ${role ?? 'no key'}: expected ${expected}, got ${res.statusCode}`,
          );
        expect(res.statusCode, `${route} as ${role ?? 'no key'}: ${res.body}`).toBeLessThan(500);
      }
    }
    expect(wrong).toEqual([]);
  });
});
