import {
  computeKpis,
  DECIDE_SOURCE,
  DEFAULT_CLICK_EVENT,
  DEFAULT_CLICK_WITHIN_MINUTES,
  type KpiDecision,
  type KpiPerson,
  type KpiRequest,
  type KpiResult,
  type StoredMessage,
} from '@tailor/core';
import { readPeople, type TimedItem, type TimelineDeps } from './person-timelines.js';

/** The decisions decide records, one per decision served. */
const DECISION_EVENT = 'Decision Made';

/** What the KPIs keep of one event; `inPeriod` says whether it falls in [from, to). */
type KpiEvent =
  | { kind: 'visit' }
  | { kind: 'order'; value: number }
  | { kind: 'exposure'; variant: string }
  | { kind: 'decision'; placement: string; itemId: string; inPeriod: boolean }
  | { kind: 'click'; placement: string; itemId: string | undefined; inPeriod: boolean };

/**
 * KPIs over the log (docs/reports.md): the people with an event in the period (identifiers
 * resolved to profiles, analytics refusers left out, by readPeople), their conversions and their
 * value, grouped by their current segments or by the variant of their first exposure to an
 * experiment, with the mean of computed values read from their profiles, and, when asked, the
 * click-through of the decisions made for them.
 */
export class KpiService {
  constructor(private readonly deps: TimelineDeps) {}

  async kpis(request: KpiRequest): Promise<KpiResult> {
    const conversion = request.conversion ?? 'Order Completed';
    const valueField = request.value ?? 'revenue';
    const from = request.from === undefined ? -Infinity : Date.parse(request.from);
    const to = request.to === undefined ? Infinity : Date.parse(request.to);
    const experiment =
      request.by !== undefined && 'experiment' in request.by ? request.by.experiment : undefined;
    const bySegments = request.by !== undefined && 'segments' in request.by;
    const computed = request.computed ?? [];
    const clickEvent =
      request.clickThrough === undefined
        ? undefined
        : (request.clickThrough.event ?? DEFAULT_CLICK_EVENT);
    const windowMs = (request.clickThrough?.withinMinutes ?? DEFAULT_CLICK_WITHIN_MINUTES) * 60_000;

    const people = await readPeople(
      this.deps,
      (message): KpiEvent | undefined => {
        // Exposures count whenever they happened before the period's end: a variant is sticky.
        if (
          experiment !== undefined &&
          message.type === 'track' &&
          message.event === 'Experiment Viewed' &&
          message.properties?.experiment === experiment &&
          typeof message.properties.variant === 'string'
        )
          return { kind: 'exposure', variant: message.properties.variant };
        const at = Date.parse(message.timestamp);
        const inPeriod = at >= from && at < to;
        // Clicks count after the period too (within the window of a decision in it).
        if (clickEvent !== undefined) {
          const placed = placementEvent(message, clickEvent, inPeriod);
          if (placed !== undefined) return placed;
        }
        if (!inPeriod) return undefined;
        if (message.type === 'track' && message.event === conversion) {
          const value = message.properties?.[valueField];
          return {
            kind: 'order',
            value: typeof value === 'number' && Number.isFinite(value) ? value : 0,
          };
        }
        return message.type === 'track' || message.type === 'page' || message.type === 'screen'
          ? { kind: 'visit' }
          : undefined;
      },
      (profile) => ({
        segments: profile.segments,
        models: Object.fromEntries(
          (request.models ?? []).map((name) => [name, profile.scores[name]?.score]),
        ),
        computed: Object.fromEntries(
          computed.map((path) => [path, computedNumber(profile.computed, path)]),
        ),
      }),
    );

    const visitors: KpiPerson[] = [];
    for (const { events, profile } of people) {
      let inPeriod = false;
      let orders = 0;
      let revenue = 0;
      let variant: string | undefined;
      for (const { at, item } of events) {
        if (item.kind === 'exposure') {
          if (variant === undefined && at < to) variant = item.variant;
          continue;
        }
        if ((item.kind === 'decision' || item.kind === 'click') && !item.inPeriod) continue;
        inPeriod = true;
        if (item.kind === 'order') {
          orders++;
          revenue += item.value;
        }
      }
      if (!inPeriod) continue;
      visitors.push({
        groups: bySegments ? (profile?.segments ?? []) : variant === undefined ? [] : [variant],
        orders,
        revenue,
        computed: profile?.computed ?? {},
        models: profile?.models ?? {},
        ...(clickEvent !== undefined && { decisions: clickedDecisions(events, windowMs) }),
      });
    }
    return computeKpis(visitors, computed, {
      clickThrough: clickEvent !== undefined,
      ...(request.models !== undefined && { models: request.models }),
    });
  }
}

/**
 * A decide record (`Decision Made` from decide itself, not a client's event of that name) or a
 * click: a track event named `clickEvent` whose `properties.placement` is text.
 */
function placementEvent(
  message: StoredMessage,
  clickEvent: string,
  inPeriod: boolean,
): KpiEvent | undefined {
  if (message.type !== 'track') return undefined;
  const placement = message.properties?.placement;
  const itemId = message.properties?.itemId;
  if (typeof placement !== 'string') return undefined;
  if (
    message.event === DECISION_EVENT &&
    message.tailor.source === DECIDE_SOURCE &&
    typeof itemId === 'string'
  )
    return { kind: 'decision', placement, itemId, inPeriod };
  if (message.event === clickEvent)
    return {
      kind: 'click',
      placement,
      itemId: typeof itemId === 'string' ? itemId : undefined,
      inPeriod,
    };
  return undefined;
}

/**
 * The person's decisions in the period, each clicked when a click on its placement (and its item,
 * when the click names one) follows it within the window and before the next decision for that
 * placement: what a click reaches is the latest decision shown there.
 */
function clickedDecisions(events: readonly TimedItem<KpiEvent>[], windowMs: number): KpiDecision[] {
  const decisions: (KpiDecision & { at: number; inPeriod: boolean })[] = [];
  const latest = new Map<string, number>();
  for (const { at, item } of events) {
    if (item.kind === 'decision') {
      latest.set(item.placement, decisions.length);
      decisions.push({
        placement: item.placement,
        itemId: item.itemId,
        clicked: false,
        at,
        inPeriod: item.inPeriod,
      });
    } else if (item.kind === 'click') {
      const shown = decisions[latest.get(item.placement) ?? -1];
      if (
        shown !== undefined &&
        (item.itemId === undefined || item.itemId === shown.itemId) &&
        at - shown.at <= windowMs
      )
        shown.clicked = true;
    }
  }
  return decisions
    .filter((d) => d.inPeriod)
    .map(({ placement, itemId, clicked }) => ({ placement, itemId, clicked }));
}

/** A computed value read by path (`clv.value`): a finite number, else undefined. */
function computedNumber(computed: Record<string, unknown>, path: string): number | undefined {
  let value: unknown = computed;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
