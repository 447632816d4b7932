import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TailorError } from '@tailor/core';

/** Deeper bodies are refused: nothing Tailor accepts nests this deep, and recursion over them would overflow the stack. */
export const MAX_JSON_DEPTH = 64;

/**
 * The JSON body parser for `application/json` and `text/plain` (what sendBeacon sends): Fastify's
 * own (prototype-poisoning keys refused), then a nesting limit checked without recursion.
 */
export function jsonBodyParser(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error');
  return (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void): void => {
    void parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) {
        done(error);
        return;
      }
      if (depthOver(value, MAX_JSON_DEPTH)) {
        done(new TailorError('invalid_request', `the body nests deeper than ${MAX_JSON_DEPTH} levels`));
        return;
      }
      done(null, value);
    });
  };
}

function depthOver(root: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [value, depth] = next;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
}
