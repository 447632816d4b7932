import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TailorError } from '@tailor/core';

/**
 * Per-key rate limits, counted by @fastify/rate-limit's in-memory store under the key's name. The
 * plugin is registered without its global hook (which runs before authentication, so could only
 * count by IP): the limiter it makes is called after `authorize()`, and only for a principal that
 * has a limit, so keys without one (write keys by default) cost nothing beyond the key lookup.
 */
export async function keyRateLimiter(
  app: FastifyInstance,
): Promise<(request: FastifyRequest, reply: FastifyReply) => Promise<void>> {
  await app.register(rateLimit, { global: false });
  const check = app.createRateLimit({
    keyGenerator: (request) => request.principal?.name ?? '',
    max: (request) => request.principal?.rateLimit?.max ?? Number.MAX_SAFE_INTEGER,
    timeWindow: (request) => (request.principal?.rateLimit?.windowSeconds ?? 1) * 1000,
  });
  return async (request, reply) => {
    const limit = await check(request);
    if (limit.isAllowed || !limit.isExceeded) return;
    void reply.header('retry-after', String(Math.max(1, limit.ttlInSeconds)));
    throw new TailorError(
      'rate_limited',
      `key ${limit.key} is over its limit of ${limit.max} requests per ${limit.timeWindow / 1000} s`,
      {
        details: { retryAfter: Math.max(1, limit.ttlInSeconds) },
      },
    );
  };
}
