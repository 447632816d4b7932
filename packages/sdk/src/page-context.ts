/** `context.page` (and a page call's default properties), as analytics.js sends it. */
export interface PageContext {
  path: string;
  url: string;
  referrer: string;
  title: string;
  search: string;
}

export function pageContext(): PageContext {
  return {
    path: location.pathname,
    url: location.href,
    referrer: document.referrer,
    title: document.title,
    search: location.search,
  };
}

/** The browser's time zone, e.g. `Europe/Berlin`, or undefined where Intl cannot say. */
export function timeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
