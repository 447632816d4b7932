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
 * the next local `end` (a daylight-saving change inside the window is accounted for; on a day whose
 * local `end` does not exist, the same number of minutes after the change).
 */
export function quietUntil(now: number, quiet: QuietHours, timeZone: string): number | undefined {
  const format = formatIn(timeZone) ?? formatIn('UTC');
  if (format === undefined) return undefined;
  const local = localMinutes(format, now);
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  if (start === end) return undefined;
  const inside = start < end ? local >= start && local < end : local >= start || local < end;
  if (!inside) return undefined;
  const guess = Math.floor(now / 60_000) * 60_000 + ((end - local + 1440) % 1440) * 60_000;
  // A daylight-saving change in between moves the local clock: correct by what it reads then.
  const off = ((end - localMinutes(format, guess) + 1440 + 720) % 1440) - 720;
  return guess + off * 60_000;
}

/** The minutes past local midnight at `at`. */
function localMinutes(format: Intl.DateTimeFormat, at: number): number {
  const parts = format.formatToParts(new Date(at));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part('hour') * 60 + part('minute');
}
