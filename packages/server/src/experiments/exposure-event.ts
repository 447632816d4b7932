import { timeOrderedId } from '../log/time-ordered-id.js';
import { EXPERIMENTS_SOURCE, formatTimestamp, type StoredMessage } from '@tailor/core';
import type { StoredExperiment } from '../store/state-store.js';

/** The `Experiment Viewed` exposure event: this person saw this variant at `at`. */
export const EXPOSURE_EVENT = 'Experiment Viewed';

/**
 * One exposure as a track event, as the person asked for it (userId and/or anonymousId). In a
 * factorial experiment the variant is the cell and `factors` holds each factor's level.
 */
export function exposureEvent(
  experiment: Pick<StoredExperiment, 'name' | 'layer'>,
  { variant, factors }: { variant: string; factors?: Record<string, string> | undefined },
  person: { userId?: string | undefined; anonymousId?: string | undefined },
  at: number,
): StoredMessage {
  const timestamp = formatTimestamp(at);
  return {
    type: 'track',
    messageId: timeOrderedId(at),
    event: EXPOSURE_EVENT,
    userId: person.userId ?? null,
    anonymousId: person.anonymousId ?? null,
    timestamp,
    receivedAt: timestamp,
    properties: {
      experiment: experiment.name,
      variant,
      ...(factors !== undefined && { factors }),
      layer: experiment.layer ?? null,
    },
    context: {},
    tailor: { source: EXPERIMENTS_SOURCE },
  };
}
