import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onResponseHookHandler,
  preValidationHookHandler,
} from 'fastify';
import type { Tailor } from '../open-tailor.js';
import type { Access } from './authenticate.js';

const asList = <T>(hooks: T | T[] | undefined): T[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];

/** Headers every answer of a browser route carries (what @fastify/cors adds with `origin: '*'`). */
export const BROWSER_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'Retry-After',
} as const;

type Labels = { method: string; route: string; status_code: string };

export interface RouteHookOptions {
  tailor: Tailor;
  /** The check of a route with this access rule (authentication, role, the write key's per-address limit). */
  authorize: (access: Access) => (request: FastifyRequest, reply: FastifyReply) => void;
  /** The key's own rate limit, for principals that have one. */
  limitRate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/**
 * The per-request work around every route, set up once per route when it is registered, so a
 * request pays only for what its route needs and reads nothing about its route to find out:
 *
 * - authentication and the key's rate limit (preValidation), made for the route's access rule;
 * - the answer's CORS headers on browser routes (fixed values: any origin may call them; the
 *   preflights are @fastify/cors's, see build-app.ts), from onRequest on;
 * - the request's duration in `tailor_http_request_duration_seconds`, under labels made once per
 *   method and status;
 * - on admin routes that change something (not GET, HEAD or OPTIONS; not collection, decide or
 *   assignment), telling the other nodes that settings changed.
 *
 * Requests to no route (404) are counted under the route `unmatched` by `countUnmatched`.
 * Register before any route (and after `markBrowserRoutes`, which marks browser routes).
 */
export function addRouteHooks(app: FastifyInstance, options: RouteHookOptions): void {
  const { tailor, authorize, limitRate } = options;
  app.addHook('onRoute', (route) => {
    const check = authorize(route.config?.access ?? 'manage');
    const browser = route.config?.browser === true;
    const admitted: preValidationHookHandler = (request, reply, done) => {
      check(request, reply);
      if (request.principal?.rateLimit === undefined) {
        done();
        return;
      }
      limitRate(request, reply).then(() => {
        done();
      }, done);
    };
    // Before the route's own hooks, as a global hook would run. The headers go on from the start,
    // so answers refused before the handler (a body that does not parse, a key refused) carry them.
    if (browser) route.onRequest = [withBrowserHeaders, ...asList(route.onRequest)];
    route.preValidation = [admitted, ...asList(route.preValidation)];
    const observe = durationObserver(tailor, route.url);
    const counted: onResponseHookHandler = (request, reply, done) => {
      observe(request.method, reply.statusCode, reply.elapsedTime);
      done();
    };
    const changes =
      !browser && asList(route.method).some((m) => m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS');
    const changed: onResponseHookHandler = (request, reply, done) => {
      const method = request.method;
      if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && reply.statusCode < 400)
        tailor.settingsChanged();
      done();
    };
    route.onResponse = [...(changes ? [changed] : []), counted, ...asList(route.onResponse)];
  });
}

const withBrowserHeaders: onRequestHookHandler = (_request, reply, done) => {
  void reply.headers(BROWSER_HEADERS);
  done();
};

/** Counts requests to no route (the 404s): add as a global onResponse hook. */
export function countUnmatched(tailor: Tailor): onResponseHookHandler {
  const observe = durationObserver(tailor, 'unmatched');
  return (request, reply, done) => {
    if (request.is404) observe(request.method, reply.statusCode, reply.elapsedTime);
    done();
  };
}

/** Observes a request's duration (ms) under labels made once per method and status of a route. */
function durationObserver(
  tailor: Tailor,
  route: string,
): (method: string, status: number, elapsedMs: number) => void {
  const byMethod = new Map<string, Map<number, Labels>>();
  return (method, status, elapsedMs) => {
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map<number, Labels>()));
    let labels = byStatus.get(status);
    if (labels === undefined)
      byStatus.set(status, (labels = { method, route, status_code: String(status) }));
    tailor.metrics.requestDuration.observe(labels, elapsedMs / 1000);
  };
}
