import type { ArmUpdate, BanditArm, BanditMetric, BanditStore } from '../bandit-store.js';
import { byteOrder } from './memory-state-store.js';

/** A person shown an item under a metric: their first exposure, and whether they converted. */
interface Counted {
  arm: string;
  event: string;
  firstAt: number;
  withinMs: number;
  converted: boolean;
}

/**
 * The bandits' counts kept in memory, with the behaviour of the SQLite and PostgreSQL adapters:
 * a person counts once per item and metric, converts once within the window after their first
 * exposure, and a fold of a range another fold already covered writes nothing.
 */
export function openMemoryBanditStore(): BanditStore {
  let position = 0;
  const arms = new Map<string, BanditArm>();
  /** person → arm key → what was counted of them. */
  const people = new Map<string, Map<string, Counted>>();
  const armKey = (m: BanditMetric, itemId: string) =>
    JSON.stringify([m.placement, m.event, m.withinMs, itemId]);

  const apply = (u: ArmUpdate): void => {
    if (u.kind === 'exposure') {
      const key = armKey(u.metric, u.itemId);
      const theirs = people.get(u.person) ?? new Map<string, Counted>();
      people.set(u.person, theirs);
      if (theirs.has(key)) return;
      theirs.set(key, {
        arm: key,
        event: u.metric.event,
        firstAt: u.at,
        withinMs: u.metric.withinMs,
        converted: false,
      });
      const arm = arms.get(key) ?? { ...u.metric, itemId: u.itemId, exposures: 0, conversions: 0 };
      arms.set(key, { ...arm, exposures: arm.exposures + 1 });
      return;
    }
    for (const person of u.people) {
      for (const c of people.get(person)?.values() ?? []) {
        const inWindow = c.withinMs === 0 || u.at < c.firstAt + c.withinMs;
        if (c.converted || c.event !== u.event || c.firstAt > u.at || !inWindow) continue;
        c.converted = true;
        const arm = arms.get(c.arm);
        if (arm !== undefined) arms.set(c.arm, { ...arm, conversions: arm.conversions + 1 });
      }
    }
  };

  const sortedArms = (): BanditArm[] =>
    [...arms.values()]
      .sort(
        (a, b) =>
          byteOrder(a.placement, b.placement) ||
          byteOrder(a.event, b.event) ||
          a.withinMs - b.withinMs ||
          byteOrder(a.itemId, b.itemId),
      )
      .map((a) => ({ ...a }));

  return {
    position: () => Promise.resolve(position),
    fold: (range, updates) => {
      // Past `from` means another fold counted these events.
      if (position > range.from) return Promise.resolve(false);
      for (const u of updates) apply(u);
      position = range.to;
      return Promise.resolve(true);
    },
    arms: () => Promise.resolve(sortedArms()),
    armsHolding: (exposures) =>
      Promise.resolve({
        arms: sortedArms(),
        counted: exposures.map(
          (e) => people.get(e.person)?.has(armKey(e.metric, e.itemId)) === true,
        ),
      }),
    erase: (erased) => {
      for (const person of erased) {
        for (const c of people.get(person)?.values() ?? []) {
          const arm = arms.get(c.arm);
          if (arm === undefined) continue;
          arms.set(c.arm, {
            ...arm,
            exposures: Math.max(0, arm.exposures - 1),
            conversions: Math.max(0, arm.conversions - (c.converted ? 1 : 0)),
          });
        }
        people.delete(person);
      }
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}
