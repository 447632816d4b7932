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
    const strict = order === 'strict';
    const timelines = await readPersonTimelines(this.deps, (message) => {
      const matched: number[] = [];
      steps.forEach((step, i) => {
        if (matches(message, step)) matched.push(i);
      });
      return matched.length > 0 || strict ? matched : undefined;
    });
    const people = timelines
      .filter((timeline) => timeline.some(({ item }) => item.length > 0))
      .map((timeline) => timeline.map(({ at, item }) => ({ at, steps: item })));
    return computeFunnel(people, {
      steps: steps.length,
      windowMs: (request.windowDays ?? DEFAULT_FUNNEL_WINDOW_DAYS) * DAY_MS,
      order,
    });
  }
}

function matches(message: StoredMessage, step: FunnelRequest['steps'][number]): boolean {
  if (eventName(message) !== step.event) return false;
  if (step.where === undefined) return true;
  const properties: Record<string, unknown> = message.properties ?? {};
  return Object.entries(step.where).every(([name, value]) => properties[name] === value);
}
