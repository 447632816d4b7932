import { err, ok, type Result } from '../result/result.js';

// ISO 8601 calendar dates with optional time, fraction and zone: 2024-03-07, 2024-03-07T10:00Z,
// 2024-03-07 10:00:00.123456+02:00, 2024-03-07T10:00:00+0200.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
// The same in ISO 8601's basic format (no separators; the T required): 20240307, 20240307T1000Z,
// 20240307T100000.5+0200. Exports from databases and older tools write it.
const ISO_8601_BASIC =
  /^(\d{4})(\d{2})(\d{2})(?:[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?:\d{2})?)?)?$/;

/**
 * Parses an ISO 8601 date-time, extended or basic format, to epoch milliseconds. A value without a
 * zone is taken as UTC.
 * Anything else (free text, epoch numbers, impossible dates) is refused with the reason.
 */
export function parseTimestamp(text: string): Result<number> {
  const m = ISO_8601.exec(text.trim()) ?? ISO_8601_BASIC.exec(text.trim());
  if (!m) return err(`"${text.slice(0, 40)}" is not an ISO 8601 date-time`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  // Not Date.UTC: it reads years 0-99 as 1900-1999.
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  if (
    probe.getUTCDate() !== day ||
    probe.getUTCMonth() !== month - 1 ||
    hour > 23 ||
    minute > 59 ||
    second > 60
  ) {
    return err(`"${text.slice(0, 40)}" is not a valid date`);
  }
  const utc = probe.setUTCHours(hour, minute, second, ms);
  return ok(utc - zoneOffsetMinutes(zone) * 60_000);
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}

/** ISO 8601 in UTC with milliseconds, the one form Tailor stores. */
export function formatTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
