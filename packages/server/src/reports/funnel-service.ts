import {
  computeFunnel,
  DEFAULT_FUNNEL_WINDOW_DAYS,
  TailorError,
  type FunnelRequest,
  type FunnelResult,
  type StoredMessage,
} from '@tailor/core';
import { eventName, readPersonTimelines, type TimelineDeps } from './person-timelines.js';

const DAY_MS = 86_400_000;

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
    const strict = order === 'strict';
    const timelines = await readPersonTimelines(this.deps, (message) => {
      const matched: number[] = [];
      steps.forEach((step, i) => {
        if (matches(message, step)) matched.push(i);
      });
      const excludes: number[] = [];
      for (const { step, gaps } of exclusions) if (matches(message, step)) excludes.push(...gaps);
      return matched.length > 0 || excludes.length > 0 || strict
        ? { steps: matched, excludes }
        : undefined;
    });
    const people = timelines
      .filter((timeline) => timeline.some(({ item }) => item.steps.length > 0))
      .map((timeline) => timeline.map(({ at, item }) => ({ at, ...item })));
    return computeFunnel(people, {
      steps: steps.length,
      windowMs: (request.windowDays ?? DEFAULT_FUNNEL_WINDOW_DAYS) * DAY_MS,
      order,
    });
  }
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
