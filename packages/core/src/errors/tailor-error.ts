/**
 * The one error catalogue. Every error Tailor raises on purpose has one of these codes; the server
 * maps each code to an HTTP status in one place (see ERROR_STATUS).
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_message'
  | 'blocked_by_tracking_plan'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export const ERROR_STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_message: 400,
  blocked_by_tracking_plan: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export class TailorError extends Error {
  override readonly name = 'TailorError';

  /** Extra fields for the response body, such as the `position` of a bad definition. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options);
    this.details = options?.details;
  }
}

export function assertNever(value: never, what = 'value'): never {
  throw new TailorError('internal', `unexpected ${what}: ${JSON.stringify(value)}`);
}
