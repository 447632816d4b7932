import type { QualityResult, QualityRow } from './quality.schema.js';

/** What the quality report reads of one message. */
export interface QualityMessage {
  source: string;
  event: string;
  receivedAt: number;
  timestamp: number;
  violations: number;
  /** The fields checked for completeness: properties, or traits for identify. */
  fields: readonly string[];
  /** Person, time and content: equal for two messages that differ only in messageId. */
  fingerprint: string;
}

export interface QualityOptions {
  from: number;
  to: number;
  baselineDays: number;
  lateMs: number;
}

const DAY_MS = 86_400_000;
/** A property present in at least this share of an event's messages is expected in all of them. */
const EXPECTED_SHARE = 0.5;

class Group {
  count = 0;
  baseline = 0;
  violations = 0;
  duplicates = 0;
  late = 0;
  lateness: number[] = [];
  fields = new Map<string, number>();
}

/**
 * A data-quality report per source and event over the messages received in [from, to): volume
 * against its usual level (the baseline days before `from`, scaled to the period's length),
 * tracking-plan violations, missing fields (properties most of the event's messages carry),
 * duplicates (a repeat of an earlier message in all but messageId, seen anywhere in the baseline
 * or the period) and late events. Messages are added one at a time, in log order, so a pass over
 * the log needs no copy of it.
 */
export class QualityTally {
  private readonly groups = new Map<string, Group>();
  private readonly seen = new Set<string>();
  private readonly baselineFrom: number;

  constructor(private readonly options: QualityOptions) {
    this.baselineFrom = options.from - options.baselineDays * DAY_MS;
  }

  add(m: QualityMessage): void {
    if (m.receivedAt < this.baselineFrom || m.receivedAt >= this.options.to) return;
    const key = JSON.stringify([m.source, m.event]);
    let group = this.groups.get(key);
    if (group === undefined) {
      group = new Group();
      this.groups.set(key, group);
    }
    const repeat = this.seen.has(m.fingerprint);
    this.seen.add(m.fingerprint);
    if (m.receivedAt < this.options.from) {
      group.baseline++;
      return;
    }
    group.count++;
    if (m.violations > 0) group.violations++;
    if (repeat) group.duplicates++;
    const lateness = Math.max(0, m.receivedAt - m.timestamp);
    group.lateness.push(lateness);
    if (lateness > this.options.lateMs) group.late++;
    for (const field of m.fields) group.fields.set(field, (group.fields.get(field) ?? 0) + 1);
  }

  result(): QualityResult {
    const { from, to, baselineDays } = this.options;
    const periods = (baselineDays * DAY_MS) / Math.max(1, to - from);
    const rows: QualityRow[] = [];
    const byKey = [...this.groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [key, g] of byKey) {
      if (g.count === 0 && g.baseline === 0) continue;
      const [source, event] = JSON.parse(key) as [string, string];
      const usual = g.baseline / periods;
      const missing: Record<string, number> = {};
      for (const [field, present] of [...g.fields].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
        if (present >= g.count * EXPECTED_SHARE && present < g.count)
          missing[field] = g.count - present;
      rows.push({
        source,
        event,
        count: g.count,
        usual,
        ratio: usual === 0 ? null : g.count / usual,
        violations: g.violations,
        missing,
        duplicates: g.duplicates,
        late: g.late,
        latenessP95Seconds: g.lateness.length === 0 ? null : percentile(g.lateness, 0.95) / 1000,
      });
    }
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), rows };
  }
}

/** The report over messages given at once (QualityTally for a stream). */
export function qualityReport(
  messages: Iterable<QualityMessage>,
  options: QualityOptions,
): QualityResult {
  const tally = new QualityTally(options);
  for (const m of messages) tally.add(m);
  return tally.result();
}

/** The q-quantile by linear interpolation between order statistics (NumPy's default). */
function percentile(values: number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  const rank = q * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.min(sorted.length - 1, low + 1);
  return (
    (sorted[low] as number) + (rank - low) * ((sorted[high] as number) - (sorted[low] as number))
  );
}
