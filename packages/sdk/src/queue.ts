import type { Message } from './message.js';
import type { Store } from './storage.js';
import { postText, sendBeacon } from './transport.js';

export interface QueueOptions {
  store: Store;
  /** `${host}/v1/batch` */
  url: string;
  writeKey: string;
  /** Send as soon as this many messages wait. */
  flushAt: number;
  /** Otherwise send this many milliseconds after a message arrives. */
  flushInterval: number;
  /** Messages kept at most; the oldest go first. */
  maxSize: number;
  /** True while nothing may be sent (waiting for consent). */
  held(): boolean;
}

/** Messages wait in storage until the server took them, so a reload or a closed tab loses none. */
export interface Queue {
  push(message: Message): void;
  /** Sends what waits; `now` also cuts short a backoff (the browser came back online). */
  flush(now?: boolean): void;
  /** The page is going away or hidden: hands what is not in flight to sendBeacon. */
  beacon(): void;
  /** Rewrites the waiting messages (drops them, or completes them once consent is known). */
  edit(change: (messages: Message[]) => Message[]): void;
}

const KEY = 'queue';
const MAX_BATCH = 100;
const MAX_BATCH_BYTES = 400_000; // the server takes 500 KB a batch
const MAX_BEACON_BYTES = 60_000; // browsers refuse beacons (and keepalive fetches) past 64 KB in flight
const MAX_BACKOFF_MS = 60_000;
const MAX_RETRY_AFTER_MS = 3_600_000;

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s … up to a minute, each ±50 %. */
export function backoffDelay(attempt: number, random: number = Math.random()): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1)) * (0.5 + random);
}

function isMessage(value: unknown): value is Message {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { messageId?: unknown }).messageId === 'string'
  );
}

/** The body for the first messages that fit in maxBytes (at least one), each stamped with sentAt. */
function batchOf(
  messages: Message[],
  writeKey: string,
  maxBytes: number,
): { body: string; ids: Set<string>; bytes: number } {
  const sentAt = new Date().toISOString();
  const encoder = new TextEncoder();
  const tail = `],"writeKey":${JSON.stringify(writeKey)}}`;
  const parts: string[] = [];
  const ids = new Set<string>();
  let bytes = 10 + tail.length;
  for (const message of messages) {
    const part = JSON.stringify({ ...message, sentAt });
    const size = encoder.encode(part).length + 1;
    if (parts.length === MAX_BATCH || (parts.length > 0 && bytes + size > maxBytes)) break;
    bytes += size;
    parts.push(part);
    ids.add(message.messageId);
  }
  return { body: `{"batch":[${parts.join(',')}${tail}`, ids, bytes };
}

export function createQueue(options: QueueOptions): Queue {
  const { store } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Set<string> | undefined;
  let attempt = 0;
  let retryAt = 0;
  let warned = false;

  const read = (): Message[] => {
    const value = store.get(KEY);
    return Array.isArray(value) ? value.filter(isMessage) : [];
  };
  const write = (messages: Message[]): void => {
    if (messages.length > 0) store.set(KEY, messages.slice(-options.maxSize));
    else store.remove(KEY);
  };
  const forget = (ids: Set<string>): void => {
    write(read().filter((m) => !ids.has(m.messageId)));
  };
  const warnOnce = (text: string): void => {
    if (!warned) console.warn(`tailor: ${text}`);
    warned = true;
  };
  const wake = (delay: number): void => {
    timer ??= setTimeout(() => {
      timer = undefined;
      retryAt = 0;
      void flush();
    }, delay);
  };

  async function flush(): Promise<void> {
    if (inFlight || options.held() || Date.now() < retryAt) return;
    clearTimeout(timer);
    timer = undefined;
    const waiting = read();
    if (waiting.length === 0) return;
    const { body, ids, bytes } = batchOf(waiting, options.writeKey, MAX_BATCH_BYTES);
    inFlight = ids;
    // keepalive lets a small batch finish even if the page unloads meanwhile.
    const result = await postText(options.url, body, bytes < MAX_BEACON_BYTES);
    inFlight = undefined;
    if (!result.ok && result.retry) {
      attempt += 1;
      const delay = Math.min(result.retryAfterMs ?? backoffDelay(attempt), MAX_RETRY_AFTER_MS);
      retryAt = Date.now() + delay;
      clearTimeout(timer);
      timer = undefined;
      wake(delay);
      return;
    }
    attempt = 0;
    if (!result.ok)
      warnOnce(
        `the server refused ${String(ids.size)} message(s) with status ${String(result.status)}; they are dropped`,
      );
    else if (result.rejected[0])
      warnOnce(`the server rejected an invalid message: ${result.rejected[0].reason}`);
    forget(ids); // stored, rejected as invalid or refused: none of them is worth sending again
    if (read().length > 0) void flush();
  }

  return {
    push(message) {
      const messages = read();
      messages.push(message);
      write(messages);
      if (options.held() || inFlight || Date.now() < retryAt) return;
      if (messages.length >= options.flushAt) void flush();
      else wake(options.flushInterval);
    },
    flush(now) {
      if (now) retryAt = 0;
      void flush();
    },
    beacon() {
      if (options.held() || Date.now() < retryAt) return;
      const waiting = read().filter((m) => !inFlight?.has(m.messageId));
      if (waiting.length === 0) return;
      const { body, ids, bytes } = batchOf(waiting, options.writeKey, MAX_BEACON_BYTES);
      if (bytes <= MAX_BEACON_BYTES && sendBeacon(options.url, body)) forget(ids);
    },
    edit(change) {
      write(change(read()));
    },
  };
}
