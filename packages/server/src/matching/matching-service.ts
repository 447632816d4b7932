import {
  formatTimestamp,
  inferMatchConfig,
  matchRecords,
  TailorError,
  type MatchRecord,
  type StoredMessage,
} from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { ProfileStore } from '../store/profile-store.js';
import type { NewReview, Review } from '../store/review-queue.js';
import { readMatchOverrides } from './read-match-overrides.js';
import type { MatchSummary } from './review.schema.js';

export interface MatchingServiceDeps {
  profiles: Pick<ProfileStore, 'reviews' | 'live' | 'identifiers'>;
  log: EventLog;
  now: () => number;
  /** Tells the background that the log has something new to fold. */
  wake: () => void;
}

export interface MatchOptions {
  /** Overrides of what the matcher would choose itself (comparators, blocking, thresholds). */
  config?: Record<string, unknown> | undefined;
  /** Who asked (a key name), for the merge reasons. */
  by: string;
}

/**
 * Probabilistic matching of profiles that share no identifier (Fellegi–Sunter) and the queue of
 * unsure pairs a person decides. Merges go through the log as instructions the pipeline carries
 * out, like everything else.
 */
export class MatchingService {
  constructor(private readonly deps: MatchingServiceDeps) {}

  /**
   * Runs probabilistic matching over the live profiles' traits: pairs above the upper threshold
   * are merged (through a merge instruction in the log), pairs between the thresholds go to the
   * review queue. Pairs a person already decided, or already queued, are left alone; two profiles
   * with different userIds are never merged (the pipeline enforces identifier limits).
   */
  async match(options: MatchOptions): Promise<MatchSummary> {
    const records = await this.profileRecords();
    const empty = {
      profiles: records.length,
      candidatePairs: 0,
      matched: 0,
      queued: 0,
      skipped: 0,
      fields: [],
      thresholds: { upper: 0.9, lower: 0.5 },
    };
    if (records.length < 2) return empty;
    const config = inferMatchConfig([records], readMatchOverrides(options.config ?? {}, records));
    if (config.fields.length === 0) return empty;
    const result = matchRecords(records, undefined, config);
    const at = new Date(this.deps.now()).toISOString();
    let matched = 0;
    let skipped = 0;
    const queue: NewReview[] = [];
    for (const pair of result.pairs) {
      if (await this.deps.profiles.reviews.known(pair.leftId, pair.rightId)) {
        skipped++;
      } else if (pair.decision === 'match') {
        await this.requestMerge(
          pair,
          `match ${pair.weight.toFixed(2)} (p=${pair.probability.toFixed(3)})`,
          `match:${options.by}`,
        );
        matched++;
      } else {
        queue.push({
          leftId: pair.leftId,
          rightId: pair.rightId,
          weight: pair.weight,
          probability: pair.probability,
          comparison: pair.comparison,
        });
      }
    }
    const queued = await this.deps.profiles.reviews.add(queue, at);
    return {
      profiles: records.length,
      candidatePairs: result.stats.candidatePairs,
      matched,
      queued,
      skipped: skipped + queue.length - queued,
      fields: config.fields.map((f) => f.name),
      thresholds: { upper: result.thresholds.upper, lower: result.thresholds.lower },
    };
  }

  /** Reviews with a status, in id order after a cursor. */
  reviews(query: { status: Review['status']; after: number; limit: number }) {
    return this.deps.profiles.reviews.list(query);
  }

  /** Decides a pending pair: `match` merges the two profiles, `distinct` keeps them apart for good. */
  async decide(id: number, decision: 'match' | 'distinct', by: string): Promise<Review> {
    const at = new Date(this.deps.now()).toISOString();
    const review = await this.deps.profiles.reviews.decide(id, decision, by, at);
    if (review === undefined) {
      const existing = await this.deps.profiles.reviews.get(id);
      if (existing === undefined) throw new TailorError('not_found', `no review ${id}`);
      throw new TailorError('conflict', `review ${id} was already decided: ${existing.status}`);
    }
    if (review.status === 'match') {
      const reason = `review ${review.id} by ${by} (weight ${review.weight.toFixed(2)})`;
      await this.requestMerge(review, reason, by);
    }
    return review;
  }

  /**
   * Asks the pipeline to merge two profiles that share no identifier, by appending a `Profiles
   * Merged` event carrying the instruction: the merge is then part of the log like everything else
   * (replayed by backfills, visible in the person's events). Idempotent per pair of profiles.
   */
  private async requestMerge(
    pair: { leftId: string; rightId: string },
    reason: string,
    source: string,
  ): Promise<void> {
    const [a, b] = [pair.leftId, pair.rightId].sort() as [string, string];
    const identifiers = await this.deps.profiles.identifiers(a);
    const userId = identifiers.find((i) => i.type === 'userId')?.value ?? null;
    const anonymousId =
      userId === null ? (identifiers.find((i) => i.type === 'anonymousId')?.value ?? null) : null;
    const now = formatTimestamp(this.deps.now());
    const message: StoredMessage = {
      type: 'track',
      messageId: `merge:${a}:${b}`,
      event: 'Profiles Merged',
      userId,
      anonymousId,
      properties: { profiles: [a, b], reason },
      timestamp: now,
      receivedAt: now,
      context: {},
      tailor: { source, merge: { profiles: [a, b], reason } },
    };
    await this.deps.log.append([message]);
    this.deps.wake();
  }

  /** Each live profile as a record of its traits: strings and numbers, nested objects by dotted path. */
  private async profileRecords(): Promise<MatchRecord[]> {
    const records: MatchRecord[] = [];
    for (let after = 0; ;) {
      const page = await this.deps.profiles.live(after, 5000);
      for (const p of page.profiles) {
        const fields: Record<string, string> = {};
        flatten(
          '',
          Object.fromEntries(Object.entries(p.traits).map(([k, e]) => [k, e.value])),
          fields,
        );
        if (Object.keys(fields).length > 0) records.push({ id: p.id, fields });
      }
      if (page.next === null) return records;
      after = page.next;
    }
  }
}

function flatten(prefix: string, value: unknown, into: Record<string, string>, depth = 0): void {
  if (typeof value === 'string' && value.trim() !== '') into[prefix] = value.trim().slice(0, 256);
  else if (typeof value === 'number' && Number.isFinite(value)) into[prefix] = String(value);
  else if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 3) {
    for (const [k, v] of Object.entries(value))
      flatten(prefix === '' ? k : `${prefix}.${k}`, v, into, depth + 1);
  }
}
