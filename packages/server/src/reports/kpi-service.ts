import { computeKpis, type KpiPerson, type KpiRequest, type KpiResult } from '@tailor/core';
import { readPeople, type TimelineDeps } from './person-timelines.js';

/** What the KPIs keep of one event. */
type KpiEvent =
  { kind: 'visit' } | { kind: 'order'; value: number } | { kind: 'exposure'; variant: string };

/**
 * KPIs over the log (docs/reports.md): the people with an event in the period (identifiers
 * resolved to profiles, analytics refusers left out, by readPeople), their conversions and their
 * value, grouped by their current segments or by the variant of their first exposure to an
 * experiment, with the mean of computed traits read from their profiles.
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
        if (!(at >= from && at < to)) return undefined;
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
        computed: Object.fromEntries(
          computed.map((name) => {
            const value = profile.computed[name];
            return [name, typeof value === 'number' ? value : undefined];
          }),
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
      });
    }
    return computeKpis(visitors, computed);
  }
}
