/** What a call to the API gives: the body, or the status with the server's `{code, message}`. */
export type ApiResult<T> =
  { ok: true; value: T } | { ok: false; status: number; code: string; message: string };

export type ApiGet = <T>(path: string, signal?: AbortSignal) => Promise<ApiResult<T>>;

/** GET requests to this origin's API with the key as a bearer token; a network failure is status 0. */
export function apiClient(key: string): ApiGet {
  return async <T>(path: string, signal?: AbortSignal): Promise<ApiResult<T>> => {
    let response: Response;
    try {
      response = await fetch(path, {
        headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
        signal: signal ?? null,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      return { ok: false, status: 0, code: 'network', message: 'the server cannot be reached' };
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok) return { ok: true, value: body as T };
    const { code = 'error', message = response.statusText } = (body ?? {}) as {
      code?: string;
      message?: string;
    };
    return { ok: false, status: response.status, code, message };
  };
}
