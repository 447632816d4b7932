import type { Decision } from '@tailor/core';
import { MAX_DECIDE_PLACEMENTS } from '@tailor/core/decide-limits';

/** What the server decided for one placement (see POST /v1/decide): the server's own type. */
export type { Decision };

export interface DecideRequest {
  /** `${host}/v1/decide` */
  url: string;
  body: Record<string, unknown> & { placements: string[] };
  timeoutMs: number;
}

/** One fallback per placement: the page shows its own default content. */
export function fallbacks(placements: string[], why: string): Decision[] {
  return placements.map((placement) => ({
    placement,
    itemId: null,
    content: null,
    fallback: true,
    reasons: [`unavailable: ${why}`],
  }));
}

/** Placements one request may name, as the server takes (a longer list is a 400 there). */
export const MAX_PLACEMENTS = MAX_DECIDE_PLACEMENTS;

/**
 * Asks the server for decisions. Never rejects: a network error, a non-2xx answer, an answer
 * without decisions or the timeout resolve with fallbacks, so a page can always render. More than
 * MAX_PLACEMENTS placements are not sent: each gets a fallback that says why.
 */
export async function decide({ url, body, timeoutMs }: DecideRequest): Promise<Decision[]> {
  if (body.placements.length > MAX_PLACEMENTS) {
    return fallbacks(
      body.placements,
      `decide takes at most ${String(MAX_PLACEMENTS)} placements a call`,
    );
  }
  const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      controller?.abort();
      resolve(`timed out after ${String(timeoutMs)} ms`);
    }, timeoutMs);
  });
  const request = (async (): Promise<Decision[] | string> => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'text/plain' },
        credentials: 'omit',
        ...(controller && { signal: controller.signal }),
      });
      if (!response.ok) return `the server answered ${String(response.status)}`;
      const json = (await response.json()) as { decisions?: unknown };
      return Array.isArray(json.decisions)
        ? (json.decisions as Decision[])
        : 'the answer had no decisions';
    } catch (error) {
      return error instanceof Error && error.name === 'AbortError'
        ? `timed out after ${String(timeoutMs)} ms`
        : 'network error';
    }
  })();
  const outcome = await Promise.race([request, timeout]);
  clearTimeout(timer);
  return typeof outcome === 'string' ? fallbacks(body.placements, outcome) : outcome;
}
