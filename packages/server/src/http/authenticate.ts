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

/** How many Authorization headers are remembered with the key they carry, and the longest one kept. */
const HEADERS_KEPT = 1024;
const HEADER_KEPT_CHARS = 512;

/**
 * The key an Authorization header carries: `Bearer KEY`, or the key as the HTTP Basic user name
 * (as Segment clients send the write key; any key is read that way, so a key of the wrong role is
 * a 403, not a 401); undefined for another scheme.
 */
function keyInHeader(header: string): string | undefined {
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? decoded : decoded.slice(0, colon);
  }
  return undefined;
}

/**
 * Finds the key a request carries, from its Authorization header, or for collection and decide
 * routes `writeKey` in the JSON body (a browser's sendBeacon cannot set headers). Clients send
 * the same header with every request, so the key read from each header is remembered (a bounded
 * map of short headers, emptied when full: random headers cannot grow it).
 */
function keyReader(): (request: FastifyRequest, access: Access) => string | undefined {
  const keys = new Map<string, string | undefined>();
  return (request, access) => {
    const header = request.headers.authorization;
    if (header) {
      if (keys.has(header)) return keys.get(header);
      const key = keyInHeader(header);
      if (header.length > HEADER_KEPT_CHARS) return key;
      if (keys.size >= HEADERS_KEPT) keys.clear();
      keys.set(header, key);
      return key;
    }
    if (access === 'collect') {
      const body = request.body as { writeKey?: unknown } | undefined;
      if (typeof body?.writeKey === 'string') return body.writeKey;
    }
    return undefined;
  };
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
 * their role may use the route (403), and, for a write key, its per-address limit (429). Made once
 * per route (`access` is its rule), so a request reads nothing about its route to be checked.
 */
export function authorizer({
  keys,
  failures,
  writeLimitPerIp,
  now,
}: AuthorizeOptions): (access: Access) => (request: FastifyRequest, reply: FastifyReply) => void {
  const perAddress =
    writeLimitPerIp === null
      ? undefined
      : new WindowCounter(writeLimitPerIp.max, (writeLimitPerIp.windowSeconds ?? 1) * 1000);
  const presentedKey = keyReader();
  return (access) => (request, reply) => {
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
