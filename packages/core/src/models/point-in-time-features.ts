import { isPiiField } from '../privacy/pii-fields.js';
import { matchesPattern } from '../segments/evaluate-condition.js';
import type { EventPattern } from '../segments/segments.schema.js';

const DAY = 86_400_000;
/** The windows, in days before the cutoff, that counts and sums are taken over (and all time). */
const WINDOWS = [7, 30, 90] as const;
/** Event names counted by default: the most frequent ones before the cutoff. */
const DEFAULT_EVENT_NAMES = 15;

/** One of a person's events as the features read it: time (ms), name, properties, traits. */
export interface TimedEvent {
  at: number;
  /** The track event's name; `Page Viewed` / `Screen Viewed` for pages and screens; absent for identify. */
  event?: string | undefined;
  properties?: Record<string, unknown> | undefined;
  /** An identify's traits. */
  traits?: Record<string, unknown> | undefined;
}

/**
 * What a model predicts about the `days` after the cutoff: `churn` is 1 when no event matching
 * `pattern` comes in them, `propensity` is 1 when one does.
 */
export interface LabelSpec {
  kind: 'churn' | 'propensity';
  pattern: EventPattern;
  days: number;
}

export interface FeatureOptions {
  /** The event names to count; by default the most frequent before the cutoff. */
  events?: readonly string[];
  /** The property summed per window (default `revenue`), over every event carrying a number there. */
  amount?: string;
}

/** One person's row: features as they were at the cutoff, and the label after it (training). */
export interface FeatureRow {
  id: string;
  features: Record<string, number | string | null>;
  label?: 0 | 1;
}

export interface FeatureTable {
  /** The feature names, in a fixed order. */
  columns: string[];
  /** The event names counted (so scoring later counts the same ones). */
  events: string[];
  rows: FeatureRow[];
}

/**
 * Builds a training table point in time: each person's features only from events at or before
 * `cutoff` (ms), so nothing from the future leaks into them, and, with `label`, the label from
 * the events in (cutoff, cutoff + days]. People with no event by the cutoff are left out (there
 * is nothing to predict from). Without `label` it is a scoring table at `cutoff` (now).
 *
 * Features: per counted event name, its count in the last 7, 30 and 90 days and over all time;
 * every event's count over the same windows; days since the last and the first event; distinct
 * active days in the last 30; the amount property's sum over the windows; and the person's latest
 * scalar traits from identify calls (personal fields left out: a model must not learn from
 * names, emails or phone numbers).
 */
export function pointInTimeFeatures(
  people: Iterable<{ id: string; events: readonly TimedEvent[] }>,
  cutoff: number,
  label?: LabelSpec,
  options: FeatureOptions = {},
): FeatureTable {
  const all = [...people];
  const events = options.events ?? frequentEvents(all, cutoff);
  const amount = options.amount ?? 'revenue';
  const traitNames = new Set<string>();
  const rows: FeatureRow[] = [];
  for (const person of all) {
    const before = person.events.filter((e) => e.at <= cutoff);
    if (before.length === 0) continue;
    const features: Record<string, number | string | null> = {};
    const daysAgo = (e: TimedEvent) => (cutoff - e.at) / DAY;
    const within = (days: number | null) =>
      days === null ? before : before.filter((e) => daysAgo(e) < days);
    for (const days of [...WINDOWS, null]) {
      const suffix = days === null ? 'all' : `${days}d`;
      const inWindow = within(days);
      features[`events_${suffix}`] = inWindow.length;
      for (const name of events)
        features[`count_${suffix}:${name}`] = inWindow.filter((e) => e.event === name).length;
      features[`${amount}_${suffix}`] = inWindow.reduce((sum, e) => {
        const value = e.properties?.[amount];
        return typeof value === 'number' && Number.isFinite(value) ? sum + value : sum;
      }, 0);
    }
    const times = before.map((e) => e.at);
    features['days_since_last'] = (cutoff - Math.max(...times)) / DAY;
    features['days_since_first'] = (cutoff - Math.min(...times)) / DAY;
    features['active_days_30d'] = new Set(within(30).map((e) => Math.floor(e.at / DAY))).size;
    for (const e of [...before].sort((a, b) => a.at - b.at))
      for (const [name, value] of Object.entries(e.traits ?? {})) {
        if (isPiiField(name)) continue;
        if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean')
          continue;
        features[`trait:${name}`] = typeof value === 'boolean' ? String(value) : value;
        traitNames.add(`trait:${name}`);
      }
    const row: FeatureRow = { id: person.id, features };
    if (label !== undefined) {
      const end = cutoff + label.days * DAY;
      const came = person.events.some(
        (e) =>
          e.at > cutoff && e.at <= end && e.event !== undefined && matchesPattern(label.pattern, e),
      );
      row.label = (label.kind === 'churn' ? !came : came) ? 1 : 0;
    }
    rows.push(row);
  }
  const columns = [
    ...Object.keys(rows[0]?.features ?? {}).filter((c) => !c.startsWith('trait:')),
    ...[...traitNames].sort(),
  ];
  for (const row of rows) for (const c of traitNames) row.features[c] ??= null;
  return { columns, events: [...events], rows };
}

/** The most frequent event names before the cutoff, ties by name. */
function frequentEvents(
  people: readonly { events: readonly TimedEvent[] }[],
  cutoff: number,
): string[] {
  const counts = new Map<string, number>();
  for (const p of people)
    for (const e of p.events)
      if (e.at <= cutoff && e.event !== undefined)
        counts.set(e.event, (counts.get(e.event) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, DEFAULT_EVENT_NAMES)
    .map(([name]) => name);
}
