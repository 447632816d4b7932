import { TailorError } from '@tailor/core';

/** Seconds a client is told to wait before retrying an append the log refused. */
export const LOG_RETRY_AFTER_SECONDS = 1;

/**
 * The log could not store an append (JetStream full, unreachable, timed out, or the dedup table
 * down): nothing in it was acknowledged, and the client should retry the same messages later.
 * The catalogue's `unavailable` code answers 503, and `details.retryAfter` carries the seconds the
 * HTTP layer puts in Retry-After. A retry is safe: messageIds make it idempotent.
 */
export class LogUnavailableError extends TailorError {
  /** Why, for the server's log only: clients (anyone holding the public write key) are not told of the infrastructure. */
  readonly reason: string;

  constructor(reason: string, cause?: unknown) {
    super('unavailable', 'the event log cannot store events now; retry later', {
      cause,
      details: { retryAfter: LOG_RETRY_AFTER_SECONDS },
    });
    this.reason = reason;
  }
}

/** A short reason from a NATS or PostgreSQL error, for the message (the cause keeps the rest). */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
