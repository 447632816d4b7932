import { useEffect, useState } from 'react';
import type { ApiGet, ApiResult } from './api-client.js';

/**
 * The answer to `GET path`, asked when the page shows and again whenever `path` or `reads`
 * changes (a page moves `reads` on after a change of its own). Undefined until the first answer
 * for this path: a page of a list, a filter, another name ask another path, and the answer to
 * the previous one is not shown as if it were theirs. When only `reads` moved, the previous
 * answer stays while the next is on its way. Leaving the page aborts the request. With
 * `readAgain`, read again while the answer is still changing.
 */
export function useApiGet<T>(
  get: ApiGet,
  path: string,
  reads = 0,
  readAgain?: ReadAgain<T>,
): ApiResult<T> | undefined {
  const [held, setHeld] = useState<{ path: string; answer: ApiResult<T> }>();
  const [again, setAgain] = useState(0);
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
  }, [get, path, reads, again]);
  const answer = held?.path === path ? held.answer : undefined;
  const more = answer !== undefined && readAgain !== undefined && readAgain.while(answer);
  const everyMs = readAgain?.everyMs;
  useEffect(() => {
    if (!more) return;
    const timer = setTimeout(() => {
      setAgain((n) => n + 1);
    }, everyMs);
    return () => {
      clearTimeout(timer);
    };
  }, [more, everyMs, answer]);
  return answer;
}

/**
 * Reading a resource again while it is changing (a backfill running, an erasure waiting): `while`
 * the answer says so, the next read is `everyMs` after it, so a slow answer is never cut short by
 * the next read.
 */
export interface ReadAgain<T> {
  while: (answer: ApiResult<T>) => boolean;
  everyMs: number;
}
