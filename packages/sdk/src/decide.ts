/** What the server decided for one placement (see POST /v1/decide). */
export interface Decision {
  placement: string;
  itemId: string | null;
  content: string | null;
  fallback: boolean;
  reasons: string[];
  [field: string]: unknown;
}

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

/**
 * Asks the server for decisions. Never rejects: a network error, a non-2xx answer, an answer
 * without decisions or the timeout resolve with fallbacks, so a page can always render.
 */
export async function decide({ url, body, timeoutMs }: DecideRequest): Promise<Decision[]> {
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
