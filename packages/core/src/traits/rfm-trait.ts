import { printCondition, printDuration, printSegment } from '../segments/print-definition.js';
import { readPath } from '../identity/extract-identifiers.js';
import { durationMs, type RfmNode } from '../segments/segments.schema.js';
import { nextDay, nextWindowExit, type AggregateState } from './aggregate-state.js';
import {
  rfmPopulation,
  roundSum,
  scoreHigherIsBetter,
  scoreLowerIsBetter,
  type RfmPopulation,
  type RfmValue,
} from './builtin-traits.js';
import type { TraitKind } from './trait-kind.js';

const DAY = 86_400_000;

/**
 * `rfm("Order Completed".revenue, 365d)`: recency, frequency and monetary value over the window,
 * scored 1-5 against the population's quintiles (which the pipeline keeps, `scoresPopulation`).
 */
export const rfmKind: TraitKind<RfmNode> = {
  name: 'rfm',
  print: (c) =>
    `rfm(${JSON.stringify(c.pattern.event)}.${c.property.map(printSegment).join('.')}${c.pattern.where ? ` where ${printCondition(c.pattern.where)}` : ''}, ${printDuration(c.window)})`,
  patterns: (node) => [node.pattern],
  input: (node, event, matches) =>
    matches(node.pattern)
      ? { value: readPath(event.properties ?? {}, node.property.join('.')) }
      : undefined,
  initial: () => ({ kind: 'window', entries: [] }),
  window: (node) => node.window,
  value: (state, node, now, population) =>
    rfmValue(state, node, now, population as RfmPopulation | undefined),
  nextChange(state, node, now) {
    const next = nextWindowExit(state, [durationMs(node.window)], now);
    // Recency, in whole days since the latest entry, also changes once a day.
    const latest =
      state.kind === 'window' ? state.entries[state.entries.length - 1]?.[0] : undefined;
    if (latest === undefined || latest > now) return next;
    const dayPasses = nextDay(latest, now);
    return next === undefined || dayPasses < next ? dayPasses : next;
  },
  population: {
    sample(value) {
      if (value === null || typeof value !== 'object') return undefined;
      const { recency, frequency, monetary } = value as RfmValue;
      return { recency, frequency, monetary };
    },
    summarize: (samples, computedAt) =>
      rfmPopulation(samples as Pick<RfmValue, 'recency' | 'frequency' | 'monetary'>[], computedAt),
  },
};

function rfmValue(
  state: AggregateState,
  node: RfmNode,
  now: number,
  population: RfmPopulation | undefined,
): RfmValue | null {
  if (state.kind !== 'window') return null;
  const from = now - durationMs(node.window);
  let frequency = 0;
  let monetary = 0;
  let latest = -Infinity;
  for (const [at, value] of state.entries) {
    if (at <= from || at > now) continue;
    frequency++;
    if (typeof value === 'number') monetary += value;
    latest = Math.max(latest, at);
  }
  if (frequency === 0) return null;
  const raw = {
    recency: Math.floor((now - latest) / DAY),
    frequency,
    monetary: roundSum(monetary),
  };
  if (population === undefined) return { ...raw, r: null, f: null, m: null, score: null };
  const r = scoreLowerIsBetter(raw.recency, population.cuts.recency);
  const f = scoreHigherIsBetter(raw.frequency, population.cuts.frequency);
  const m = scoreHigherIsBetter(raw.monetary, population.cuts.monetary);
  return { ...raw, r, f, m, score: `${r}${f}${m}` };
}
