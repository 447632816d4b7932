/** The value of a first-party cookie of this page, or undefined. */
export function readCookie(name: string): string | undefined {
  try {
    for (const pair of document.cookie.split(';')) {
      const at = pair.indexOf('=');
      if (pair.slice(0, at).trim() === name) return decodeURIComponent(pair.slice(at + 1).trim());
    }
  } catch {
    // cookies disabled or a sandboxed document
  }
  return undefined;
}

/** Sets (or with maxAgeDays 0 deletes) a first-party cookie for the whole site. */
export function writeCookie(
  name: string,
  value: string,
  maxAgeDays: number,
  domain?: string,
): void {
  try {
    document.cookie =
      `${name}=${encodeURIComponent(value)}; path=/; max-age=${String(Math.round(maxAgeDays * 86_400))}; SameSite=Lax` +
      (domain ? `; domain=${domain}` : '') +
      (location.protocol === 'https:' ? '; Secure' : '');
  } catch {
    // cookies disabled: localStorage still keeps the id
  }
}
