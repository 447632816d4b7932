/**
 * The API key lives in sessionStorage only: it goes when the tab closes, is never written to
 * localStorage or a cookie, and is sent only as `Authorization: Bearer` to this origin.
 */
const KEY = 'tailor.apiKey';

export function readSessionKey(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function saveSessionKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function clearSessionKey(): void {
  sessionStorage.removeItem(KEY);
}
