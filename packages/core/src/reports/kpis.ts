import type { KpiResult, KpiRow, PlacementClickThrough } from './kpis.schema.js';

/** One decision a visitor was shown in the period, and whether they clicked it. */
export interface KpiDecision {
  placement: string;
  itemId: string;
  clicked: boolean;
}

/** One visitor of the period as the KPIs read them. */
export interface KpiPerson {
  /** The rows the person counts in besides everyone's: their segments, or their variant. */
  groups: readonly string[];
  /** Conversions in the period and their summed value. */
  orders: number;
  revenue: number;
  /** The requested computed values that are numbers. */
  computed: Readonly<Record<string, number | undefined>>;
  /** The requested models' scores on the person's profile. */
  models?: Readonly<Record<string, number | undefined>>;
  /** The decisions made for the person in the period (with click-through asked). */
  decisions?: readonly KpiDecision[];
}

export interface KpiOptions {
  /** Report each row's placement click-through. */
  clickThrough?: boolean;
  /** Report each row's mean score of these models. */
  models?: readonly string[];
}

/**
 * KPIs per group: visitors, converters, conversion rate, orders, revenue, average order value,
 * revenue per visitor and the mean of each requested computed value: for everyone (group `*`),
 * and per group in name order.
 */
export function computeKpis(
  people: Iterable<KpiPerson>,
  computed: readonly string[],
  options: KpiOptions = {},
): KpiResult {
  const clickThrough = options.clickThrough === true;
  const models = options.models;
  const everyone = new Totals(computed, clickThrough, models);
  const rows = new Map<string, Totals>();
  for (const person of people) {
    everyone.add(person);
    for (const group of new Set(person.groups)) {
      let totals = rows.get(group);
      if (totals === undefined) {
        totals = new Totals(computed, clickThrough, models);
        rows.set(group, totals);
      }
      totals.add(person);
    }
  }
  return {
    all: everyone.row('*'),
    groups: [...rows.keys()].sort().map((group) => (rows.get(group) as Totals).row(group)),
  };
}

class Totals {
  visitors = 0;
  converters = 0;
  orders = 0;
  revenue = 0;
  readonly sums: Record<string, Mean>;
  /** The models' scores; undefined when none were asked. */
  readonly scores: Record<string, Mean> | undefined;
  /** placement → item → decisions and clicked; undefined without click-through. */
  readonly placements: Map<string, Map<string, Clicks>> | undefined;

  constructor(
    computed: readonly string[],
    clickThrough: boolean,
    models: readonly string[] | undefined,
  ) {
    this.sums = Object.fromEntries(computed.map((name) => [name, { sum: 0, count: 0 }]));
    this.scores =
      models === undefined
        ? undefined
        : Object.fromEntries(models.map((name) => [name, { sum: 0, count: 0 }]));
    this.placements = clickThrough ? new Map() : undefined;
  }

  add(person: KpiPerson): void {
    this.visitors++;
    if (person.orders > 0) this.converters++;
    this.orders += person.orders;
    this.revenue += person.revenue;
    addValues(this.sums, person.computed);
    if (this.scores !== undefined) addValues(this.scores, person.models ?? {});
    if (this.placements === undefined) return;
    for (const { placement, itemId, clicked } of person.decisions ?? []) {
      let items = this.placements.get(placement);
      if (items === undefined) {
        items = new Map();
        this.placements.set(placement, items);
      }
      const clicks = items.get(itemId) ?? { decisions: 0, clicked: 0 };
      clicks.decisions++;
      if (clicked) clicks.clicked++;
      items.set(itemId, clicks);
    }
  }

  row(group: string): KpiRow {
    return {
      group,
      visitors: this.visitors,
      converters: this.converters,
      conversionRate: this.visitors === 0 ? 0 : this.converters / this.visitors,
      orders: this.orders,
      revenue: this.revenue,
      averageOrderValue: this.orders === 0 ? null : this.revenue / this.orders,
      revenuePerVisitor: this.visitors === 0 ? 0 : this.revenue / this.visitors,
      computed: means(this.sums),
      ...(this.scores !== undefined && { models: means(this.scores) }),
      ...(this.placements !== undefined && { placements: placementRows(this.placements) }),
    };
  }
}

interface Mean {
  sum: number;
  count: number;
}

function addValues(
  sums: Record<string, Mean>,
  values: Readonly<Record<string, number | undefined>>,
): void {
  for (const [name, total] of Object.entries(sums)) {
    const value = values[name];
    if (value === undefined || !Number.isFinite(value)) continue;
    total.sum += value;
    total.count++;
  }
}

function means(sums: Record<string, Mean>): Record<string, { mean: number | null; count: number }> {
  return Object.fromEntries(
    Object.entries(sums).map(([name, { sum, count }]) => [
      name,
      { mean: count === 0 ? null : sum / count, count },
    ]),
  );
}

interface Clicks {
  decisions: number;
  clicked: number;
}

function rate({ decisions, clicked }: Clicks) {
  return { decisions, clicked, clickThroughRate: decisions === 0 ? null : clicked / decisions };
}

/** Per placement in name order, its totals and its items' in id order. */
function placementRows(placements: Map<string, Map<string, Clicks>>): PlacementClickThrough[] {
  return [...placements.keys()].sort().map((placement) => {
    const items = placements.get(placement) as Map<string, Clicks>;
    const total: Clicks = { decisions: 0, clicked: 0 };
    for (const clicks of items.values()) {
      total.decisions += clicks.decisions;
      total.clicked += clicks.clicked;
    }
    return {
      placement,
      ...rate(total),
      items: [...items.keys()]
        .sort()
        .map((itemId) => ({ itemId, ...rate(items.get(itemId) as Clicks) })),
    };
  });
}
