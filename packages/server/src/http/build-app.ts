import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { TailorError } from '@tailor/core';
import type { Tailor } from '../open-tailor.js';
import { auditRequests } from './audit-requests.js';
import { authorizer } from './authenticate.js';
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
  app.addHook('preParsing', async (request, reply, payload) => {
    const encoding = request.headers['content-encoding'];
    if (encoding === undefined || encoding === 'identity') return payload;
    if (encoding !== 'gzip') {
      throw new TailorError(
        'unsupported_media_type',
        `content-encoding ${encoding} is not accepted: send gzip, or no content-encoding`,
      );
    }
    delete request.headers['content-length'];
    return inflateBody(payload, request.routeOptions.bodyLimit, () => {
      void reply.header('connection', 'close');
    });
  });
  // Authentication, then the key's rate limit: the limiter runs only for keys that have one.
  const limitRate = await keyRateLimiter(app);
  const authorize = authorizer({
    keys: tailor.keys,
    failures: new FailedAuthentications(
      tailor.config.keys.failedAuthPerIp,
      tailor.audit,
      tailor.now,
    ),
    writeLimitPerIp: tailor.config.keys.writeRateLimitPerIp,
    now: tailor.now,
  });
  app.addHook('preValidation', (request, reply, done) => {
    authorize(request, reply);
    if (request.principal?.rateLimit === undefined) {
      done();
      return;
    }
    limitRate(request, reply).then(() => {
      done();
    }, done);
  });
  auditRequests(app, tailor);
  app.addHook('onResponse', async (request, reply) => {
    // A change through an admin route (not collection, decide or assignment): other nodes follow.
    if (
      request.method !== 'GET' &&
      request.method !== 'HEAD' &&
      request.method !== 'OPTIONS' &&
      reply.statusCode < 400 &&
      request.routeOptions.config.browser === false
    )
      tailor.settingsChanged();
    tailor.metrics.requestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(cors, {
    origin: '*',
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    // With the headers analytics.js 2.0 and RudderStack's JavaScript SDK add (retries, its SentAt).
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', ...CLIENT_HEADERS],
    exposedHeaders: ['Retry-After'],
    maxAge: 86_400,
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
