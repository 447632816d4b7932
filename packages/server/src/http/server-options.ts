import type { ServerOptions } from 'node:http';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config/config.schema.js';

/**
 * The Node HTTP server's limits, so a slow or idle client cannot hold a connection (and its
 * memory) for long: headers and the whole request must arrive within their timeouts, idle
 * keep-alive connections close, and connections past `maxConnections` are refused. Node checks the
 * header and request timeouts every `connectionsCheckingInterval` (30 s by default, which would
 * let a 10 s timeout run to 40 s): here a quarter of the shorter timeout, at most a second.
 */
export function serverOptions(
  http: Config['http'],
): Pick<
  FastifyServerOptions,
  | 'requestTimeout'
  | 'keepAliveTimeout'
  | 'connectionTimeout'
  | 'maxRequestsPerSocket'
  | 'trustProxy'
> & { http: ServerOptions } {
  const checkEvery = Math.max(
    25,
    Math.min(1_000, Math.floor(Math.min(http.headersTimeoutMs, http.requestTimeoutMs) / 4)),
  );
  return {
    http: { headersTimeout: http.headersTimeoutMs, connectionsCheckingInterval: checkEvery },
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionTimeout: http.idleTimeoutMs,
    maxRequestsPerSocket: http.maxRequestsPerSocket,
    // A number is a hop count, which Fastify takes (proxy-addr) though its type does not list it.
    trustProxy: http.trustProxy as FastifyServerOptions['trustProxy'],
  };
}
