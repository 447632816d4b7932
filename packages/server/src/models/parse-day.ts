import { parseTimestamp } from '@tailor/core';

const CALENDAR_DATE = /^(\d{4})-?(\d{2})-?(\d{2})/;

/**
 * The day a date names, as whole days since 1970-01-01: any date or date-time parseTimestamp
 * reads (ISO 8601, extended or basic: `2024-03-01`, `20240301`, `2024-03-01T23:30:00-05:00`,
 * `20240301T2330Z`), counted as the calendar day it is written with, whatever its zone or time;
 * undefined for anything else, a month or day out of range included (2023-02-30).
 */
export function parseDay(text: string): number | undefined {
  const trimmed = text.trim();
  if (!parseTimestamp(trimmed).ok) return undefined;
  const match = CALENDAR_DATE.exec(trimmed);
  if (!match) return undefined;
  const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number];
  // Not Date.UTC: it reads years 0-99 as 1900-1999.
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  return at.getTime() / 86_400_000;
}
