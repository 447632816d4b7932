import { inferMatchConfig, matchRecords, type MatchRecord } from '@tailor/core';
import type { Tailor } from '../open-tailor.js';
import type { NewReview } from '../store/review-queue.js';
import { readMatchOverrides } from './read-match-overrides.js';
import { requestMerge } from './request-merge.js';

export interface MatchProfilesOptions {
  /** Overrides of what the matcher would choose itself (comparators, blocking, thresholds). */
  config?: Record<string, unknown> | undefined;
  /** Who asked (a key name), for the merge reasons. */
  by: string;
}

/**
 * Runs probabilistic matching over the live profiles' traits: pairs above the upper threshold
 * are merged (through a merge instruction in the log), pairs between the thresholds go to the
 * review queue. Pairs a person already decided, or already queued, are left alone; two profiles
 * with different userIds are never merged (the pipeline enforces identifier limits).
 */
export async function matchProfiles(tailor: Tailor, options: MatchProfilesOptions) {
  const records = await profileRecords(tailor);
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
  const at = new Date(tailor.now()).toISOString();
  let matched = 0;
  let skipped = 0;
  const queue: NewReview[] = [];
  for (const pair of result.pairs) {
    if (await tailor.profiles.reviews.known(pair.leftId, pair.rightId)) {
      skipped++;
    } else if (pair.decision === 'match') {
      await requestMerge(
        tailor,
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
  const queued = await tailor.profiles.reviews.add(queue, at);
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

/** Each live profile as a record of its traits: strings and numbers, nested objects by dotted path. */
async function profileRecords(tailor: Tailor): Promise<MatchRecord[]> {
  const records: MatchRecord[] = [];
  for (let after = 0; ;) {
    const page = await tailor.profiles.live(after, 5000);
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

function flatten(prefix: string, value: unknown, into: Record<string, string>, depth = 0): void {
  if (typeof value === 'string' && value.trim() !== '') into[prefix] = value.trim().slice(0, 256);
  else if (typeof value === 'number' && Number.isFinite(value)) into[prefix] = String(value);
  else if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 3) {
    for (const [k, v] of Object.entries(value))
      flatten(prefix === '' ? k : `${prefix}.${k}`, v, into, depth + 1);
  }
}
