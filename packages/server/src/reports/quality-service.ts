import { createHash } from 'node:crypto';
import {
  QualityTally,
  type QualityMessage,
  type QualityQuery,
  type QualityResult,
  TailorError,
  type StoredMessage,
} from '@tailor/core';
import type { EventLog } from '../log/event-log.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface QualityDeps {
  log: Pick<EventLog, 'read'>;
  now: () => number;
  pause?: () => Promise<void>;
  pageSize?: number;
}

/**
 * The data-quality report (docs/reports.md): one pass over the log, each message reduced to what
 * core's QualityTally reads (source, event, times, violations, field names, a fingerprint of
 * person, time and content). Counts only: no person is named in the answer.
 */
export class QualityService {
  constructor(private readonly deps: QualityDeps) {}

  async quality(query: QualityQuery): Promise<QualityResult> {
    const to = query.to === undefined ? this.deps.now() : Date.parse(query.to);
    const from = query.from === undefined ? to - DAY_MS : Date.parse(query.from);
    if (!(from < to)) throw new TailorError('invalid_request', '`from` must be before `to`');
    const baselineDays = query.baselineDays ?? 7;
    const tally = new QualityTally({
      from,
      to,
      baselineDays,
      lateMs: (query.lateMinutes ?? 60) * MINUTE_MS,
    });
    const pageSize = this.deps.pageSize ?? 5000;
    for (let position = 0; ;) {
      const page = await this.deps.log.read(position, pageSize);
      if (page.length === 0) break;
      for (const { message } of page) {
        const receivedAt = Date.parse(message.receivedAt);
        if (receivedAt < from - baselineDays * DAY_MS || receivedAt >= to) continue;
        tally.add(reduce(message, receivedAt));
      }
      position = page[page.length - 1]?.position ?? position;
      if (this.deps.pause) await this.deps.pause();
    }
    return tally.result();
  }
}

function reduce(message: StoredMessage, receivedAt: number): QualityMessage {
  const fields = message.type === 'identify' ? message.traits : message.properties;
  return {
    source: message.tailor.source,
    event: message.type === 'track' ? (message.event ?? '') : message.type,
    receivedAt,
    timestamp: Date.parse(message.timestamp),
    violations: message.tailor.violations?.length ?? 0,
    fields: Object.keys(fields ?? {}),
    // A digest, not the content: the report keeps one per message of the baseline and period.
    fingerprint: createHash('sha256')
      .update(
        JSON.stringify([
          message.userId,
          message.anonymousId,
          message.type,
          message.event ?? message.name ?? null,
          message.timestamp,
          message.properties ?? null,
          message.traits ?? null,
        ]),
      )
      .digest('base64')
      .slice(0, 16),
  };
}
