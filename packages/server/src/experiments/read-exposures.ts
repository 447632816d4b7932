import type { StoredMessage } from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import { EventColumns } from './event-columns.js';
import { EXPOSURE_EVENT } from './exposure-event.js';

const DAY_MS = 86_400_000;

/** What the log pass needs of an experiment. */
export interface ExposureQuery {
  name: string;
  variants: readonly string[];
  /** Metric events, by index: the event name and, for means, the property path under `properties`. */
  metrics: readonly { event: string; property?: string | undefined }[];
  /** Events before this time (ms) cannot count (the start less the CUPED days), nor at or after `stop`. */
  from: number;
  stop: number;
}

/**
 * The experiment's exposures and metric events, from one pass over the log in position order,
 * in columns: people keyed by userId ?? anonymousId as they appear on the events; each person's
 * first exposure gives their variant and assignment time; every metric event is kept (its person
 * by userId and by anonymousId, its metric, time and value) to be set against assignment times once
 * they are all known, since events may be logged before the exposure they follow in time.
 */
export interface Exposures {
  /** Exposure events read (repeats included). */
  exposureEvents: number;
  /** Events read from the log. */
  eventsRead: number;
  /** Person index → variant index, -1 when never exposed. */
  variant: Int8Array;
  /** Person index → time of the first exposure (ms). */
  assignedAt: Float64Array;
  people: number;
  /** Metric events, column by column; `other` is the second identifier's person or -1. */
  events: {
    count: number;
    person: Int32Array;
    other: Int32Array;
    metric: Uint8Array;
    at: Float64Array;
    value: Float64Array;
  };
}

export interface ReadOptions {
  pageSize?: number;
  /** Lets other work run between pages (a server answering requests while results are computed). */
  pause?: () => Promise<void>;
}

export async function readExposures(
  log: Pick<EventLog, 'read'>,
  query: ExposureQuery,
  options: ReadOptions = {},
): Promise<Exposures> {
  const pageSize = options.pageSize ?? 5000;
  const variantIndex = new Map(query.variants.map((v, i) => [v, i]));
  const metricsOf = new Map<string, number[]>();
  query.metrics.forEach((m, i) => metricsOf.set(m.event, [...(metricsOf.get(m.event) ?? []), i]));
  const paths = query.metrics.map((m) =>
    m.property === undefined ? undefined : propertyPath(m.property),
  );
  const ids = new Map<string, number>();
  let variant = new Int8Array(1024).fill(-1);
  let assignedAt = new Float64Array(1024);
  const events = new EventColumns();
  const personOf = (key: string): number => {
    let i = ids.get(key);
    if (i === undefined) {
      i = ids.size;
      ids.set(key, i);
      if (i >= variant.length) {
        variant = grow(variant, -1);
        assignedAt = grow(assignedAt, 0);
      }
    }
    return i;
  };
  let exposureEvents = 0;
  let eventsRead = 0;
  let position = 0;
  for (;;) {
    const page = await log.read(position, pageSize);
    if (page.length === 0) break;
    for (const { message } of page) {
      if (message.type !== 'track' || message.event === undefined) continue;
      if (message.event === EXPOSURE_EVENT) {
        const v = exposedVariant(message, query.name, variantIndex);
        const key = message.userId ?? message.anonymousId;
        if (v === undefined || key === null) continue;
        exposureEvents++;
        const person = personOf(key);
        if (variant[person] === -1) {
          variant[person] = v;
          assignedAt[person] = Date.parse(message.timestamp);
        }
        continue;
      }
      const metrics = metricsOf.get(message.event);
      if (metrics === undefined) continue;
      const at = Date.parse(message.timestamp);
      if (!(at >= query.from && at < query.stop)) continue;
      const first = message.userId ?? message.anonymousId;
      if (first === null) continue;
      const person = personOf(first);
      const other =
        message.userId !== null && message.anonymousId !== null
          ? personOf(message.anonymousId)
          : -1;
      for (const m of metrics) {
        const path = paths[m];
        let value = 1;
        if (path !== undefined) {
          const read = readPath(message.properties, path);
          if (typeof read !== 'number' || !Number.isFinite(read)) continue;
          value = read;
        }
        events.push(person, other, m, at, value);
      }
    }
    eventsRead += page.length;
    position = page[page.length - 1]?.position ?? position;
    if (options.pause) await options.pause();
  }
  return {
    exposureEvents,
    eventsRead,
    variant,
    assignedAt,
    people: ids.size,
    events: events.columns(),
  };
}

/** The earliest event time that can count: CUPED's window before the start. */
export function firstCountedTime(start: number, cupedDays: number): number {
  return start - cupedDays * DAY_MS;
}

function exposedVariant(
  message: StoredMessage,
  experiment: string,
  variants: Map<string, number>,
): number | undefined {
  const p = message.properties;
  if (p?.experiment !== experiment || typeof p.variant !== 'string') return undefined;
  return variants.get(p.variant);
}

/** A mean metric's property as a path under `properties` (`properties.` may lead). */
export function propertyPath(property: string): string[] {
  const path = property.split('.');
  return path[0] === 'properties' && path.length > 1 ? path.slice(1) : path;
}

/** The value at `path` in `root`, undefined when absent. */
export function readPath(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function grow<T extends Int8Array | Int32Array | Uint8Array | Float64Array>(
  array: T,
  fill: number,
): T {
  const bigger = new (array.constructor as new (n: number) => T)(array.length * 2);
  bigger.set(array);
  if (fill !== 0) bigger.fill(fill, array.length);
  return bigger;
}
