import { useEffect, useState } from 'react';
import type { ApiGet, ApiResult } from './api-client.js';

/**
 * The answer to `GET path`, asked when the page shows and again whenever `path` or `reads`
 * changes (a page moves `reads` on after a change of its own); undefined until the first answer,
 * the previous answer kept while the next is on its way. Leaving the page aborts the request.
 */
export function useApiGet<T>(get: ApiGet, path: string, reads = 0): ApiResult<T> | undefined {
  const [answer, setAnswer] = useState<ApiResult<T>>();
  useEffect(() => {
    const abort = new AbortController();
    get<T>(path, abort.signal).then(setAnswer, () => undefined);
    return () => {
      abort.abort();
    };
  }, [get, path, reads]);
  return answer;
}
