import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TailorError } from '@tailor/core';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes Segment messages: the collector refuses those with a non-finite number, one by one. */
    messages?: boolean;
  }
}

/** Deeper bodies are refused: nothing Tailor accepts nests this deep, and recursion over them would overflow the stack. */
export const MAX_JSON_DEPTH = 64;

/**
 * The JSON body parser for `application/json` and `text/plain` (what sendBeacon sends): Fastify's
 * own (prototype-poisoning keys refused), then a nesting limit checked without recursion.
 */
export function jsonBodyParser(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error');
  return (
    request: FastifyRequest,
    body: string | Buffer,
    done: (error: Error | null, value?: unknown) => void,
  ): void => {
    void parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) {
        // Fastify's message names application/json whatever the type sent (text/plain, a form).
        const notJson = (error as { code?: string }).code === 'FST_ERR_CTP_INVALID_JSON_BODY';
        done(notJson ? new TailorError('invalid_request', NOT_JSON) : error);
        return;
      }
      const found = inspect(value, MAX_JSON_DEPTH);
      if (found === 'too_deep') {
        done(
          new TailorError('invalid_request', `the body nests deeper than ${MAX_JSON_DEPTH} levels`),
        );
        return;
      }
      if (found === 'non_finite') {
        // Collection refuses the messages that hold one, and stores the others of a batch.
        if (request.routeOptions.config.messages !== true) {
          done(
            new TailorError(
              'invalid_request',
              'the body holds a number out of the range of a double (like 1e309); send it as a string',
            ),
          );
          return;
        }
        withNonFinite.add(value as object);
      }
      // Kept beside the messages only (for their sizes as sent): another route may keep its body.
      if (
        typeof value === 'object' &&
        value !== null &&
        request.routeOptions.config.messages === true
      )
        bodyTexts.set(value, body);
      done(null, value);
    });
  };
}

/** Why a body that does not parse is refused, whatever its content type said. */
const NOT_JSON =
  'the body is not valid JSON: every route takes a JSON body, sent as application/json (collection and decide also take it as text/plain, collection as application/x-www-form-urlencoded, gzipped or not)';

/** The content types the collection routes take, for the errors that refuse another one. */
export const ACCEPTED_TYPES =
  'application/json; the collection routes also take text/plain and application/x-www-form-urlencoded holding JSON (as analytics.js and RudderStack clients send)';

type JsonParser = ReturnType<typeof jsonBodyParser>;

/**
 * `application/x-www-form-urlencoded` read as JSON, on the routes that take Segment messages only:
 * RudderStack's Node SDK sends its gzipped JSON batches with that type. Elsewhere a 415.
 */
export function jsonFormParser(parseJson: JsonParser): JsonParser {
  return (request, body, done) => {
    if (request.routeOptions.config.messages !== true) {
      done(
        new TailorError(
          'unsupported_media_type',
          `content-type application/x-www-form-urlencoded is not accepted here; send ${ACCEPTED_TYPES}`,
        ),
      );
      return;
    }
    parseJson(request, body, done);
  };
}

/** Bodies that hold a number past the double range (`1e309` parses to Infinity). */
const withNonFinite = new WeakSet<object>();

/** The JSON text each parsed body of messages was read from (after any gzip). */
const bodyTexts = new WeakMap<object, string | Buffer>();

/** The JSON text a parsed body was read from, undefined for one this parser did not read. */
export function bodyTextOf(body: unknown): string | Buffer | undefined {
  return typeof body === 'object' && body !== null ? bodyTexts.get(body) : undefined;
}

/** Whether the parsed body holds a number past the double range: its messages need a closer look. */
export function hasNonFiniteNumbers(body: unknown): boolean {
  return typeof body === 'object' && body !== null && withNonFinite.has(body);
}

/** One walk for both checks: too deep (stops there), or a non-finite number somewhere. */
function inspect(root: unknown, limit: number): 'too_deep' | 'non_finite' | undefined {
  let nonFinite = false;
  // Objects and arrays still to look into, with their depths (two stacks: no pair per value).
  const values: object[] = [];
  const depths: number[] = [];
  /** Queues an object or array; true for a non-finite number (x - x is NaN only for those). */
  const look = (value: unknown, depth: number): boolean => {
    if (typeof value !== 'object' || value === null)
      return typeof value === 'number' && value - value !== 0;
    values.push(value);
    depths.push(depth);
    return false;
  };
  nonFinite = look(root, 0);
  while (values.length > 0) {
    const value = values.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth >= limit) return 'too_deep';
    if (Array.isArray(value)) {
      for (const child of value as unknown[]) if (look(child, depth + 1)) nonFinite = true;
    } else {
      for (const key in value) if (look(value[key], depth + 1)) nonFinite = true;
    }
  }
  return nonFinite ? 'non_finite' : undefined;
}
