/** How a POST of a batch ended, as far as the queue cares. */
export type SendResult =
  | { ok: true; rejected: { index: number; reason: string }[] }
  | { ok: false; retry: boolean; status: number; retryAfterMs?: number };

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

/**
 * POSTs a JSON body as text/plain, which the server parses as JSON and which needs no CORS
 * preflight. Never throws: a network error is a result to retry like a 5xx or a 429.
 */
export async function postText(url: string, body: string, keepalive: boolean): Promise<SendResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'text/plain' },
      credentials: 'omit',
      keepalive,
    });
    const { status } = response;
    if (response.ok) {
      const json = (await response.json().catch(() => undefined)) as
        { rejected?: unknown } | undefined;
      return {
        ok: true,
        rejected: Array.isArray(json?.rejected)
          ? (json.rejected as { index: number; reason: string }[])
          : [],
      };
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'));
    return {
      ok: false,
      retry: status >= 500 || status === 429 || status === 408,
      status,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    };
  } catch {
    return { ok: false, retry: true, status: 0 };
  }
}

/** Hands a text/plain body to the browser to deliver even as the page goes away. */
export function sendBeacon(url: string, body: string): boolean {
  try {
    return (
      typeof navigator.sendBeacon === 'function' &&
      navigator.sendBeacon(url, new Blob([body], { type: 'text/plain' }))
    );
  } catch {
    return false;
  }
}
