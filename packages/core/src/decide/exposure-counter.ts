import { parseComputed } from '../segments/parse-definition.js';
import type { AggregateNode } from '../segments/segments.schema.js';

/**
 * The aggregate that counts a person's exposures to one placement item within a cap's window:
 * decide appends a `Decision Made` event per decision, and the pipeline keeps this count like any
 * other, so caps hold across restarts and nodes.
 */
export function exposureCounter(placement: string, itemId: string, per: string): AggregateNode {
  const text = `count("Decision Made" where properties.placement = ${JSON.stringify(placement)} and properties.itemId = ${JSON.stringify(itemId)}, ${per})`;
  const parsed = parseComputed(text);
  if (!parsed.ok || parsed.value.type !== 'aggregate')
    throw new Error(`cannot count exposures with ${text}`);
  return parsed.value;
}
