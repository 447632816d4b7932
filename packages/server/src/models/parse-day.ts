const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;

/**
 * The day a date names, as whole days since 1970-01-01: `YYYY-MM-DD` (an ISO 8601 date-time
 * counts as the calendar day it is written with) or `YYYYMMDD`; undefined for anything else,
 * a month or day out of range included (2023-02-30).
 */
export function parseDay(text: string): number | undefined {
  const match = ISO.exec(text) ?? COMPACT.exec(text);
  if (!match) return undefined;
  const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number];
  const at = new Date(Date.UTC(year, month - 1, day));
  if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day)
    return undefined;
  return at.getTime() / 86_400_000;
}
