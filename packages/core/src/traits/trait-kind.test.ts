import { afterEach, describe, expect, it } from 'vitest';
import { compileDefinitions } from '../segments/compile-definitions.js';
import { parseComputed, parseCondition } from '../segments/parse-definition.js';
import { printComputed } from '../segments/print-definition.js';
import { referencesOf } from '../segments/read-definition.js';
import {
  durationMs,
  type ComputedNode,
  type Duration,
  type EventPattern,
} from '../segments/segments.schema.js';
import { emptyDerivedState, feedEvent, refreshDerived } from '../segments/update-derived.js';
import { nextWindowExit } from './aggregate-state.js';
import {
  BUILTIN_TRAIT_KINDS,
  registerTraitKind,
  traitKindOf,
  type TraitKind,
} from './trait-kind.js';

const DAY = 86_400_000;

/** A kind written for this test: on how many distinct days a matching event came, in the window. */
interface ActiveDaysNode {
  type: 'active_days';
  pattern: EventPattern;
  window: Duration;
}
const activeDays: TraitKind<ActiveDaysNode> = {
  name: 'active_days',
  print: (n) =>
    `active_days(${JSON.stringify(n.pattern.event)}, ${n.window.amount}${n.window.unit})`,
  patterns: (n) => [n.pattern],
  input: (n, _event, matches) => (matches(n.pattern) ? { value: null } : undefined),
  initial: () => ({ kind: 'window', entries: [] }),
  window: (n) => n.window,
  value(state, n, now) {
    if (state.kind !== 'window') return 0;
    const from = now - durationMs(n.window);
    return new Set(
      state.entries.filter(([at]) => at > from && at <= now).map(([at]) => Math.floor(at / DAY)),
    ).size;
  },
  nextChange: (state, n, now) => nextWindowExit(state, [durationMs(n.window)], now),
};

let unregister: (() => void) | undefined;
afterEach(() => {
  unregister?.();
  unregister = undefined;
});

describe('trait kinds', () => {
  it('has rfm, engagement, clv and stage built in, found by their node', () => {
    expect(BUILTIN_TRAIT_KINDS.map((k) => k.name)).toEqual(['rfm', 'engagement', 'clv', 'stage']);
    const rfm = parseComputed('rfm("Order Completed".revenue, 365d)');
    expect(rfm.ok && traitKindOf(rfm.value)?.population !== undefined).toBe(true);
    const clv = parseComputed('clv("Order Completed".revenue, 52w)');
    expect(clv.ok && traitKindOf(clv.value)?.population !== undefined).toBe(true);
    const engagement = parseComputed('engagement(events: {"Page Viewed": 1})');
    expect(engagement.ok && printComputed(engagement.value)).toBe(
      'engagement(events: {"Page Viewed": 1}, recency: {7d: 1, 30d: 0.5, 90d: 0.25})',
    );
  });

  it('refuses a name taken', () => {
    expect(() => registerTraitKind({ ...activeDays, name: 'rfm' })).toThrow('registered already');
    expect(() => registerTraitKind({ ...activeDays, name: 'compare' })).toThrow(
      'registered already',
    );
  });

  it('folds and evaluates a kind registered here: its value, the segments reading it, its expiry', () => {
    unregister = registerTraitKind(activeDays);
    const tree = {
      type: 'active_days',
      pattern: { event: 'Page Viewed' },
      window: { amount: 7, unit: 'd' },
    } as unknown as ComputedNode;
    expect(printComputed(tree)).toBe('active_days("Page Viewed", 7d)');
    expect(referencesOf(tree)).toMatchObject({ events: ['Page Viewed'], timeBased: true });
    const regular = parseCondition('computed.active >= 2');
    if (!regular.ok) throw new Error(regular.error.message);
    const plan = compileDefinitions(
      [{ name: 'active', tree }],
      [{ name: 'regular', tree: regular.value }],
    );
    const state = emptyDerivedState();
    const profile = { traits: {}, consent: {} };
    const t0 = Date.UTC(2026, 0, 1, 12);
    const send = (at: number, event: string) => {
      feedEvent(plan, state, { event }, at);
      return refreshDerived(plan, state, profile, at, { event });
    };
    expect(send(t0, 'Page Viewed')).toMatchObject({ computedChanged: ['active'], entered: [] });
    expect(send(t0 + 3_600_000, 'Page Viewed').computedChanged).toEqual([]); // the same day
    expect(send(t0 + 60_000, 'Order Completed').computedChanged).toEqual([]); // not fed
    const change = send(t0 + DAY, 'Page Viewed');
    expect(change.entered).toEqual(['regular']);
    expect(state.computed['active']).toBe(2);
    // The first day's events leave the window 7 days later: the kind says when.
    expect(change.dueAt).toBe(t0 + 7 * DAY);
    const later = refreshDerived(plan, state, profile, t0 + 7 * DAY + 3_600_000, {});
    expect(later.exited).toEqual(['regular']);
    expect(state.computed['active']).toBe(1);
  });
});
