/** `POST /v1/segments/estimate`'s answer (docs/segments.md, "Size estimate"). */
export interface SegmentEstimate {
  definition: string;
  estimate: number;
  share: number;
  interval: { low: number; high: number; level: number };
  sampled: number;
  matched: number;
  total: number;
  exact: boolean;
  timedOut: boolean;
}

const count = new Intl.NumberFormat('en');

/** A share as a percentage: whole above 10 %, one decimal above 1 %, two significant digits below. */
export function percentText(share: number): string {
  const pct = share * 100;
  if (pct === 0 || pct === 100) return `${pct} %`;
  if (pct >= 10) return `${Math.round(pct)} %`;
  if (pct >= 1) return `${pct.toFixed(1)} %`;
  return `${Number(pct.toPrecision(2))} %`;
}

/**
 * The estimate in a line: "12 people (4.0 % of 300)" when every profile was evaluated, else
 * "about 1,200 people (4.0 % of 30,000)" and how sure: the interval and the sample it comes from.
 */
export function estimateText(e: SegmentEstimate): { headline: string; detail: string } {
  const people = (n: number) => `${count.format(n)} ${n === 1 ? 'person' : 'people'}`;
  const of = `(${percentText(e.share)} of ${count.format(e.total)})`;
  if (e.exact) return { headline: `${people(e.estimate)} ${of}`, detail: 'Every profile counted.' };
  const sample = `from a random sample of ${count.format(e.sampled)} of ${count.format(e.total)} profiles${e.timedOut ? ' (the time allowed ran out before the whole sample)' : ''}`;
  return {
    headline: `about ${people(e.estimate)} ${of}`,
    detail: `Between ${count.format(e.interval.low)} and ${count.format(e.interval.high)} (95 %), ${sample}.`,
  };
}
