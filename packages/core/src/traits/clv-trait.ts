import { readPath } from '../identity/extract-identifiers.js';
import { conditionalExpectedPurchases, probabilityAlive } from '../models/expected-purchases.js';
import { customerLifetimeValue } from '../models/customer-lifetime-value.js';
import { expectedSpend } from '../models/expected-spend.js';
import { fitBgNbdSteps } from '../models/fit-bgnbd.js';
import { fitGammaGammaSteps } from '../models/fit-gamma-gamma.js';
import { drain } from '../models/minimize-nelder-mead.js';
import type { BgNbdParams, CustomerSummary, GammaGammaParams } from '../models/models.schema.js';
import { printCondition, printDuration, printSegment } from '../segments/print-definition.js';
import { durationMs, type ClvNode } from '../segments/segments.schema.js';
import { nextDay, type AggregateState } from './aggregate-state.js';
import type { TraitKind, TraitPopulation } from './trait-kind.js';

const DAY = 86_400_000;
/** The models' unit of time: a week, as in Fader, Hardie & Lee's CDNOW analysis and `tailor clv`. */
const UNIT_DAYS = 7;

/** The fitted models a CLV trait scores with (its population's `cuts`); null until some bought again. */
export interface ClvModels {
  bgnbd: BgNbdParams;
  gammaGamma: GammaGammaParams;
  /** Whether both optimizers converged within their iterations (else the best point they reached). */
  converged: boolean;
}

/**
 * A person's CLV value: their purchase history as the models read it (weeks; a day with several
 * purchases is one, amounts summed) and, once the models are fitted, the predictions over the
 * definition's horizon.
 */
export interface ClvValue {
  /** Days with a purchase. */
  purchases: number;
  /** Repeat purchase days (all but the first), the last of them `tx` weeks after the first. */
  x: number;
  tx: number;
  /** Weeks from the first purchase day to today. */
  T: number;
  /** Mean amount of the repeat days (0 without one). */
  meanSpend: number;
  expectedPurchases: number | null;
  pAlive: number | null;
  expectedSpend: number | null;
  /** Expected purchases over the horizon times expected spend per purchase. */
  value: number | null;
}

/** The person's (x, t_x, T, mean repeat spend) at `now` from their purchase days up to today. */
function summaryOf(state: AggregateState, now: number): CustomerSummary | undefined {
  if (state.kind !== 'days') return undefined;
  const today = Math.floor(now / DAY);
  const days = state.days.filter(([day]) => day <= today);
  const first = days[0];
  const last = days[days.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const x = days.length - 1;
  let repeatSpend = 0;
  for (let i = 1; i < days.length; i++) repeatSpend += days[i]?.[1] ?? 0;
  return {
    customer: '',
    x,
    tx: (last[0] - first[0]) / UNIT_DAYS,
    T: (today - first[0]) / UNIT_DAYS,
    meanSpend: x === 0 ? 0 : repeatSpend / x,
  };
}

function clvValue(
  state: AggregateState,
  node: ClvNode,
  now: number,
  population: TraitPopulation | undefined,
): ClvValue | null {
  const c = summaryOf(state, now);
  if (c === undefined) return null;
  const history = {
    purchases: c.x + 1,
    x: c.x,
    tx: round(c.tx),
    T: round(c.T),
    meanSpend: round(c.meanSpend),
  };
  const models = population?.cuts as ClvModels | null | undefined;
  if (models == null)
    return { ...history, expectedPurchases: null, pAlive: null, expectedSpend: null, value: null };
  const horizon = durationMs(node.horizon) / (UNIT_DAYS * DAY);
  return {
    ...history,
    expectedPurchases: prediction(conditionalExpectedPurchases(models.bgnbd, c, horizon)),
    pAlive: prediction(probabilityAlive(models.bgnbd, c)),
    expectedSpend: prediction(expectedSpend(models.gammaGamma, c)),
    value: prediction(customerLifetimeValue(models, c, horizon)),
  };
}

/**
 * A prediction the models can make, else null. A Gamma-Gamma fit with q <= 1 (a handful of
 * repeat customers, or one far off the others) has no population mean spend γp/(q−1): the spend
 * and value of a person without a repeat purchase come out negative or infinite, which a segment
 * (`value > 500`) would read as a number and JSON as null without saying why.
 */
function prediction(v: number): number | null {
  return Number.isFinite(v) && v >= 0 ? round(v) : null;
}

/** Six significant digits: values that differ beyond them are the same value to a segment. */
function round(v: number): number {
  return Number(v.toPrecision(6));
}

/** At most this many people's histories are fitted: an evenly spaced sample of everyone's. */
export const CLV_FIT_PEOPLE = 10_000;
/** Optimizer iterations per start and parameter: a fit on data the models barely describe stops there. */
const FIT_ITERATIONS_PER_PARAMETER = 1000;

/**
 * Fits BG/NBD on everyone's (x, t_x, T), people sharing one counted once with a weight, and
 * Gamma-Gamma on those who bought again; null models while nobody has. Yields between optimizer
 * iterations (the pipeline runs it a slice at a time); `fitClvModels` runs it through.
 */
export function* fitClvModelSteps(
  everyone: readonly CustomerSummary[],
  /** The last fit's models: the optimizers start there, once each, instead of from three points. */
  previous?: ClvModels | null,
): Generator<void, ClvModels | null> {
  const samples =
    everyone.length <= CLV_FIT_PEOPLE
      ? everyone
      : Array.from(
          { length: CLV_FIT_PEOPLE },
          (_, i) => everyone[Math.floor((i * everyone.length) / CLV_FIT_PEOPLE)] as CustomerSummary,
        );
  if (!samples.some((s) => s.x > 0 && s.meanSpend > 0)) return null;
  const groups = new Map<string, CustomerSummary & { weight: number }>();
  for (const s of samples) {
    const key = `${s.x}:${s.tx}:${s.T}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { ...s, weight: 1 });
    else group.weight++;
  }
  const bgnbd = yield* fitBgNbdSteps([...groups.values()], {
    maxIterations: 4 * FIT_ITERATIONS_PER_PARAMETER,
    ...(previous != null && { from: previous.bgnbd }),
  });
  const gammaGamma = yield* fitGammaGammaSteps(samples, {
    maxIterations: 3 * FIT_ITERATIONS_PER_PARAMETER,
    ...(previous != null && { from: previous.gammaGamma }),
  });
  const sig = (p: object) =>
    Object.fromEntries(
      Object.entries(p).map(([k, v]) => [k, Number((v as number).toPrecision(8))]),
    );
  return {
    bgnbd: sig(bgnbd.params) as unknown as BgNbdParams,
    gammaGamma: sig(gammaGamma.params) as unknown as GammaGammaParams,
    converged: bgnbd.converged && gammaGamma.converged,
  };
}

export function fitClvModels(everyone: readonly CustomerSummary[]): ClvModels | null {
  return drain(fitClvModelSteps(everyone));
}

/**
 * `clv("Order Completed".revenue, 52w)`: customer lifetime value over the horizon, from BG/NBD
 * (purchases, P(alive)) and Gamma-Gamma (spend). The models are the trait's population: fitted on
 * everyone's history on the population schedule; each person's predictions are closed-form given
 * them, so they follow every purchase in real time, and a day passing (T grows) re-scores them.
 */
export const clvKind: TraitKind<ClvNode> = {
  name: 'clv',
  print: (c) =>
    `clv(${JSON.stringify(c.pattern.event)}.${c.property.map(printSegment).join('.')}${c.pattern.where ? ` where ${printCondition(c.pattern.where)}` : ''}, ${printDuration(c.horizon)})`,
  patterns: (node) => [node.pattern],
  input: (node, event, matches) =>
    matches(node.pattern)
      ? { value: readPath(event.properties ?? {}, node.property.join('.')) }
      : undefined,
  initial: () => ({ kind: 'days', days: [] }),
  window: () => undefined,
  value: (state, node, now, population) =>
    clvValue(state, node, now, population as TraitPopulation | undefined),
  nextChange(state, _node, now) {
    // T counts whole days: the predictions move when a day passes.
    const first = state.kind === 'days' ? state.days[0]?.[0] : undefined;
    if (first === undefined) return undefined;
    return nextDay(first * DAY, Math.max(now, first * DAY));
  },
  population: {
    sample(value) {
      if (value === null || typeof value !== 'object') return undefined;
      const { x, tx, T, meanSpend } = value as ClvValue;
      return { customer: '', x, tx, T, meanSpend };
    },
    *summarize(samples, computedAt, previous) {
      return {
        cuts: yield* fitClvModelSteps(
          samples as CustomerSummary[],
          previous?.cuts as ClvModels | null | undefined,
        ),
        people: samples.length,
        computedAt,
      };
    },
  },
};
