import type { ActivityFrame } from '@tailor/core';
import { projectedEvents } from './projected-events.js';

/** The frame's events as reports count them (people left out dropped); `extra`: a further condition. */
function inFrame(frame: ActivityFrame, columns: string, extra = 'TRUE'): string {
  return projectedEvents(
    columns,
    `at_ms >= ${String(frame.from)} AND at_ms < ${String(frame.to)} AND ${extra}`,
  );
}

/** Rows `[bucket, events]` of the buckets holding any event. */
export function activityBucketsSql(frame: ActivityFrame): string {
  return `SELECT CAST(floor((at_ms - ${String(frame.from)}) / ${String(frame.bucketMs)}) AS INTEGER) AS b,
    count(*) FROM (${inFrame(frame, 'at_ms')}) GROUP BY b`;
}

/** Rows `[name, events]` of the `top` most frequent named events (name id 0 has none). */
export function activityNamesSql(frame: ActivityFrame, top: number): string {
  return `SELECT n.name, c.events FROM (
      SELECT name_id, count(*) AS events FROM (${inFrame(frame, 'name_id', 'name_id <> 0')})
      GROUP BY name_id
    ) c JOIN event_names n ON n.id = c.name_id
    ORDER BY c.events DESC, n.name LIMIT ${String(top)}`;
}
