import { createHash } from 'node:crypto';
import {
  consentValues,
  DEFAULT_PII_POLICY,
  formatTimestamp,
  maskMessage,
  traitValues,
  type PiiPolicy,
  type StoredMessage,
} from '@tailor/core';
import type { ChannelRegistry } from '../destinations/channel.js';
import type { DestinationStore } from '../destinations/destination-store.js';
import { piiReplacer } from '../privacy/pii-replacer.js';
import type { ProfileReader } from '../store/profile-store.js';
import { personIds } from './person-ids.js';

/** A webhook step to deliver for a person: the message's id is its idempotency key. */
export interface WebhookRequest {
  journey: string;
  step: string;
  person: string;
  /** `journey-webhook:JOURNEY:PERSON:STEPKEY`, the same on every attempt (the `Idempotency-Key`). */
  messageId: string;
  destination: string;
  event: string;
  /** Attempts before this one. */
  attempts: number;
}

/** How an attempt went: delivered, not to be sent (erased, consent refused), to try again, or given up. */
export type WebhookAttempt =
  | { outcome: 'delivered' }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'retry' | 'failed'; error: string; detail?: unknown };

export type WebhookSender = (request: WebhookRequest) => Promise<WebhookAttempt>;

/**
 * Delivers journey webhook steps through a destination (its URL, secret, consent purpose and PII
 * mode) and the `Channel` of its type, as the dispatcher does for events: the person's track
 * event (`properties.journey`, `step`, `profileId`, their traits in `context.traits`) masked as the
 * destination asks, signed by the channel. People erased since, or who refused the destination's
 * purpose, are not sent.
 */
export function journeyWebhookSender(deps: {
  destinations: Pick<DestinationStore, 'get'>;
  channels: ChannelRegistry;
  profiles: Pick<ProfileReader, 'byId' | 'identifiers'>;
  pii?: () => PiiPolicy;
  now: () => number;
  timeoutMs: number;
  /** Whether the person's erasure is asked for (suppressed) though not carried out yet. */
  suppressed?: (profileId: string) => Promise<boolean>;
}): WebhookSender {
  return async (request) => {
    const destination = await deps.destinations.get(request.destination);
    if (destination === undefined)
      return { outcome: 'failed', error: `no destination ${request.destination}` };
    const channel = deps.channels.get(destination.type);
    if (channel === undefined)
      return { outcome: 'failed', error: `no channel delivers ${destination.type}` };
    const profile = await deps.profiles.byId(request.person);
    if (profile === undefined || (await deps.suppressed?.(profile.id)) === true)
      return { outcome: 'skipped', reason: 'no such person (erased)' };
    const purpose = destination.purpose ?? 'marketing';
    if (consentValues(profile.consent)[purpose] === false)
      return { outcome: 'skipped', reason: `refused ${purpose}` };
    const ids = (await personIds(deps.profiles, profile.id)) ?? { userId: null, anonymousId: null };
    const now = deps.now();
    const at = formatTimestamp(now);
    const message: StoredMessage = {
      type: 'track',
      event: request.event,
      messageId: request.messageId,
      ...ids,
      timestamp: at,
      receivedAt: at,
      properties: { journey: request.journey, step: request.step, profileId: profile.id },
      context: { traits: traitValues(profile.traits) },
      tailor: { source: 'journeys' },
    };
    const replace = piiReplacer(destination.pii ?? 'mask');
    const sent =
      replace === undefined
        ? message
        : maskMessage(message, deps.pii?.() ?? DEFAULT_PII_POLICY, replace);
    const result = await channel.deliver(
      destination,
      [
        {
          id: deliveryId(request.messageId),
          destination: destination.name,
          message: sent,
          status: 'pending',
          attempts: request.attempts,
          nextAt: now,
          lastError: null,
          createdAt: at,
          deliveredAt: null,
        },
      ],
      { signal: AbortSignal.timeout(deps.timeoutMs), now },
    );
    if (result.delivered) return { outcome: 'delivered' };
    return {
      outcome: result.failure === 'permanent' ? 'failed' : 'retry',
      error: result.error,
      detail: result.detail,
    };
  };
}

/**
 * The delivery id a journey webhook carries (`X-Tailor-Delivery`): negative, so it never equals
 * an outbox delivery's, and the same on every attempt (48 bits of the message id's SHA-256).
 */
function deliveryId(messageId: string): number {
  return -parseInt(createHash('sha256').update(messageId).digest('hex').slice(0, 12), 16);
}
