/** Longer text is cut first: logs stay bounded, and so does the scrubbing's work. */
const MAX_LENGTH = 8192;
/** Email addresses, as they appear inside free text. */
const EMAIL = /[^\s@"'`<>()[\]{},;:]+@[^\s@"'`<>()[\]{},;:]+\.[a-z]{2,}/gi;
/** Phone numbers in international form (`+33 6 12 34 56 78`, `+14155550100`): the form Tailor stores. */
const PHONE = /\+\d[\d\s().-]{5,}\d/g;
/** JSON objects quoted whole (a message, a body): from the first `{"` to the last `}`. */
const JSON_OBJECT = /\{"[^]*\}/g;
/** Identifier arguments of a URL: the query string is personal more often than not (`?identifier=email:…`). */
const QUERY = /(\/[^\s?"']*)\?[^\s"']*/g;

/**
 * Free text (an error's message or stack) without the personal data it may quote: a quoted JSON
 * object becomes `{…}`, emails and international phone numbers `[email]` and `[phone]`, and a URL
 * loses its query string; past 8 KB it is cut. A last line of defence for logs; what is logged should not carry
 * personal data to begin with.
 */
export function scrubPersonalData(text: string): string {
  const bounded = text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text;
  return bounded
    .replace(JSON_OBJECT, '{…}')
    .replace(EMAIL, '[email]')
    .replace(PHONE, '[phone]')
    .replace(QUERY, '$1?[query]');
}
