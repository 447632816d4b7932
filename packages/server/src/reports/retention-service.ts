import {
  computeRetention,
  computeRetentionColumns,
  RETENTION_RETURN,
  RETENTION_START,
  retentionResult,
  RETENTION_BREAKDOWN_LIMIT,
  type CohortTally,
  type ChannelRule,
  type RetentionEvent,
  type RetentionOptions,
  type RetentionRequest,
  type RetentionResult,
} from '@tailor/core';
import { eventName, readPeople, type TimelineDeps } from './person-timelines.js';
import { propertyText } from './property-text.js';
import { touchKey } from './touch-key.js';
import type { ReportProjection } from './projection/report-projection.js';
import { nameIn } from './projection/projected-events.js';
import { periodNumberStart, retentionSql } from './projection/retention-sql.js';

export interface RetentionDeps extends TimelineDeps {
  now: () => number;
  /** The stored channel rules, read when a breakdown is by channel. */
  channelRules?: () => Promise<readonly ChannelRule[]>;
  /** The columnar projection of the log, when this process keeps one (docs/reports.md). */
  projection?: () => ReportProjection | undefined;
}

/** A person's events as retention reads them, and the groups a breakdown puts them in. */
interface RetentionPerson {
  events: RetentionEvent[];
  groups: (string | null)[];
}

/**
 * Retention cohorts over the log (docs/reports.md): each person's start and return events,
 * gathered by readPeople (identifiers resolved to profiles, analytics refusers left out, their
 * current segments beside them), go to core's computeRetention; a breakdown runs it again per
 * segment, per value of a property of the person's first start event, or per key of their first
 * or last touchpoint at or before it.
 */
export class RetentionService {
  constructor(private readonly deps: RetentionDeps) {}

  async retention(request: RetentionRequest): Promise<RetentionResult> {
    const start = request.start.event;
    const back = (request.return ?? request.start).event;
    const breakdown = request.breakdown;
    const options: RetentionOptions = {
      period: request.period ?? 'week',
      periods: request.periods ?? 12,
      now: this.deps.now(),
      since: request.since === undefined ? undefined : Date.parse(request.since),
    };
    const projection = this.deps.projection?.();
    if (projection?.indexed === true && breakdown === undefined) {
      // From the in-memory index: each person's start and return events, in time order.
      const role = (event: string, name: string): boolean => event === '*' || name === event;
      const columns = await projection.columns(
        (name) =>
          name === undefined
            ? 0
            : (role(start, name) ? RETENTION_START : 0) | (role(back, name) ? RETENTION_RETURN : 0),
        {
          all: false,
          keep: (values, from, to) => {
            for (let i = from; i < to; i++)
              if (((values[i] as number) & RETENTION_START) !== 0) return true;
            return false;
          },
        },
      );
      return computeRetentionColumns(
        { offsets: columns.offsets, at: columns.at, roles: Uint8Array.from(columns.value) },
        options,
      );
    }
    if (projection !== undefined && breakdown === undefined) {
      const names = (event: string, nameId: (name: string) => number | undefined): string =>
        event === '*' ? 'name_id <> 0' : nameIn([nameId(event)]);
      const rows = await projection.query((nameId) =>
        retentionSql(names(start, nameId), names(back, nameId), options),
      );
      return retentionFromRows(rows, options);
    }
    const property =
      breakdown !== undefined && 'property' in breakdown ? breakdown.property : undefined;
    const touch = breakdown !== undefined && 'touch' in breakdown ? breakdown : undefined;
    const rules =
      touch?.by === 'channel' && this.deps.channelRules ? await this.deps.channelRules() : [];
    const timelines = await readPeople(
      this.deps,
      (message) => {
        const key =
          touch === undefined
            ? undefined
            : touchKey(message, touch.by, { rules, own: touch.ownTouchpoints });
        const name = eventName(message);
        const isStart = name !== undefined && (start === '*' || name === start);
        const isReturn = name !== undefined && (back === '*' || name === back);
        if (!isStart && !isReturn && key === undefined) return undefined;
        const value = isStart && property !== undefined ? propertyText(message, property) : null;
        return { start: isStart, return: isReturn, value, key };
      },
      (profile) => profile.segments,
    );
    const people = timelines.map(({ events, profile }): RetentionPerson => {
      const first = events.findIndex(({ item }) => item.start);
      let groups: (string | null)[] = [];
      if (breakdown !== undefined && first !== -1) {
        if ('segments' in breakdown) groups = [...(profile ?? [])];
        else if ('property' in breakdown) groups = [events[first]?.item.value ?? null];
        else groups = [touchAt(events.slice(0, first + 1), breakdown.touch)];
      }
      return {
        events: events
          .filter(({ item }) => item.start || item.return)
          .map(({ at, item }) => ({ at, start: item.start, return: item.return })),
        groups,
      };
    });
    const result = computeRetention(
      people.map((person) => person.events),
      options,
    );
    if (breakdown === undefined) return result;
    return { ...result, breakdown: breakdownRetention(people, options) };
  }
}

/** retentionSql's rows (cohort's period number, n, people) as the matrix. */
function retentionFromRows(rows: readonly unknown[][], options: RetentionOptions): RetentionResult {
  const cohorts = new Map<number, CohortTally>();
  let total = 0;
  for (const [c, n, count] of rows) {
    const start = periodNumberStart(Number(c), options.period);
    let cohort = cohorts.get(start);
    if (cohort === undefined) {
      cohort = { size: 0, retained: new Array<number>(options.periods + 1).fill(0) };
      cohorts.set(start, cohort);
    }
    if (Number(n) === 0) {
      cohort.size = Number(count);
      total += cohort.size;
    } else cohort.retained[Number(n)] = Number(count);
  }
  return retentionResult(cohorts, total, options);
}

/** The key of the first or the last touchpoint among events (null: none). */
function touchAt(
  events: readonly { item: { key: string | undefined } }[],
  touch: 'first' | 'last',
): string | null {
  const keys = events.flatMap(({ item }) => (item.key === undefined ? [] : [item.key]));
  return (touch === 'first' ? keys[0] : keys[keys.length - 1]) ?? null;
}

/** The matrix once per group, those with most people in a cohort first. */
function breakdownRetention(
  people: readonly RetentionPerson[],
  options: RetentionOptions,
): NonNullable<RetentionResult['breakdown']> {
  const since = options.since ?? -Infinity;
  const holders = new Map<string | null, number>();
  for (const { events, groups } of people) {
    const first = events.find((e) => e.start);
    if (first === undefined || first.at < since) continue;
    for (const group of new Set(groups)) holders.set(group, (holders.get(group) ?? 0) + 1);
  }
  return [...holders.entries()]
    .sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))
    .slice(0, RETENTION_BREAKDOWN_LIMIT)
    .map(([value]) => {
      const { people: count, cohorts } = computeRetention(
        people.filter(({ groups }) => groups.includes(value)).map(({ events }) => events),
        options,
      );
      return { value, people: count, cohorts };
    });
}
