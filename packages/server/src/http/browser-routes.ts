import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { TailorError } from '@tailor/core';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Called by web pages of any site: answered with CORS headers (`Access-Control-Allow-Origin: *`,
     * preflights included) and taking `text/plain` bodies as JSON (sendBeacon, fetch without a
     * preflight). By default the routes a write key may use (`access: 'collect'`: collection,
     * decide, experiment assignment); a route opts in or out by setting it.
     */
    browser?: boolean;
    /** @fastify/cors reads it per route; false on every route that is not a browser route. */
    cors?: false;
  }
}

/** A route's path as a pattern: `:param` is one segment, `*` the rest. */
function pathPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) =>
      part.startsWith(':')
        ? '[^/]+'
        : part === '*'
          ? '.*'
          : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * Marks each route as browser-facing or not when it is registered, so a request pays nothing for
 * it: routes that are not get `cors: false` (no CORS headers from @fastify/cors) and refuse
 * text/plain bodies (see `browserOnly`). A preflight (OPTIONS) is answered only for the path of a
 * browser route: the hook this returns, added before @fastify/cors, refuses the others with 403
 * and no CORS headers, so a page elsewhere cannot send an admin route anything but a simple request,
 * and simple requests with a body are refused by content type. Register before any route.
 */
export function markBrowserRoutes(app: FastifyInstance): onRequestHookHandler {
  const browserPaths: RegExp[] = [];
  const seen = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (route.url === '*' && route.method === 'OPTIONS') return; // @fastify/cors's preflight route
    const browser = route.config?.browser ?? route.config?.access === 'collect';
    route.config = browser
      ? { ...route.config, browser }
      : { ...route.config, browser, cors: false };
    if (browser && !seen.has(route.url)) {
      seen.add(route.url);
      browserPaths.push(pathPattern(route.url));
    }
  });
  return (request, _reply, done) => {
    if (request.method !== 'OPTIONS') {
      done();
      return;
    }
    const path = request.url.split('?', 1)[0] ?? '';
    if (browserPaths.some((pattern) => pattern.test(path))) {
      done();
      return;
    }
    done(
      new TailorError(
        'forbidden',
        `cross-origin requests are answered on collection, decide and SDK routes only, not ${path}`,
      ),
    );
  };
}

/** A body parser for a type browsers send without a preflight: on browser routes only, else 415. */
export function browserOnly<
  Parser extends (
    request: FastifyRequest,
    body: string | Buffer,
    done: (error: Error | null, value?: unknown) => void,
  ) => void,
>(type: string, parse: Parser): Parser {
  return ((request, body, done) => {
    if (request.routeOptions.config.browser !== true) {
      done(
        new TailorError(
          'unsupported_media_type',
          `content-type ${type} is accepted on collection and decide routes only; send application/json`,
        ),
      );
      return;
    }
    parse(request, body, done);
  }) as Parser;
}
