import { useEffect, useState } from 'react';
import type { ApiGet, ApiResult } from './api-client.js';

/**
 * The answer to `GET path`, asked when the page shows and again whenever `path` or `reads`
 * changes (a page moves `reads` on after a change of its own). Undefined until the first answer
 * for this path: a page of a list, a filter, another name ask another path, and the answer to
 * the previous one is not shown as if it were theirs. When only `reads` moved, the previous
 * answer stays while the next is on its way. Leaving the page aborts the request.
 */
export function useApiGet<T>(get: ApiGet, path: string, reads = 0): ApiResult<T> | undefined {
  const [held, setHeld] = useState<{ path: string; answer: ApiResult<T> }>();
  useEffect(() => {
    const abort = new AbortController();
    get<T>(path, abort.signal).then(
      (answer) => {
        setHeld({ path, answer });
      },
      () => undefined,
    );
    return () => {
      abort.abort();
    };
  }, [get, path, reads]);
  return held?.path === path ? held.answer : undefined;
}
