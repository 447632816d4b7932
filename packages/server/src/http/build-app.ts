import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { TailorError } from '@tailor/core';
import type { Tailor } from '../open-tailor.js';
import { auditRequests } from './audit-requests.js';
import { authorizer } from './authenticate.js';
import { lazyRequestLogger } from './lazy-request-logger.js';
import { addRouteHooks, BROWSER_HEADERS, countUnmatched } from './route-hooks.js';
import { browserOnly, markBrowserRoutes } from './browser-routes.js';
import { FailedAuthentications } from './failed-authentications.js';
import { handleError } from './error-handler.js';
import { logOptions, type LogSetting } from './log-options.js';
import { keyRateLimiter } from './key-rate-limiter.js';
import { inflateBody } from './inflate-body.js';
import { jsonBodyParser, jsonFormParser } from './parse-json-body.js';
import { registerRoutes } from './router.js';
import { serverOptions } from './server-options.js';

/** Request headers that analytics.js 2.0 and RudderStack's JavaScript SDK send with events. */
const CLIENT_HEADERS = [
  'X-Retry-Count',
  'AnonymousId',
  'SentAt',
  'Rsa-Recovered',
  'Rsa-Retry-Attempt',
  'Rsa-Since-Last-Attempt',
  'Rsa-Since-First-Attempt',
  'Rsa-Retry-Reason',
];

export interface AppOptions {
  tailor: Tailor;
  /** pino options, or false for no logs (tests). */
  logger?: LogSetting;
}

/**
 * Builds the HTTP app without listening: tests use `app.inject()`, `tailor serve` listens.
 * JSON logs (pino), CORS for any site on browser routes (pages post events and ask for decisions), one error
 * handler, bodies validated by the same TypeBox schemas that make /openapi.json.
 */
export async function buildApp({ tailor, logger }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logOptions(logger, tailor.config.logLevel), // without personal data
    // One line per request would cost more than the request at collection rates; errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's logger is made when it first logs: most never do.
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: tailor.config.limits.batchBytes,
    ...serverOptions(tailor.config.http),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.maxConnections = tailor.config.http.maxConnections;
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    // As any browser route answers: a page calling a wrong path reads the 404, not a CORS error.
    void reply.headers(BROWSER_HEADERS);
    void reply.status(404).send({
      code: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
    });
  });

  // Routes called by web pages of any site (collection, decide, the SDK) are marked as they are
  // registered; only they answer preflights and carry CORS headers, and only they take text/plain.
  app.addHook('onRequest', markBrowserRoutes(app));
  // sendBeacon posts JSON as text/plain; parse it like application/json (with a nesting limit).
  const parseJson = jsonBodyParser(app);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
  app.addContentTypeParser(
    'text/plain',
    { parseAs: 'string' },
    browserOnly('text/plain', parseJson),
  );
  // RudderStack's Node SDK posts gzipped JSON as application/x-www-form-urlencoded (axios's default for a Buffer).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    jsonFormParser(parseJson),
  );
  // Segment and RudderStack clients may gzip bodies; the body limit then applies to the inflated
  // size, and inflating stops at the limit or at a bomb's ratio.
  app.addHook('preParsing', (request, reply, payload, done) => {
    const encoding = request.headers['content-encoding'];
    if (encoding === undefined || encoding === 'identity') {
      done(null, payload);
      return;
    }
    if (encoding !== 'gzip') {
      done(
        new TailorError(
          'unsupported_media_type',
          `content-encoding ${encoding} is not accepted: send gzip, or no content-encoding`,
        ),
      );
      return;
    }
    delete request.headers['content-length'];
    done(
      null,
      inflateBody(payload, request.routeOptions.bodyLimit, () => {
        void reply.header('connection', 'close');
      }),
    );
  });
  // Authentication, then the key's rate limit (only for keys that have one), metrics, CORS headers
  // and change notices: each route's own hooks, made once when it is registered.
  addRouteHooks(app, {
    tailor,
    limitRate: await keyRateLimiter(app),
    authorize: authorizer({
      keys: tailor.keys,
      failures: new FailedAuthentications(
        tailor.config.keys.failedAuthPerIp,
        tailor.audit,
        tailor.now,
      ),
      writeLimitPerIp: tailor.config.keys.writeRateLimitPerIp,
      now: tailor.now,
    }),
  });
  app.addHook('onResponse', countUnmatched(tailor));
  auditRequests(app, tailor);

  // Preflights: @fastify/cors in a context of its own, which holds its OPTIONS route alone, so its
  // per-request hook runs for preflights only; other answers of browser routes get their fixed
  // CORS headers from their own hook (route-hooks.ts).
  await app.register(async (preflights) => {
    await preflights.register(cors, {
      origin: BROWSER_HEADERS['access-control-allow-origin'],
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      // With the headers analytics.js 2.0 and RudderStack's JavaScript SDK add (retries, its SentAt).
      allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', ...CLIENT_HEADERS],
      exposedHeaders: [BROWSER_HEADERS['access-control-expose-headers']],
      maxAge: 86_400,
    });
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tailor',
        version: '0.1.0',
        description:
          'Customer data platform and real-time personalization engine. Collection routes follow the Segment HTTP Tracking API.',
      },
      components: {
        securitySchemes: {
          writeKey: {
            type: 'http',
            scheme: 'basic',
            description: 'Write key as the Basic user name, empty password',
          },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await registerRoutes(app, tailor);
  return app;
}
