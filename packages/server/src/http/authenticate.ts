import type { FastifyReply, FastifyRequest } from 'fastify';
import { TailorError } from '@tailor/core';
import type { KeyRegistry, Principal } from '../keys/key-registry.js';
import type { RateLimit } from '../keys/keys.schema.js';
import type { FailedAuthentications } from './failed-authentications.js';
import { WindowCounter } from './window-counter.js';
import type { Role } from '../store/state-store.js';

/** What a route needs; each route declares one in its `config.access`. */
export type Access = 'public' | 'collect' | 'read' | 'define' | 'manage';

const CAN: Record<Role, ReadonlySet<Access>> = {
  write: new Set(['collect']),
  viewer: new Set(['read']),
  marketer: new Set(['read', 'define']),
  admin: new Set(['collect', 'read', 'define', 'manage']),
};

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * Finds the key a request carries: `Authorization: Bearer KEY`, or the key as the HTTP Basic user
 * name (as Segment clients send the write key; any key is read that way, so a key of the wrong
 * role is a 403, not a 401). Collection and decide routes also take `writeKey` in the JSON body (a
 * browser's sendBeacon cannot set headers).
 */
function presentedKey(request: FastifyRequest, access: Access): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer') return value.trim();
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon === -1 ? decoded : decoded.slice(0, colon);
    }
  }
  if (access === 'collect') {
    const body = request.body as { writeKey?: unknown } | undefined;
    if (typeof body?.writeKey === 'string') return body.writeKey;
  }
  return undefined;
}

export interface AuthorizeOptions {
  keys: KeyRegistry;
  failures: FailedAuthentications;
  /** Write-key requests per key and client address (a write key is public: one holder must not spend everyone's limit). */
  writeLimitPerIp: RateLimit | null;
  now: () => number;
}

/**
 * The check every request goes through before validation: who is asking (401 for no key or an
 * unknown one, counted against the address; 429 for an address with too many of those), whether
 * their role may use the route (403), and, for a write key, its per-address limit (429).
 */
export function authorizer({
  keys,
  failures,
  writeLimitPerIp,
  now,
}: AuthorizeOptions): (request: FastifyRequest, reply: FastifyReply) => void {
  const perAddress =
    writeLimitPerIp === null
      ? undefined
      : new WindowCounter(writeLimitPerIp.max, (writeLimitPerIp.windowSeconds ?? 1) * 1000);
  return (request, reply) => {
    // An unknown route is a 404 whoever asks; a known one without an access rule needs the admin role.
    if (request.routeOptions.url === undefined) return;
    const access = request.routeOptions.config.access ?? 'manage';
    if (access === 'public') return;
    failures.refuseIfThrottled(request, reply);
    const key = presentedKey(request, access);
    if (!key) throw new TailorError('unauthorized', 'an API key is required');
    const principal = keys.authenticate(key);
    if (!principal) {
      failures.failed(request, keys.fingerprint(key));
      throw new TailorError('unauthorized', 'unknown or revoked API key');
    }
    // Known before the role is checked, so the audit log records refused attempts by whom.
    request.principal = principal;
    if (!CAN[principal.role].has(access)) {
      throw new TailorError(
        'forbidden',
        `a ${principal.role} key cannot ${access === 'collect' ? 'collect events' : access} here`,
      );
    }
    if (perAddress !== undefined && principal.role === 'write') {
      const at = now();
      if (!perAddress.hit(`${principal.name} ${request.ip}`, at)) {
        const retryAfter = perAddress.retryAfter(at);
        void reply.header('retry-after', String(retryAfter));
        throw new TailorError(
          'rate_limited',
          `write key ${principal.name} is over its limit of ${perAddress.max} requests per ${perAddress.windowMs / 1000} s from one address`,
          { details: { retryAfter } },
        );
      }
    }
  };
}
