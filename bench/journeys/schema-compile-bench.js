// How long Fastify takes to be ready with the journey routes' schemas and to answer the first PUT
// (issue 18, step 4): the body and answer schemas of PUT /v1/journeys/NAME and GET /v1/journeys,
// compiled by the validator (TypeBox) and the serializer (fast-json-stringify) as build-app does,
// each in a fresh Fastify. The reference, in the same run: the same routes with the steps left
// open (`steps: unknown[]`), what any route with a small schema costs. Needs `npx tsc -b` first.
// Env: BENCH_ROUNDS (5).
import Fastify from 'fastify';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { JourneyBody, JourneyList } from '../../packages/server/dist/journeys/journey.schema.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PAYLOAD = { entry: { event: 'Signed Up' }, steps: [{ wait: '1d' }] };

async function firstPut(body, list) {
  const started = performance.now();
  const app = Fastify().setValidatorCompiler(TypeBoxValidatorCompiler);
  app.put('/v1/journeys/x', { schema: { body, response: { 200: body } } }, async (r) => r.body);
  app.get('/v1/journeys', { schema: { response: { 200: list } } }, async () => ({ items: [] }));
  await app.ready();
  const res = await app.inject({ method: 'PUT', url: '/v1/journeys/x', payload: PAYLOAD });
  if (res.statusCode !== 200) throw new Error(`PUT answered ${res.statusCode}: ${res.body}`);
  await app.close();
  return performance.now() - started;
}

const open = Type.Object({
  entry: JourneyBody.properties.entry,
  steps: Type.Array(Type.Unknown()),
});
const openList = Type.Object({ items: Type.Array(open) });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const journeys = [];
const reference = [];
for (let i = 0; i < ROUNDS; i++) {
  journeys.push(await firstPut(JourneyBody, JourneyList));
  reference.push(await firstPut(open, openList));
}
const size = JSON.stringify(JourneyBody).length;
console.log(
  JSON.stringify({
    schemaBytes: size,
    journeysMs: Math.round(median(journeys)),
    referenceMs: Math.round(median(reference)),
    ratio: Number((median(journeys) / median(reference)).toFixed(1)),
  }),
);
