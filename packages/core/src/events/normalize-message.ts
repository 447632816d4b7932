import { err, ok, type Result } from '../result/result.js';
import type { MessageType, StoredMessage } from './events.schema.js';
import { normalizeCountry } from './normalize-country.js';
import { normalizeEmail } from './normalize-email.js';
import { normalizePhone, type CountryCode } from './normalize-phone.js';
import { formatTimestamp, parseTimestamp } from './normalize-timestamp.js';

export interface NormalizeOptions {
  /** When the server received the message, epoch ms. */
  receivedAt: number;
  /** `key:NAME` or `import:FILE`; kept as the message's provenance. */
  source: string;
  /** Region for reading national phone numbers. */
  defaultRegion: CountryCode;
  /** Makes a messageId for messages that came without one. */
  newMessageId: () => string;
  /** Batch-level fields that apply to every message that lacks its own. */
  defaults?: {
    context?: Record<string, unknown>;
    integrations?: Record<string, unknown>;
    sentAt?: string;
  };
}

type Path = readonly string[];
const EMAIL_PATHS: Path[] = [
  ['traits', 'email'],
  ['context', 'traits', 'email'],
  ['properties', 'email'],
];
const PHONE_PATHS: Path[] = [
  ['traits', 'phone'],
  ['context', 'traits', 'phone'],
  ['properties', 'phone'],
];
const COUNTRY_PATHS: Path[] = [
  ['traits', 'address', 'country'],
  ['context', 'traits', 'address', 'country'],
  ['context', 'location', 'country'],
  ['traits', 'country'],
  ['properties', 'country'],
];
const DATE_PATHS: Path[] = [
  ['traits', 'createdAt'],
  ['context', 'traits', 'createdAt'],
];

/**
 * Turns a validated Segment message into the form the log stores: identifiers as strings,
 * timestamps in ISO 8601 UTC corrected for client clock skew, emails, phones and countries in
 * canonical form, batch defaults applied. Every value it changes is kept under `tailor.originals`.
 * Takes ownership of `raw` (it is modified and becomes the stored message).
 */
export function normalizeMessage(
  raw: Record<string, unknown>,
  type: MessageType,
  options: NormalizeOptions,
): Result<StoredMessage> {
  const originals: Record<string, unknown> = {};
  const defaults = options.defaults;
  const context = mergeDefaults(raw.context, defaults?.context);
  const integrations = mergeDefaults(raw.integrations, defaults?.integrations);

  const times = normalizeTimes(raw, options.receivedAt, defaults?.sentAt, originals);
  if (!times.ok) return times;

  delete raw.writeKey; // a credential, never stored
  const message = raw as StoredMessage;
  message.type = type;
  message.messageId = typeof raw.messageId === 'string' ? raw.messageId : options.newMessageId();
  message.userId = idText(raw.userId as Id);
  message.anonymousId = idText(raw.anonymousId as Id);
  const groupId = idText(raw.groupId as Id);
  if (groupId !== null) message.groupId = groupId;
  const previousId = idText(raw.previousId as Id);
  if (previousId !== null) message.previousId = previousId;
  message.context = context ?? {};
  if (integrations) message.integrations = integrations;
  Object.assign(message, times.value);
  message.receivedAt = recent.format(options.receivedAt);

  for (const path of EMAIL_PATHS) rewrite(message, path, originals, (v) => normalizeEmail(v));
  for (const path of PHONE_PATHS) {
    rewrite(message, path, originals, (v) => normalizePhone(v, options.defaultRegion));
  }
  for (const path of COUNTRY_PATHS) rewrite(message, path, originals, normalizeCountry);
  for (const path of DATE_PATHS) {
    rewrite(message, path, originals, (v) => {
      const parsed = parseTimestamp(v);
      return parsed.ok ? formatTimestamp(parsed.value) : undefined;
    });
  }

  message.tailor = { source: options.source };
  if (Object.keys(originals).length > 0) message.tailor.originals = originals;
  return ok(message);
}

/** Validation has already made sure an id is a string, a number or absent. */
type Id = string | number | null | undefined;

function idText(id: Id): string | null {
  if (id === undefined || id === null || id === '') return null;
  return String(id);
}

function mergeDefaults(
  own: unknown,
  batch: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const mine = own as Record<string, unknown> | undefined;
  if (!batch) return mine;
  // A deep copy: normalization rewrites nested values, and the batch's object is shared.
  const copy = JSON.parse(JSON.stringify(batch)) as Record<string, unknown>;
  return mine ? { ...copy, ...mine } : copy;
}

interface Times {
  timestamp: string;
  originalTimestamp?: string;
  sentAt?: string;
}

/** The earliest time a message can have: earlier ones are a sender's bug (0001-01-01 is a zero date). */
export const EARLIEST_TIMESTAMP = 0;
/** How far past its arrival a message's time may be; later ones are moved to receivedAt, as Segment does. */
export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

/**
 * The event's time, as Segment derives it: `timestamp` when given, else `originalTimestamp` (the
 * device's clock), else receivedAt; when `sentAt` (the device's clock at sending) is known the
 * device clock's skew is corrected: receivedAt - (sentAt - originalTimestamp). Times before 1970
 * are refused; times more than a day after receivedAt become receivedAt (the sent one is kept).
 */
function normalizeTimes(
  raw: Record<string, unknown>,
  receivedAt: number,
  batchSentAt: string | undefined,
  originals: Record<string, unknown>,
): Result<Times> {
  const sentText = (raw.sentAt as string | undefined) ?? batchSentAt;
  let sentAt: number | undefined;
  let sent: { sentAt: string } | undefined;
  if (sentText !== undefined) {
    const parsed = recent.sent(sentText);
    if (!parsed.ok) return err(`sentAt: ${parsed.error}`);
    sentAt = parsed.value.at;
    sent = { sentAt: parsed.value.text };
  }
  const field =
    raw.timestamp !== undefined
      ? 'timestamp'
      : raw.originalTimestamp !== undefined
        ? 'originalTimestamp'
        : undefined;
  if (field === undefined) return ok({ timestamp: recent.format(receivedAt), ...sent });
  const text = raw[field] as string;
  const parsed = parseTimestamp(text);
  if (!parsed.ok) return err(`${field}: ${parsed.error}`);
  let time = parsed.value + (sentAt === undefined ? 0 : receivedAt - sentAt);
  if (time < EARLIEST_TIMESTAMP) {
    return err(
      `${field}: ${formatTimestamp(time)} is before 1970-01-01, the earliest time a message can have`,
    );
  }
  if (time > receivedAt + MAX_FUTURE_MS) {
    originals.timestamp = formatTimestamp(time);
    time = receivedAt;
  }
  return ok({
    timestamp: formatTimestamp(time),
    originalTimestamp: (raw.originalTimestamp as string | undefined) ?? text,
    ...sent,
  });
}

/**
 * The times every message of a request shares, parsed and formatted once: a request's receivedAt,
 * and the sentAt of a batch (its own, or each message's, which an SDK sets alike). One entry each:
 * the next request or batch replaces it.
 */
const recent = {
  receivedAt: Number.NaN,
  receivedText: '',
  sentText: undefined as string | undefined,
  sentParsed: undefined as Result<{ at: number; text: string }> | undefined,
  format(receivedAt: number): string {
    if (receivedAt !== this.receivedAt) {
      this.receivedText = formatTimestamp(receivedAt);
      this.receivedAt = receivedAt;
    }
    return this.receivedText;
  },
  sent(text: string): Result<{ at: number; text: string }> {
    if (text !== this.sentText || this.sentParsed === undefined) {
      const parsed = parseTimestamp(text);
      this.sentParsed = parsed.ok
        ? ok({ at: parsed.value, text: formatTimestamp(parsed.value) })
        : parsed;
      this.sentText = text;
    }
    return this.sentParsed;
  },
};

/** Replaces a string at `path` by `normalize(value)`, recording the original when it changed. */
function rewrite(
  root: Record<string, unknown>,
  path: Path,
  originals: Record<string, unknown>,
  normalize: (value: string) => string | undefined,
): void {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string, unknown>)[path[i] as string];
  }
  if (typeof node !== 'object' || node === null) return;
  const holder = node as Record<string, unknown>;
  const key = path[path.length - 1] as string;
  const value = holder[key];
  if (typeof value !== 'string') return;
  const normalized = normalize(value);
  if (normalized === undefined || normalized === value) return;
  originals[path.join('.')] = value;
  holder[key] = normalized;
}
