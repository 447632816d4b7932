import {
  computeFunnel,
  DEFAULT_FUNNEL_WINDOW_DAYS,
  TailorError,
  type FunnelEvent,
  type FunnelRequest,
  type FunnelResult,
  type StoredMessage,
} from '@tailor/core';
import { eventName, readPersonTimelines, type TimelineDeps } from './person-timelines.js';

const DAY_MS = 86_400_000;
/** How many values a breakdown keeps, the commonest first (the request schema says 20). */
const FUNNEL_BREAKDOWN_LIMIT = 20;

/**
 * Conversion funnels over the log (docs/reports.md): each person's events that match a step (and,
 * for a strict funnel, every other event of theirs, since any breaks the sequence), gathered by
 * readPersonTimelines (identifiers resolved to profiles, analytics refusers left out), go to
 * core's computeFunnel.
 */
export class FunnelService {
  constructor(private readonly deps: TimelineDeps) {}

  async funnel(request: FunnelRequest): Promise<FunnelResult> {
    const order = request.order ?? 'ordered';
    const steps = request.steps;
    if (order === 'any') {
      const seen = new Set<string>();
      steps.forEach((step, i) => {
        const key = JSON.stringify([step.event, Object.entries(step.where ?? {}).sort()]);
        if (seen.has(key))
          throw new TailorError(
            'invalid_request',
            `steps[${i}]: an any-order funnel's steps must differ (step ${i + 1} repeats an earlier one)`,
          );
        seen.add(key);
      });
    }
    const exclusions = exclusionGaps(request);
    const breakdown = request.breakdown;
    const strict = order === 'strict';
    const timelines = await readPersonTimelines(this.deps, (message) => {
      const matched: number[] = [];
      steps.forEach((step, i) => {
        if (matches(message, step)) matched.push(i);
      });
      const excludes: number[] = [];
      for (const { step, gaps } of exclusions) if (matches(message, step)) excludes.push(...gaps);
      const value =
        breakdown !== undefined && matched.includes(0)
          ? propertyText(message, breakdown.property)
          : undefined;
      return matched.length > 0 || excludes.length > 0 || strict
        ? { steps: matched, excludes, value }
        : undefined;
    });
    const people = timelines
      .filter((timeline) => timeline.some(({ item }) => item.steps.length > 0))
      .map((timeline) => timeline.map(({ at, item }) => ({ at, ...item })));
    const options = {
      steps: steps.length,
      windowMs: (request.windowDays ?? DEFAULT_FUNNEL_WINDOW_DAYS) * DAY_MS,
      order,
    };
    const result = computeFunnel(people, options);
    if (breakdown === undefined) return result;
    return { ...result, breakdown: breakdownFunnels(people, options) };
  }
}

type BreakdownEvent = FunnelEvent & { value: string | null | undefined };

/**
 * The funnel once per value of the step-1 property, the commonest values (by people with a step-1
 * event holding it) first: for value v, only step-1 events holding v start attempts; later steps
 * and exclusions are read as they are.
 */
function breakdownFunnels(
  people: BreakdownEvent[][],
  options: Parameters<typeof computeFunnel>[1],
): NonNullable<FunnelResult['breakdown']> {
  const holders = new Map<string | null, number>();
  for (const events of people) {
    const values = new Set<string | null>();
    for (const event of events) if (event.value !== undefined) values.add(event.value);
    for (const value of values) holders.set(value, (holders.get(value) ?? 0) + 1);
  }
  const values = [...holders.entries()]
    .sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))
    .slice(0, FUNNEL_BREAKDOWN_LIMIT)
    .map(([value]) => value);
  return values.map((value) => {
    const group = people
      .filter((events) => events.some((event) => event.value === value))
      .map((events) =>
        events.map(({ at, steps, excludes, value: v }) => ({
          at,
          excludes,
          steps: v === value ? steps : steps.filter((step) => step !== 0),
        })),
      );
    return { value, ...computeFunnel(group, options) };
  });
}

/** A property's value as the breakdown names it: text, or null when absent or not a scalar. */
function propertyText(message: StoredMessage, property: string): string | null {
  const value: unknown = (message.properties ?? {})[property];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : null;
}

/**
 * Each exclusion with the gaps it ends (gap g: after step g + 1, before step g + 2); refused for
 * any-order funnels, which have no between, and for steps outside the funnel.
 */
function exclusionGaps(request: FunnelRequest): { step: Matcher; gaps: number[] }[] {
  const m = request.steps.length;
  return (request.exclude ?? []).map((exclusion, i) => {
    if (request.order === 'any')
      throw new TailorError(
        'invalid_request',
        `exclude[${i}]: an any-order funnel has no order to exclude between; use ordered or strict`,
      );
    const [from, to] = exclusion.between ?? [1, m];
    if (from >= to || to > m)
      throw new TailorError(
        'invalid_request',
        `exclude[${i}].between: [${from}, ${to}] must name two steps of the ${m}, the first before the second`,
      );
    const gaps = Array.from({ length: to - from }, (_, g) => from - 1 + g);
    return { step: exclusion, gaps };
  });
}

type Matcher = Pick<FunnelRequest['steps'][number], 'event' | 'where'>;

function matches(message: StoredMessage, step: Matcher): boolean {
  if (eventName(message) !== step.event) return false;
  if (step.where === undefined) return true;
  const properties: Record<string, unknown> = message.properties ?? {};
  return Object.entries(step.where).every(([name, value]) => properties[name] === value);
}
