/**
 * What a call to the API gives: the body, or the status with the server's `{code, message}` and,
 * for a definition the segment language refuses, the 0-based character `position` of the problem.
 */
export type ApiResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; code: string; message: string; position?: number };

export type ApiGet = <T>(path: string, signal?: AbortSignal) => Promise<ApiResult<T>>;
/** A DELETE: its answer is 204 with no body, given as `undefined`. */
export type ApiDelete = (path: string, signal?: AbortSignal) => Promise<ApiResult<undefined>>;
export type ApiPost = <T>(
  path: string,
  body: unknown,
  signal?: AbortSignal,
) => Promise<ApiResult<T>>;

/** GET requests to this origin's API with the key as a bearer token; a network failure is status 0. */
export function apiClient(key: string): ApiGet {
  return <T>(path: string, signal?: AbortSignal) => request<T>(key, path, {}, signal);
}

/**
 * Requests with a JSON body: POST (reports that read the log take their options in the body) or
 * PUT (saving a definition).
 */
export function apiPoster(key: string, method: 'POST' | 'PUT' = 'POST'): ApiPost {
  return <T>(path: string, body: unknown, signal?: AbortSignal) =>
    request<T>(
      key,
      path,
      {
        method,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      },
      signal,
    );
}

/** A GET of a text resource (the Prometheus metrics) with the key as a bearer token. */
export type ApiGetText = (path: string, signal?: AbortSignal) => Promise<Response>;

export function apiTextGetter(key: string): ApiGetText {
  return (path, signal) =>
    fetch(path, { headers: { authorization: `Bearer ${key}` }, signal: signal ?? null });
}

/** DELETE requests (removing a definition, revoking a key). */
export function apiDeleter(key: string): ApiDelete {
  return (path: string, signal?: AbortSignal) =>
    request<undefined>(key, path, { method: 'DELETE' }, signal);
}

async function request<T>(
  key: string,
  path: string,
  init: { method?: string; body?: string; headers?: Record<string, string> },
  signal?: AbortSignal,
): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { ...init.headers, authorization: `Bearer ${key}`, accept: 'application/json' },
      signal: signal ?? null,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    return { ok: false, status: 0, code: 'network', message: 'the server cannot be reached' };
  }
  // 204 (a DELETE's answer) has no body to read.
  if (response.status === 204) return { ok: true, value: undefined as T };
  const body: unknown = await response.json().catch(() => undefined);
  // A body cut short by the abort is no answer: the caller has moved on.
  signal?.throwIfAborted();
  if (response.ok && body !== undefined) return { ok: true, value: body as T };
  if (response.ok) {
    return { ok: false, status: 0, code: 'network', message: "the server's answer was cut short" };
  }
  const {
    code = 'error',
    message = response.statusText,
    position,
  } = (body ?? {}) as { code?: string; message?: string; position?: unknown };
  return typeof position === 'number'
    ? { ok: false, status: response.status, code, message, position }
    : { ok: false, status: response.status, code, message };
}
