/**
 * Every `href` to an http(s) URL sent through `redirect` (the URL as the browser would read it:
 * `&amp;` is `&`); mailto:, anchors and relative links stay as they are.
 */
export function trackedLinks(html: string, redirect: (url: string) => string): string {
  return html.replace(
    /(\shref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi,
    (_match, attr: string, quote: string, href: string) =>
      `${attr}${quote}${redirect(href.replaceAll('&amp;', '&'))}${quote}`,
  );
}

/** The open-tracking pixel at the end of the email. */
export function withPixel(html: string, url: string): string {
  return `${html}\n<img src="${url}" width="1" height="1" alt="" style="display:none">`;
}

/** The email with a link to `url` at its end, unless its template already showed it. */
/**
 * The plain-text part with the unsubscribe address as a last line when it names none (a web
 * address only: a mailto unsubscribe lives in the List-Unsubscribe header alone, as in the HTML).
 */
export function withUnsubscribeLine(text: string, url: string, web: boolean): string {
  if (!web || text.includes(url)) return text;
  return `${text}\n\nUnsubscribe: ${url}\n`;
}

export function withUnsubscribeLink(html: string, url: string): string {
  const href = url.replaceAll('&', '&amp;');
  if (html.includes(url) || html.includes(href)) return html;
  return `${html}\n<p style="font-size:12px;color:#666"><a href="${href}">Unsubscribe</a></p>`;
}
