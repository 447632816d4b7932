import type { FastifyReply, FastifyRequest } from 'fastify';
import { TailorError } from '@tailor/core';
import type { NewAuditEntry } from '../audit/audit.schema.js';
import type { RateLimit } from '../keys/keys.schema.js';
import type { AuditLog } from '../store/audit-log.js';
import { WindowCounter } from './window-counter.js';

/**
 * Requests presenting an unknown or revoked key, per client address: each is recorded in the
 * audit log (`auth.failed`, with the first 8 hex digits of the presented key's SHA-256 as its
 * target, never the key), and past `limit` in a window the address is refused with 429 before any
 * key it sends is looked at, valid ones included, until the window ends (`auth.throttled` is
 * recorded once, when that starts). So a guesser gets `max` tries a window, and the audit log at
 * most `max` + 1 entries per address and window.
 */
export class FailedAuthentications {
  private readonly counter: WindowCounter;

  constructor(
    limit: RateLimit,
    private readonly audit: AuditLog,
    private readonly now: () => number,
  ) {
    this.counter = new WindowCounter(limit.max, (limit.windowSeconds ?? 1) * 1000);
  }

  /** Throws 429 for an address over its limit; free while no failure is counted. */
  refuseIfThrottled(request: FastifyRequest, reply: FastifyReply): void {
    if (this.counter.idle) return;
    const now = this.now();
    if (this.counter.count(request.ip, now) < this.counter.max) return;
    const retryAfter = this.counter.retryAfter(now);
    void reply.header('retry-after', String(retryAfter));
    throw new TailorError(
      'rate_limited',
      `too many requests with unknown keys from this address (${this.counter.max} in ${this.counter.windowMs / 1000} s); retry after ${retryAfter} s`,
      { details: { retryAfter } },
    );
  }

  /** Counts and records a request whose key was not recognized. */
  failed(request: FastifyRequest, fingerprint: string): void {
    const now = this.now();
    const ip = request.ip;
    this.counter.hit(ip, now);
    const entry = this.entry(request, now, 'auth.failed', `key-sha256:${fingerprint}`);
    this.audit.record(entry);
    if (this.counter.count(ip, now) === this.counter.max) {
      this.audit.record({
        ...entry,
        action: 'auth.throttled',
        target: `address:${ip}`,
        status: 429,
      });
    }
  }

  private entry(
    request: FastifyRequest,
    at: number,
    action: string,
    target: string,
  ): NewAuditEntry {
    return {
      at,
      key: 'unknown',
      role: null,
      action,
      target,
      method: request.method,
      route: request.routeOptions.url ?? null,
      status: 401,
      ip: request.ip,
    };
  }
}
