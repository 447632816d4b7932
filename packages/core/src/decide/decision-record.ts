import { DECIDE_SOURCE, type StoredMessage } from '../events/events.schema.js';
import { formatTimestamp } from '../events/normalize-timestamp.js';
import type { Decision } from './decide.schema.js';

/**
 * What one decide request served, as recorded: the person, the time, and per decision that
 * served an item the properties of its `Decision Made` event. The log keeps it as one row and
 * reads it back as those events (`decisionEventsOf`), so every consumer of the log still sees
 * `Decision Made` events while a request writes, seals and indexes one record instead of one per
 * decision (docs/decide.md, "How decisions are recorded").
 */
export interface DecisionRecord {
  userId: string | null;
  anonymousId: string | null;
  /** When the decisions were made (ms). */
  at: number;
  decisions: RecordedDecision[];
}

/** One served decision: the properties of its `Decision Made` event. */
export interface RecordedDecision {
  placement: string;
  itemId: string;
  fallback: boolean;
  /** The first of the decision's reasons. */
  reason: string | null;
  holdout?: true;
  experiment?: string;
  variant?: string | null;
  /** The recommended items the template was given, by recommender. */
  recommendations?: Record<string, string[]>;
}

/**
 * The record of a request's decisions, or undefined when none served an item (an unknown
 * placement, a default with no id): nothing is recorded then.
 */
export function decisionRecord(
  who: { userId?: string | undefined; anonymousId?: string | undefined },
  decisions: readonly Decision[],
  at: number,
  recommended: readonly (Record<string, string[]> | undefined)[] = [],
): DecisionRecord | undefined {
  const served: RecordedDecision[] = [];
  decisions.forEach((d, i) => {
    if (d.itemId === null) return;
    const recommendations = recommended[i];
    served.push({
      placement: d.placement,
      itemId: d.itemId,
      fallback: d.fallback,
      reason: d.reasons[0] ?? null,
      ...(d.holdout && { holdout: true }),
      ...(d.experiment && { experiment: d.experiment.name, variant: d.experiment.variant }),
      ...(recommendations && { recommendations }),
    });
  });
  if (served.length === 0) return undefined;
  return {
    userId: who.userId ?? null,
    anonymousId: who.anonymousId ?? null,
    at,
    decisions: served,
  };
}

/**
 * The `Decision Made` track events a record stands for, one per decision in its order. The
 * record's own messageId is the first one's; the others' are derived from it (`decisionMessageId`),
 * so every reading of the record gives the same events.
 */
export function decisionEventsOf(record: DecisionRecord, messageId: string): StoredMessage[] {
  const timestamp = formatTimestamp(record.at);
  return record.decisions.map((properties, i) => ({
    type: 'track',
    messageId: decisionMessageId(messageId, i),
    event: 'Decision Made',
    userId: record.userId,
    anonymousId: record.anonymousId,
    timestamp,
    receivedAt: timestamp,
    properties: { ...properties },
    context: {},
    tailor: { source: DECIDE_SOURCE },
  }));
}

/**
 * The messageId of a record's decision `index`: the record's own for the first, then the record's
 * with its last two hexadecimal digits counted on (a request serves at most
 * MAX_DECIDE_PLACEMENTS decisions), so the ids keep the shape of the time-ordered ids Tailor makes.
 */
export function decisionMessageId(recordId: string, index: number): string {
  if (index === 0) return recordId;
  const last = Number.parseInt(recordId.slice(-2), 16);
  if (Number.isNaN(last)) return `${recordId}.${String(index)}`;
  return recordId.slice(0, -2) + ((last + index) % 256).toString(16).padStart(2, '0');
}
