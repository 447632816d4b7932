import { randomUUID } from 'node:crypto';
import {
  acceptMessage,
  anonymize,
  findNonFinite,
  NON_FINITE_REASON,
  consentRecord,
  refusesAnalytics,
  type CountryCode,
  type MessageType,
  type PlanViolation,
  type Rejection,
  type StoredMessage,
} from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { StateStore } from '../store/state-store.js';
import type { TrackingPlans } from './tracking-plans.js';

export interface CollectRequest {
  messages: readonly unknown[];
  /** `key:NAME` or `import:FILE`. */
  source: string;
  /** The type a single-message route implies. */
  type?: MessageType;
  defaults?: {
    context?: Record<string, unknown>;
    integrations?: Record<string, unknown>;
    sentAt?: string;
  };
  /** Makes the messageId of a message that has none; random by default. */
  messageIdFor?: (index: number) => string;
  /** The request carried `Sec-GPC: 1` (Global Privacy Control): an opt-out of advertising for its messages. */
  gpc?: boolean;
  /**
   * Look for numbers past the double range (`1e309` parses to Infinity): set when the body may hold
   * one (the HTTP parser saw one, an import), so the usual request pays no walk over each message.
   */
  checkNumbers?: boolean;
  /**
   * The bytes of the whole body the messages came in, when known: a body within the message limit
   * holds no message over it, so none is serialized again to be measured.
   */
  bodyBytes?: number;
  /** Each message's bytes as sent, when read from the body (batch-message-bytes.ts); else each is serialized to be measured. */
  sentBytes?: readonly number[] | undefined;
}

export interface CollectOutcome {
  stored: number;
  duplicates: number;
  /** Valid messages not stored: they refuse analytics consent (privacy.withoutAnalytics = drop). */
  withheld: number;
  rejected: (Rejection & { blocked: boolean })[];
}

export interface CollectorDeps {
  log: EventLog;
  violations: StateStore['violations'];
  plans: TrackingPlans;
  metrics: Metrics;
  defaultRegion: CountryCode;
  messageBytes: number;
  now: () => number;
  /** Called after new events were committed (the pipeline folds them). */
  onStored?: () => void;
  /** What happens to a message that refuses analytics consent: not stored, or stored without identifiers. */
  withoutAnalytics: 'drop' | 'strip';
  /** Erased people: their messages are dropped until they consent again. */
  suppressions?: { drops(message: StoredMessage): boolean };
}

/**
 * The one way messages enter Tailor, for the HTTP API and imports alike: admit each message
 * (validate, normalize, tracking plan), append the admitted ones durably, count the rest.
 * Resolves only after the log commit, so a caller that acknowledges afterwards never loses one.
 */
export class Collector {
  private pendingViolations: PlanViolation[] = [];

  constructor(private readonly deps: CollectorDeps) {}

  async collect(request: CollectRequest): Promise<CollectOutcome> {
    const { deps } = this;
    const receivedAt = deps.now();
    const accepted: StoredMessage[] = [];
    const rejected: CollectOutcome['rejected'] = [];
    let tooLarge = 0;
    let withheld = 0;
    const measure = request.bodyBytes === undefined || request.bodyBytes > deps.messageBytes;
    request.messages.forEach((raw, index) => {
      const sent = request.sentBytes?.[index];
      const bytes = !measure
        ? undefined
        : sent === undefined
          ? oversize(raw, deps.messageBytes)
          : sent > deps.messageBytes
            ? sent
            : undefined;
      if (bytes !== undefined) {
        tooLarge++;
        rejected.push({
          index,
          reason: `message is ${bytes} bytes, over the ${deps.messageBytes}-byte limit`,
          blocked: false,
        });
        return;
      }
      const overflow = request.checkNumbers === true ? findNonFinite(raw) : undefined;
      if (overflow !== undefined) {
        rejected.push({ index, reason: `${overflow}: ${NON_FINITE_REASON}`, blocked: false });
        return;
      }
      const outcome = acceptMessage(raw, {
        plans: deps.plans.current,
        receivedAt,
        source: request.source,
        defaultRegion: deps.defaultRegion,
        newMessageId: request.messageIdFor
          ? () => request.messageIdFor?.(index) ?? randomUUID()
          : randomUUID,
        ...(request.type !== undefined && { type: request.type }),
        ...(request.defaults !== undefined && { defaults: request.defaults }),
      });
      if (outcome.ok) {
        const message = outcome.value.message;
        if (request.gpc === true) message.tailor.gpc = true;
        if (deps.suppressions?.drops(message) === true) {
          withheld++;
          return;
        }
        // The consent gate: a message that says no to analytics is not kept as the person's; only
        // the answer is (so the profile enforces it), and with `strip` the event without identifiers.
        if (refusesAnalytics(message)) {
          accepted.push(consentRecord(message));
          if (deps.withoutAnalytics === 'drop') withheld++;
          else accepted.push(anonymize(message));
        } else {
          accepted.push(message);
        }
        for (const v of outcome.value.violations) this.pendingViolations.push(v);
      } else {
        const blocked = outcome.error.violations !== undefined;
        if (outcome.error.violations)
          for (const v of outcome.error.violations) this.pendingViolations.push(v);
        rejected.push({ index, reason: outcome.error.reason, blocked });
      }
    });

    const flags = await deps.log.append(accepted);
    const stored = flags.filter(Boolean).length;
    deps.metrics.eventsReceived.inc(request.messages.length);
    if (stored > 0) {
      deps.metrics.eventsStored.inc(stored);
      deps.onStored?.();
    }
    if (accepted.length > stored) deps.metrics.eventsDuplicate.inc(accepted.length - stored);
    const blocked = rejected.filter((r) => r.blocked).length;
    if (tooLarge > 0) deps.metrics.eventsRejected.inc({ reason: 'too_large' }, tooLarge);
    if (blocked > 0) deps.metrics.eventsRejected.inc({ reason: 'blocked' }, blocked);
    const invalid = rejected.length - blocked - tooLarge;
    if (invalid > 0) deps.metrics.eventsRejected.inc({ reason: 'invalid' }, invalid);
    if (withheld > 0) deps.metrics.eventsRejected.inc({ reason: 'no_analytics_consent' }, withheld);
    return { stored, duplicates: accepted.length - stored, withheld, rejected };
  }

  /**
   * Writes the violation counts gathered since the last flush. Counts are a quality KPI, kept in
   * memory between flushes (every second and at shutdown) so collection pays no extra commit.
   */
  async flushViolations(): Promise<void> {
    if (this.pendingViolations.length === 0) return;
    const batch = this.pendingViolations;
    this.pendingViolations = [];
    await this.deps.violations.record(batch, new Date(this.deps.now()).toISOString());
  }
}

/**
 * A message's size as JSON when it is over `limit` bytes, else undefined. Its UTF-8 bytes are at
 * most three times its UTF-16 length, so most messages are decided by the length alone.
 */
function oversize(raw: unknown, limit: number): number | undefined {
  const text = JSON.stringify(raw);
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text);
  return bytes > limit ? bytes : undefined;
}
