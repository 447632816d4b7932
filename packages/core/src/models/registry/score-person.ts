import { explainRow } from '../classify/explain-row.js';
import type { Classifier } from '../classify/train-classifier.js';
import { computedFeatures } from '../computed-trait-features.js';
import { pointInTimeFeatures, type TimedEvent } from '../point-in-time-features.js';
import type { ModelScore } from './model-definition.schema.js';

const DAY = 86_400_000;
/** Contributions kept with a score: the largest by magnitude (the rest are summed in `rest`). */
export const TOP_CONTRIBUTIONS = 5;

/** What scoring needs of a trained version. */
export interface ScoringVersion {
  version: number;
  classifier: Classifier;
  /** The event names counted at training. */
  countedEvents: readonly string[];
  /** The property summed (the model's `features.amount`, default `revenue`). */
  amount?: string | undefined;
  /** How far back features read (the model's `horizonDays`). */
  horizonDays: number;
  /** The computed traits named as features (`features.computed`): read live from the profile. */
  computedTraits?: readonly string[] | undefined;
}

/**
 * Scores one person now, as training saw people at its cutoff: the same point-in-time features
 * (events in (now − horizon, now], the same counted event names), prepared by the version's plan.
 * The score is P(label = 1); the explanation is exact for the logistic model: the log-odds is
 * the intercept (`baseline`) plus one term per input, weight × prepared value (a standardized
 * number, a 0/1 category), of which the largest `TOP_CONTRIBUTIONS` are listed and the others
 * summed in `rest`. Undefined when the person has no event in the horizon (nothing to score from).
 * Computed traits named as features take their live values (`computed`, the profile's), which
 * training read as they were at its cutoff.
 */
export function scorePerson(
  version: ScoringVersion,
  events: readonly TimedEvent[],
  now: number,
  computed: Readonly<Record<string, unknown>> = {},
): ModelScore | undefined {
  const start = now - version.horizonDays * DAY;
  const table = pointInTimeFeatures(
    [{ id: '', events: events.filter((e) => e.at > start) }],
    now,
    undefined,
    { events: version.countedEvents, ...(version.amount && { amount: version.amount }) },
  );
  const features = table.rows[0]?.features;
  if (features === undefined) return undefined;
  for (const name of version.computedTraits ?? [])
    Object.assign(features, computedFeatures(name, computed[name]));
  const { score, baseline, terms } = explainRow(version.classifier, features);
  const top = terms
    .filter((t) => t.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, TOP_CONTRIBUTIONS);
  const all = terms.reduce((s, t) => s + t.contribution, 0);
  const listed = top.reduce((s, t) => s + t.contribution, 0);
  return {
    score,
    version: version.version,
    scoredAt: new Date(now).toISOString(),
    baseline,
    contributions: top,
    rest: all - listed,
  };
}
