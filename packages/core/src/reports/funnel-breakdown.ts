import { computeFunnel, type FunnelEvent, type FunnelOptions } from './funnel.js';
import type { FunnelResult } from './funnel.schema.js';

/** A funnel event with the breakdown groups its step-1 event starts attempts in. */
export interface GroupedFunnelEvent extends FunnelEvent {
  /** For a step-1 event: the groups (values, segments, touch keys) it starts attempts in. */
  groups?: readonly (string | null)[] | undefined;
}

/**
 * The funnel once per group, the `limit` groups with most people (a person counting once per
 * group any of their step-1 events is in) first, ties by name: for group v, only step-1 events in
 * v start attempts; later steps and exclusions are read as they are. People are not copied: each
 * group marks its members' step-1 events (`starts`) and runs computeFunnel over them; the marks
 * are lifted at the end.
 */
export function breakdownFunnel(
  people: readonly GroupedFunnelEvent[][],
  options: FunnelOptions,
  limit: number,
): NonNullable<FunnelResult['breakdown']> {
  const members = new Map<string | null, number[]>();
  people.forEach((events, p) => {
    const seen = new Set<string | null>();
    for (const event of events) for (const group of event.groups ?? []) seen.add(group);
    for (const group of seen) {
      let list = members.get(group);
      if (list === undefined) members.set(group, (list = []));
      list.push(p);
    }
  });
  const groups = [...members.entries()]
    .sort((a, b) => b[1].length - a[1].length || String(a[0]).localeCompare(String(b[0])))
    .slice(0, limit);
  const result = groups.map(([value, list]) => {
    const group = list.map((p) => people[p] as GroupedFunnelEvent[]);
    for (const events of group)
      for (const event of events)
        if (event.steps.includes(0)) event.starts = event.groups?.includes(value) === true;
    return { value, ...computeFunnel(group, options) };
  });
  // Every step-1 event may start attempts again, as it did before.
  for (const events of people)
    for (const event of events) if (event.starts === false) event.starts = true;
  return result;
}
