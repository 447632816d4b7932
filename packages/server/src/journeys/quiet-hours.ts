import type { QuietHours } from './journey.schema.js';

const formats = new Map<string, Intl.DateTimeFormat>();

/** A formatter of the hour and minute in a time zone, or undefined when the zone is not an IANA name. */
function formatIn(timeZone: string): Intl.DateTimeFormat | undefined {
  let format = formats.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      return undefined;
    }
    if (formats.size > 1000) formats.clear();
    formats.set(timeZone, format);
  }
  return format;
}

/** Whether `zone` is a time zone Tailor can read (an IANA name such as `Europe/Paris`, or `UTC`). */
export function isTimeZone(zone: string): boolean {
  return zone !== '' && formatIn(zone) !== undefined;
}

function minutes(text: string): number {
  const [hours = '0', mins = '0'] = text.split(':');
  return Number(hours) * 60 + Number(mins);
}

/**
 * When quiet hours end, if `now` falls inside them in `timeZone`; undefined outside them. The
 * window may cross midnight (`21:00`–`08:00`); equal start and end mean no quiet hours. The end is
 * counted in whole local minutes from now, so a daylight-saving change inside the window moves it
 * by that hour (a step released early finds itself still inside and waits again).
 */
export function quietUntil(now: number, quiet: QuietHours, timeZone: string): number | undefined {
  const format = formatIn(timeZone) ?? formatIn('UTC');
  if (format === undefined) return undefined;
  const parts = format.formatToParts(new Date(now));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = part('hour') * 60 + part('minute');
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  if (start === end) return undefined;
  const inside = start < end ? local >= start && local < end : local >= start || local < end;
  if (!inside) return undefined;
  const wait = (end - local + 1440) % 1440;
  return Math.floor(now / 60_000) * 60_000 + wait * 60_000;
}
