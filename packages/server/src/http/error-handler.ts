import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS, TailorError, type ErrorCode } from '@tailor/core';
import { ACCEPTED_TYPES } from './parse-json-body.js';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  [detail: string]: unknown;
}

/** Fastify's own client errors, by their code, and what Tailor calls them. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
};

/** Turns anything thrown into `{code, message}`; client mistakes are 4xx, the rest 500 and logged. */
export function toErrorBody(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof TailorError) {
    return {
      status: ERROR_STATUS[error.code],
      body: { ...error.details, code: error.code, message: error.message },
    };
  }
  const e = error as Partial<FastifyError> & { message?: string };
  if (e.validation) {
    const where = e.validationContext ?? 'body';
    const first = e.validation[0];
    const path = first?.instancePath ? `${where}${first.instancePath.replaceAll('/', '.')}` : where;
    return {
      status: 400,
      body: { code: 'invalid_request', message: `${path}: ${first?.message ?? 'is invalid'}` },
    };
  }
  const mapped = e.code !== undefined ? FASTIFY_CODES[e.code] : undefined;
  if (mapped === 'unsupported_media_type') {
    return {
      status: 415,
      body: { code: mapped, message: `${e.message ?? mapped}; send ${ACCEPTED_TYPES}` },
    };
  }
  if (mapped)
    return { status: ERROR_STATUS[mapped], body: { code: mapped, message: e.message ?? mapped } };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code: ErrorCode =
      e.statusCode === 413
        ? 'payload_too_large'
        : e.statusCode === 415
          ? 'unsupported_media_type'
          : 'invalid_request';
    return { status: e.statusCode, body: { code, message: e.message ?? 'bad request' } };
  }
  return { status: 500, body: { code: 'internal', message: 'internal error' } };
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorBody(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  // A refusal that passes (the event log unavailable: 503) says when to try again.
  if (typeof body.retryAfter === 'number')
    void reply.header('retry-after', String(body.retryAfter));
  void reply.status(status).send(body);
}
