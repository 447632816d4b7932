import type { FastifyLoggerOptions, FastifyRequest } from 'fastify';
import type { LoggerOptions } from 'pino';
import { scrubPersonalData } from '@tailor/core';

/** The app's `logger` setting: false for none (tests), true or a level, and where to write (tests capture it). */
export type LogSetting = boolean | { level: string; stream?: { write(line: string): void } };

/**
 * Fields that would carry personal data if anything logged them: request bodies and query strings
 * (identifiers travel there: `?identifier=email:…`), credentials, Segment messages and their parts.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'req.query',
  'req.params',
  'headers.authorization',
  'headers.cookie',
  'body',
  'query',
  'params',
  'message',
  'messages',
  'batch',
  'identifier',
  'identifiers',
  'traits',
  'properties',
  'context',
  'email',
  'phone',
  '*.body',
  '*.traits',
  '*.properties',
  '*.identifier',
  '*.email',
  '*.phone',
];

/**
 * pino options for the HTTP app (docs/pii-masking.md, "Logs"): no personal data in the logs.
 * Requests are logged by method, path and route (never the query string, headers or body);
 * errors by type, code, and message and stack scrubbed of emails, phones and query strings,
 * without the fields they carry (a TailorError's details, a validation's data, a cause's body);
 * the REDACT paths are censored; and every string logged as a message is scrubbed too.
 */
export function logOptions(
  setting: LogSetting | undefined,
  level: string,
): false | (FastifyLoggerOptions & LoggerOptions) {
  if (setting === false) return false;
  const chosen = typeof setting === 'object' ? setting : { level };
  return {
    level: chosen.level,
    ...(typeof setting === 'object' && setting.stream !== undefined && { stream: setting.stream }),
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { req: serializeRequest, err: (error: unknown) => serializeError(error) },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? scrubPersonalData(arg) : arg)) as Parameters<
            typeof method
          >,
        );
      },
    },
  };
}

/** A request as logged: where it went, not what it carried. */
function serializeRequest(request: FastifyRequest): {
  method: string;
  url: string;
  route: string | undefined;
  id: string;
} {
  return {
    method: request.method,
    url: request.url.split('?')[0] ?? '',
    route: request.routeOptions.url,
    id: request.id,
  };
}

type LoggedError = {
  type: string;
  message: string;
  stack: string;
  code?: string;
  statusCode?: number;
  cause?: LoggedError;
  [field: string]: unknown;
};

/** An error as logged: what and where, scrubbed; none of the data it may hold. */
export function serializeError(error: unknown, depth = 0): LoggedError {
  const e = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? scrubPersonalData(value) : '');
  const logged: LoggedError = {
    type: typeof e.name === 'string' ? e.name : 'Error',
    message: text(e.message),
    stack: text(e.stack),
  };
  if (typeof e.code === 'string') logged.code = e.code;
  if (typeof e.statusCode === 'number') logged.statusCode = e.statusCode;
  if (e.cause !== undefined && depth < 3) logged.cause = serializeError(e.cause, depth + 1);
  return logged;
}
