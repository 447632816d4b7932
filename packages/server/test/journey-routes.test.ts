import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { createLiquid } from '../src/decide/create-liquid.js';
import { handleError } from '../src/http/error-handler.js';
import { journeyRoutes } from '../src/http/routes/journey-routes.js';
import { JourneyRunner } from '../src/journeys/journey-runner.js';
import { SqliteJourneyStore } from '../src/journeys/sqlite-journey-store.js';
import { stepCounts } from './support/journey-harness.js';

describe('journey routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'journey-routes-'));
  const store = new SqliteJourneyStore(join(dir, 'journeys.db'));
  const runner = new JourneyRunner({
    store,
    engine: createLiquid(),
    readProfile: () => undefined,
    send: () => Promise.resolve(),
    unsubscribeUrl: () => 'mailto:unsubscribe@example.com',
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function app() {
    const fastify = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
    fastify.setValidatorCompiler(TypeBoxValidatorCompiler);
    fastify.setErrorHandler(handleError);
    await fastify.register(journeyRoutes, {
      runner,
      store,
      personOf: (identifier) => Promise.resolve(identifier.replace(/^userId:/, '')),
    });
    return fastify;
  }

  it('saves, reads, counts and deletes a journey; refuses bad steps with a reason', async () => {
    const fastify = await app();
    const body = {
      entry: { event: 'Signed Up' },
      steps: [
        { wait: '2s' },
        {
          if: 'traits.plan = "pro"',
          then: [{ email: { subject: 'Hi {{ traits.name }}', html: '<p>x</p>' } }],
          else: [],
        },
      ],
    };
    const put = await fastify.inject({ method: 'PUT', url: '/v1/journeys/welcome', payload: body });
    expect(put.statusCode).toBe(200);
    expect((await fastify.inject({ url: '/v1/journeys/welcome' })).json()).toEqual(body);
    await runner.onEvent({ name: 'Signed Up', person: 'u1', receivedAt: Date.now() });
    const stats = await fastify.inject({ url: '/v1/journeys/welcome/stats' });
    expect(stats.json()).toEqual({ steps: { '0': stepCounts({ entered: 1, waiting: 1 }) } });
    for (const [steps, reason] of [
      [[{ wait: 'later' }], /steps\.0\.wait/],
      [[{ if: 'traits.plan ==', then: [] }], /steps\.0\.if/],
      [[{ email: { subject: '{% if %}', html: '' } }], /steps\.0\.email\.subject/],
      [[{ sms: 'hi' }], /./],
    ] as const) {
      const bad = await fastify.inject({
        method: 'PUT',
        url: '/v1/journeys/bad',
        payload: { entry: { event: 'E' }, steps },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ message: string }>().message).toMatch(reason);
    }
    expect(
      (await fastify.inject({ method: 'DELETE', url: '/v1/journeys/welcome' })).statusCode,
    ).toBe(204);
    expect((await fastify.inject({ url: '/v1/journeys/welcome' })).statusCode).toBe(404);
    await fastify.close();
  });

  it('saves the three classic journeys of docs/journeys.md as they are written', async () => {
    const docs = readFileSync(new URL('../../../docs/journeys.md', import.meta.url), 'utf8');
    const section = docs.split('### Three classic journeys')[1]?.split('\n### ')[0] ?? '';
    const examples = [...section.matchAll(/```json\nPUT \/v1\/journeys\/([\w-]+)\n([^]*?)```/g)];
    expect(examples.map((m) => m[1])).toEqual(['welcome-series', 'cart-abandonment', 'win-back']);
    const fastify = await app();
    for (const [, name, json] of examples) {
      const body = JSON.parse(json!) as Record<string, unknown>;
      const put = await fastify.inject({
        method: 'PUT',
        url: `/v1/journeys/${name!}`,
        payload: body,
      });
      expect(put.statusCode, put.body).toBe(200);
      expect((await fastify.inject({ url: `/v1/journeys/${name!}` })).json()).toEqual(body);
      await fastify.inject({ method: 'DELETE', url: `/v1/journeys/${name!}` });
    }
    await fastify.close();
  });

  it('lists every journey by name with its definition', async () => {
    const fastify = await app();
    expect((await fastify.inject({ url: '/v1/journeys' })).json()).toEqual({ items: [] });
    const nudge = {
      entry: { event: 'Cart Updated' },
      goal: { event: 'Order Completed' }, // listed: the dashboard names it
      steps: [{ wait: '1h' }],
    };
    const hello = {
      entry: { event: 'Signed Up' },
      steps: [{ email: { subject: 'Hello', html: '<p>Hello</p>' } }],
    };
    for (const [name, body] of [
      ['nudge', nudge],
      ['hello', hello],
    ] as const) {
      const put = await fastify.inject({
        method: 'PUT',
        url: `/v1/journeys/${name}`,
        payload: body,
      });
      expect(put.statusCode).toBe(200);
    }
    expect((await fastify.inject({ url: '/v1/journeys' })).json()).toEqual({
      items: [
        { name: 'hello', ...hello },
        { name: 'nudge', ...nudge },
      ],
    });
    for (const name of ['hello', 'nudge']) {
      await fastify.inject({ method: 'DELETE', url: `/v1/journeys/${name}` });
    }
    await fastify.close();
  });

  it('describes every step in /openapi.json once, by reference, and checks nested steps with it', async () => {
    const fastify = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
    fastify.setValidatorCompiler(TypeBoxValidatorCompiler);
    fastify.setErrorHandler(handleError);
    await fastify.register(swagger, {
      openapi: { openapi: '3.1.0', info: { title: 'Tailor', version: '0' } },
    });
    await fastify.register(journeyRoutes, {
      runner,
      store,
      personOf: (identifier) => Promise.resolve(identifier),
    });
    await fastify.ready();
    const document = fastify.swagger() as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const body = JSON.stringify(document.paths['/v1/journeys/{name}']?.['put']?.requestBody);
    // Each list of steps and each step declared once (it was 97 KB written out at every level).
    expect(body.length).toBeLessThan(20_000);
    for (const name of ['JourneySteps4', 'JourneySteps0', 'JourneyEmailStep', 'JourneyWaitFor'])
      expect(body).toContain(`"${name}":`);
    expect(body).toContain('"$ref":"#/$defs/JourneySteps4"');
    // Four levels of branches pass; a bad step four levels down is refused by the schema.
    const nest = (leaf: object, levels: number): object[] =>
      levels === 0 ? [leaf] : [{ if: 'traits.a = 1', then: nest(leaf, levels - 1) }];
    const put = (steps: object[]) =>
      fastify.inject({
        method: 'PUT',
        url: '/v1/journeys/deep',
        payload: { entry: { event: 'Signed Up' }, steps },
      });
    expect((await put(nest({ wait: '1d' }, 4))).statusCode).toBe(200);
    expect((await put(nest({ wait: '1d', extra: true }, 4))).statusCode).toBe(400);
    expect((await put(nest({ wait: '1d' }, 5))).statusCode).toBe(400);
    await fastify.close();
  });
});
