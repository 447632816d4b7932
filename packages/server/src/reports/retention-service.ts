import { computeRetention, type RetentionRequest, type RetentionResult } from '@tailor/core';
import { eventName, readPersonTimelines, type TimelineDeps } from './person-timelines.js';

/**
 * Retention cohorts over the log (docs/reports.md): each person's start and return events,
 * gathered by readPersonTimelines (identifiers resolved to profiles, analytics refusers left out),
 * go to core's computeRetention.
 */
export class RetentionService {
  constructor(private readonly deps: TimelineDeps & { now: () => number }) {}

  async retention(request: RetentionRequest): Promise<RetentionResult> {
    const start = request.start.event;
    const back = (request.return ?? request.start).event;
    const timelines = await readPersonTimelines(this.deps, (message) => {
      const name = eventName(message);
      if (name === undefined) return undefined;
      const isStart = start === '*' || name === start;
      const isReturn = back === '*' || name === back;
      return isStart || isReturn ? { start: isStart, return: isReturn } : undefined;
    });
    return computeRetention(
      timelines.map((timeline) => timeline.map(({ at, item }) => ({ at, ...item }))),
      {
        period: request.period ?? 'week',
        periods: request.periods ?? 12,
        now: this.deps.now(),
        since: request.since === undefined ? undefined : Date.parse(request.since),
      },
    );
  }
}
