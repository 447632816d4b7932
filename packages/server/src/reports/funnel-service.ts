import {
  breakdownFunnel,
  computeFunnel,
  computeFunnelColumns,
  DEFAULT_FUNNEL_WINDOW_DAYS,
  FUNNEL_BREAKDOWN_LIMIT,
  TailorError,
  type ChannelRule,
  type FunnelBreakdown,
  type GroupedFunnelEvent,
  type FunnelRequest,
  type FunnelResult,
  type StoredMessage,
} from '@tailor/core';
import { eventName, readPeople, type TimedItem, type TimelineDeps } from './person-timelines.js';
import { propertyText } from './property-text.js';
import { touchKey, touchKeyOf } from './touch-key.js';
import type { ReportProjection } from './projection/report-projection.js';

const DAY_MS = 86_400_000;

export interface FunnelDeps extends TimelineDeps {
  /** The stored channel rules, read when a breakdown is by channel. */
  channelRules?: () => Promise<readonly ChannelRule[]>;
  /** The columnar projection of the log, when this process keeps one (docs/reports.md). */
  projection?: () => ReportProjection | undefined;
}

/**
 * Conversion funnels over the log (docs/reports.md): each person's events that match a step (and,
 * for a strict funnel, every other event of theirs, since any breaks the sequence; for a touch
 * breakdown, their touchpoints), gathered by readPeople (identifiers resolved to profiles,
 * analytics refusers left out, their current segments beside them), go to core's computeFunnel.
 */
export class FunnelService {
  constructor(private readonly deps: FunnelDeps) {}

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
    const projection = this.deps.projection?.();
    if (projection !== undefined && readsNames(request)) {
      if (breakdown !== undefined && 'touch' in breakdown)
        return this.fromProjectionByTouch(projection, request, breakdown, exclusions);
      return this.fromProjection(projection, request, exclusions);
    }
    const strict = order === 'strict';
    const touch = breakdown !== undefined && 'touch' in breakdown ? breakdown : undefined;
    const property =
      breakdown !== undefined && 'property' in breakdown ? breakdown.property : undefined;
    const rules = touch?.by === 'channel' ? await this.channelRules() : [];
    const timelines = await readPeople(
      this.deps,
      (message): FunnelItem | undefined => {
        const matched: number[] = [];
        steps.forEach((step, i) => {
          if (matches(message, step)) matched.push(i);
        });
        const excludes: number[] = [];
        for (const { step, gaps } of exclusions) if (matches(message, step)) excludes.push(...gaps);
        const key =
          touch === undefined
            ? undefined
            : touchKey(message, touch.by, { rules, own: touch.ownTouchpoints });
        const value =
          property !== undefined && matched.includes(0)
            ? propertyText(message, property)
            : undefined;
        return matched.length > 0 || excludes.length > 0 || strict || key !== undefined
          ? { steps: matched, excludes, value, key }
          : undefined;
      },
      (profile) => profile.segments,
    );
    const people = timelines
      .filter(({ events }) => events.some(({ item }) => item.steps.length > 0))
      .map(({ events, profile }) => breakdownEvents(events, breakdown, profile ?? []));
    const options = {
      steps: steps.length,
      windowMs: (request.windowDays ?? DEFAULT_FUNNEL_WINDOW_DAYS) * DAY_MS,
      order,
    };
    const result = computeFunnel(people, options);
    if (breakdown === undefined) return result;
    return { ...result, breakdown: breakdownFunnel(people, options, FUNNEL_BREAKDOWN_LIMIT) };
  }

  /**
   * The funnel over the projection: each event name is a code, read back as the steps it matches
   * and the gaps it is excluded from; strict funnels read every event (any breaks the sequence).
   */
  private async fromProjection(
    projection: ReportProjection,
    request: FunnelRequest,
    exclusions: { step: Matcher; gaps: number[] }[],
  ): Promise<FunnelResult> {
    const order = request.order ?? 'ordered';
    const codes = new Map<string, number>();
    const stepBits = [0];
    const gapBits = [0];
    const codeOf = (event: string): number => {
      let code = codes.get(event);
      if (code === undefined) {
        code = stepBits.length;
        codes.set(event, code);
        stepBits.push(0);
        gapBits.push(0);
      }
      return code;
    };
    request.steps.forEach(({ event }, k) => {
      const code = codeOf(event);
      stepBits[code] = (stepBits[code] as number) | (1 << k);
    });
    for (const { step, gaps } of exclusions) {
      const code = codeOf(step.event);
      for (const g of gaps) gapBits[code] = (gapBits[code] as number) | (1 << g);
    }
    // Without exclusions each event's value is its step bits, so nothing is mapped afterwards.
    const direct = exclusions.length === 0;
    const grouped = await projection.columns(
      (name) => {
        const code = codes.get(name ?? '') ?? 0;
        return direct ? (stepBits[code] as number) : code;
      },
      {
        all: order === 'strict',
        keep: (values, from, to) => {
          for (let i = from; i < to; i++)
            if ((direct ? values[i] : stepBits[values[i] as number]) !== 0) return true;
          return false;
        },
      },
    );
    return computeFunnelColumns(
      {
        offsets: grouped.offsets,
        at: grouped.at,
        steps: direct ? grouped.value : grouped.value.map((code) => stepBits[code] as number),
        excludes: direct ? undefined : grouped.value.map((code) => gapBits[code] as number),
      },
      {
        steps: request.steps.length,
        windowMs: (request.windowDays ?? DEFAULT_FUNNEL_WINDOW_DAYS) * DAY_MS,
        order,
      },
    );
  }

  /**
   * The funnel broken down by the first or last touch, over the projection: each person's step
   * and exclusion events (every event for a strict funnel) and touchpoints, keyed once per
   * distinct combination of touch fields (touchKeyOf), then as over the log (breakdownEvents).
   */
  private async fromProjectionByTouch(
    projection: ReportProjection,
    request: FunnelRequest,
    breakdown: TouchBreakdown,
    exclusions: { step: Matcher; gaps: number[] }[],
  ): Promise<FunnelResult> {
    const order = request.order ?? 'ordered';
    const options = {
      rules: breakdown.by === 'channel' ? await this.channelRules() : [],
      own: breakdown.ownTouchpoints,
    };
    // Each event name's code: 1 + its index in `names`, whose steps and gaps are listed.
    const names = [
      ...new Set([...request.steps, ...exclusions.map((e) => e.step)].map((s) => s.event)),
    ];
    const stepsOf = names.map((name) =>
      request.steps.flatMap((step, k) => (step.event === name ? [k] : [])),
    );
    const gapsOf = names.map((name) =>
      exclusions.flatMap(({ step, gaps }) => (step.event === name ? gaps : [])),
    );
    const columns = await projection.touchColumns({
      nameCode: (name) => names.indexOf(name ?? '') + 1,
      wants: (fields) => touchKeyOf(fields, breakdown.by, options) !== undefined,
      all: order === 'strict',
    });
    const keys = columns.combos.map((fields) =>
      fields === undefined ? undefined : touchKeyOf(fields, breakdown.by, options),
    );
    const { offsets, at, name, touch } = columns;
    const people: GroupedFunnelEvent[][] = [];
    for (let p = 0; p + 1 < offsets.length; p++) {
      const events: TimedItem<FunnelItem>[] = [];
      let steps = false;
      for (let i = offsets[p] as number; i < (offsets[p + 1] as number); i++) {
        const code = name[i] as number;
        const t = touch[i] as number;
        const item: FunnelItem = {
          steps: code > 0 ? (stepsOf[code - 1] as number[]) : [],
          excludes: code > 0 ? (gapsOf[code - 1] as number[]) : [],
          value: undefined,
          key: t >= 0 ? keys[t] : undefined,
        };
        if (item.steps.length > 0) steps = true;
        events.push({ at: at[i] as number, item });
      }
      if (steps) people.push(breakdownEvents(events, breakdown, []));
    }
    const funnel = {
      steps: request.steps.length,
      windowMs: (request.windowDays ?? DEFAULT_FUNNEL_WINDOW_DAYS) * DAY_MS,
      order,
    };
    return {
      ...computeFunnel(people, funnel),
      breakdown: breakdownFunnel(people, funnel, FUNNEL_BREAKDOWN_LIMIT),
    };
  }

  private async channelRules(): Promise<readonly ChannelRule[]> {
    return this.deps.channelRules === undefined ? [] : this.deps.channelRules();
  }
}

/** What a funnel keeps of one event: the steps it matches, the gaps it ends, its breakdown value, its touchpoint key. */
interface FunnelItem {
  steps: number[];
  excludes: number[];
  value: string | null | undefined;
  key: string | undefined;
}

/**
 * A person's events as the breakdown reads them: each step-1 event carries the groups it starts
 * attempts in: its property's value; the person's current segments; or the key of the person's
 * first touchpoint at or before it, or of the latest one (null when there is none).
 */
function breakdownEvents(
  events: readonly TimedItem<FunnelItem>[],
  breakdown: FunnelBreakdown | undefined,
  segments: readonly string[],
): GroupedFunnelEvent[] {
  let first: string | undefined;
  let last: string | undefined;
  return events.map(({ at, item }) => {
    if (item.key !== undefined) {
      first ??= item.key;
      last = item.key;
    }
    let groups: (string | null)[] | undefined;
    if (breakdown !== undefined && item.steps.includes(0)) {
      if ('property' in breakdown) groups = [item.value ?? null];
      else if ('segments' in breakdown) groups = [...segments];
      else groups = [(breakdown.touch === 'first' ? first : last) ?? null];
    }
    return { at, steps: item.steps, excludes: item.excludes, groups };
  });
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

type TouchBreakdown = Extract<FunnelBreakdown, { touch: unknown }>;

/**
 * A funnel the projection answers: steps and exclusions by event name alone, no breakdown but by
 * the first or last touch.
 */
function readsNames(request: FunnelRequest): boolean {
  return (
    (request.breakdown === undefined || 'touch' in request.breakdown) &&
    request.steps.every((step) => step.where === undefined) &&
    (request.exclude ?? []).every((exclusion) => exclusion.where === undefined)
  );
}
