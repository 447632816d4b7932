import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/**
 * Hostile input on every route: generated requests (malformed, oversized and deeply nested bodies,
 * prototype-pollution keys, control characters, SQL in identifiers, odd path and query values),
 * each answered with a status below 500, and nothing stored before the barrage disturbed by it.
 * Routes come from the OpenAPI document, so a new route is fuzzed without touching this test.
 *
 * The default run sends 400 requests per route, the same ones every time (a fixed seed per route),
 * and checks each route got every kind of body (about 120 of the hostile kinds: deep nesting,
 * pollution, garbage, oversized). The deep run, `npm run test:fuzz`, sends 10,000 per route
 * (FUZZ_RUNS); FUZZ_SEED changes the sequence. A failure prints the seed and path that reproduce it.
 */
const RUNS = positiveInteger('FUZZ_RUNS', 400);
const SEED = positiveInteger('FUZZ_SEED', 20261129);

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a positive integer, not ${text}`);
  return n;
}

let t: TestTailor;
let routes: { method: string; path: string }[];

beforeAll(async () => {
  t = await startTestTailor();
  const spec = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((m) => ['get', 'post', 'put', 'delete'].includes(m))
      .map((m) => ({ method: m.toUpperCase(), path })),
  );
  // Something to keep intact.
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/identify',
    headers: { authorization: t.writeAuth },
    payload: { userId: 'keeper', traits: { email: 'keeper@example.com', plan: 'pro' } },
  });
  expect(res.statusCode).toBe(200);
  await t.tailor.pipeline.catchUp();
});
afterAll(async () => {
  await t.close();
});

const nasty = fc.constantFrom(
  "'; DROP TABLE events; --",
  '" OR 1=1 --',
  '__proto__',
  'constructor',
  'prototype',
  '\u0000\u0001\u001f',
  '\u202e\ufeff',
  '../../etc/passwd',
  '%00',
  '{{ 7*7 }}',
  '<script>alert(1)</script>',
  'a'.repeat(5000),
);
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  nasty,
);
const leaf = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
const keyed = fc.oneof(
  text,
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'type',
    'userId',
    'anonymousId',
    'event',
    'traits',
    'properties',
    'definition',
    'items',
    'batch',
  ),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('object'), tie('array')),
  object: fc.dictionary(keyed, tie('value'), { maxKeys: 6 }),
  array: fc.array(tie('value'), { maxLength: 6 }),
})).value;
/** Messages that look like Segment's, with any field replaced by anything. */
const segmentish = fc.record(
  {
    type: fc.oneof(fc.constantFrom('track', 'identify', 'page', 'screen', 'group', 'alias'), text),
    userId: fc.oneof(text, leaf),
    anonymousId: fc.oneof(text, leaf),
    event: fc.oneof(text, leaf),
    traits: value,
    properties: value,
    context: value,
    timestamp: fc.oneof(
      text,
      fc.date({ noInvalidDate: false }).map((d) => String(d)),
      leaf,
    ),
    messageId: fc.oneof(text, leaf),
  },
  { requiredKeys: [] },
);
const deep = fc
  .integer({ min: 200, max: 20_000 })
  .map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
const deepArray = fc
  .integer({ min: 200, max: 20_000 })
  .map((n) => `${'['.repeat(n)}${']'.repeat(n)}`);
const pollution = fc.constantFrom(
  '{"__proto__":{"polluted":true},"type":"track","userId":"u","event":"E"}',
  '{"constructor":{"prototype":{"polluted":true}},"userId":"u","event":"E"}',
  '{"batch":[{"type":"track","userId":"u","event":"E","properties":{"__proto__":{"polluted":true}}}]}',
  '{"definition":"traits.__proto__ = 1","items":[]}',
);
const garbage = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constant('{"unterminated": '),
  fc.constant('\u0000\u0000'),
);
const huge = fc.constantFrom(
  JSON.stringify({ userId: 'u', event: 'E', properties: { blob: 'x'.repeat(700_000) } }),
);
/** Each kind of body, by name: the test checks every route got each kind. */
const KINDS = {
  value: { weight: 5, arbitrary: value.map((v) => JSON.stringify(v)) },
  segmentish: { weight: 5, arbitrary: segmentish.map((v) => JSON.stringify(v)) },
  batch: {
    weight: 2,
    arbitrary: fc.array(segmentish, { maxLength: 5 }).map((batch) => JSON.stringify({ batch })),
  },
  deep: { weight: 1, arbitrary: deep },
  deepArray: { weight: 1, arbitrary: deepArray },
  pollution: { weight: 1, arbitrary: pollution },
  garbage: { weight: 1, arbitrary: garbage },
  huge: { weight: 1, arbitrary: huge },
};
/** A body as raw text: JSON of generated values, or text no JSON parser should accept. */
const body = fc.oneof(
  ...Object.entries(KINDS).map(([kind, { weight, arbitrary }]) => ({
    weight,
    arbitrary: arbitrary.map((text) => ({ kind, text })),
  })),
);
const param = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  nasty,
  fc.constant('p_1'),
  fc.constant('a'.repeat(300)),
);
const query = fc.dictionary(
  fc.constantFrom(
    'userId',
    'anonymousId',
    'identifier',
    'limit',
    'cursor',
    'status',
    'event',
    'provenance',
    'table',
  ),
  text,
  { maxKeys: 4 },
);
const auth = fc.constantFrom('admin', 'admin', 'admin', 'write', 'none', 'bogus');

describe('hostile input on every route', () => {
  it(`answers ${RUNS} generated requests per route with a 4xx or a success, never a 5xx, and keeps what was stored`, async () => {
    expect(routes.length).toBeGreaterThan(20);
    const seen = new Map<string, number>();
    for (const route of routes) {
      const kinds = new Set<string>();
      await fc.assert(
        fc.asyncProperty(
          body,
          param,
          query,
          auth,
          async ({ kind, text: payload }, name, qs, who) => {
            kinds.add(kind);
            const url = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(name));
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (who === 'admin') headers.authorization = t.adminAuth;
            else if (who === 'write') headers.authorization = t.writeAuth;
            else if (who === 'bogus') headers.authorization = 'Bearer nope\u0000';
            const res = await t.app.inject({
              method: route.method as 'GET',
              url,
              query: qs,
              headers,
              // Failed authentications from one address are throttled: they come from another, so the rest stay fuzzed.
              remoteAddress: who === 'none' || who === 'bogus' ? '198.51.100.7' : '127.0.0.1',
              ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload }),
            });
            seen.set(String(res.statusCode), (seen.get(String(res.statusCode)) ?? 0) + 1);
            if (res.statusCode >= 500)
              throw new Error(
                `${route.method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`,
              );
            const answer: unknown =
              res.body.length > 0 && String(res.headers['content-type'] ?? '').includes('json')
                ? JSON.parse(res.body)
                : undefined;
            if (res.statusCode >= 400)
              expect(answer).toMatchObject({
                code: expect.any(String),
                message: expect.any(String),
              });
          },
        ),
        // Each route its own sequence (seed + index): the routes do not all get the same bodies.
        { numRuns: RUNS, seed: SEED + routes.indexOf(route), endOnFailure: true },
      );
      // Fewer runs must not mean fewer kinds: every route got every kind of body.
      expect([...kinds].sort(), `${route.method} ${route.path}`).toEqual(Object.keys(KINDS).sort());
    }
    // Nothing leaked into objects everywhere, and what was stored before is intact.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await t.tailor.pipeline.catchUp();
    const keeper = await t.app.inject({
      method: 'GET',
      url: '/v1/profiles?identifier=userId:keeper',
      headers: { authorization: t.adminAuth },
    });
    expect(keeper.statusCode).toBe(200);
    expect(keeper.json()).toMatchObject({ traits: { email: 'keeper@example.com', plan: 'pro' } });
    const events = await t.app.inject({
      method: 'GET',
      url: '/v1/events?userId=keeper',
      headers: { authorization: t.adminAuth },
    });
    expect(events.json().events).toHaveLength(1);
    console.log(
      `fuzzed ${routes.length} routes x ${RUNS}: statuses ${JSON.stringify(Object.fromEntries(seen))}`,
    );
  }, 1_800_000);
});
