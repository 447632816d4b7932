import type { FastifyRequest } from 'fastify';
import { TailorError } from '@tailor/core';
import type { KeyRegistry, Principal } from '../keys/key-registry.js';
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

export function authorize(keys: KeyRegistry, request: FastifyRequest): void {
  // An unknown route is a 404 whoever asks; a known one without an access rule needs the admin role.
  if (request.routeOptions.url === undefined) return;
  const access = request.routeOptions.config.access ?? 'manage';
  if (access === 'public') return;
  const key = presentedKey(request, access);
  if (!key) throw new TailorError('unauthorized', 'an API key is required');
  const principal = keys.authenticate(key);
  if (!principal) throw new TailorError('unauthorized', 'unknown or revoked API key');
  // Known before the role is checked, so the audit log records refused attempts by whom.
  request.principal = principal;
  if (!CAN[principal.role].has(access)) {
    throw new TailorError('forbidden', `a ${principal.role} key cannot ${access === 'collect' ? 'collect events' : access} here`);
  }
}
