import type { KpiResult, KpiRow } from './kpis.schema.js';

/** One visitor of the period as the KPIs read them. */
export interface KpiPerson {
  /** The rows the person counts in besides everyone's: their segments, or their variant. */
  groups: readonly string[];
  /** Conversions in the period and their summed value. */
  orders: number;
  revenue: number;
  /** The requested computed values that are numbers. */
  computed: Readonly<Record<string, number | undefined>>;
}

/**
 * KPIs per group: visitors, converters, conversion rate, orders, revenue, average order value,
 * revenue per visitor and the mean of each requested computed value: for everyone (group `*`),
 * and per group in name order.
 */
export function computeKpis(people: Iterable<KpiPerson>, computed: readonly string[]): KpiResult {
  const everyone = new Totals(computed);
  const rows = new Map<string, Totals>();
  for (const person of people) {
    everyone.add(person);
    for (const group of new Set(person.groups)) {
      let totals = rows.get(group);
      if (totals === undefined) {
        totals = new Totals(computed);
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
  readonly sums: Record<string, { sum: number; count: number }>;

  constructor(computed: readonly string[]) {
    this.sums = Object.fromEntries(computed.map((name) => [name, { sum: 0, count: 0 }]));
  }

  add(person: KpiPerson): void {
    this.visitors++;
    if (person.orders > 0) this.converters++;
    this.orders += person.orders;
    this.revenue += person.revenue;
    for (const [name, total] of Object.entries(this.sums)) {
      const value = person.computed[name];
      if (value === undefined || !Number.isFinite(value)) continue;
      total.sum += value;
      total.count++;
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
      computed: Object.fromEntries(
        Object.entries(this.sums).map(([name, { sum, count }]) => [
          name,
          { mean: count === 0 ? null : sum / count, count },
        ]),
      ),
    };
  }
}
