import { consentValues, formatTimestamp } from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { ProfileReader } from '../store/profile-store.js';

/** The source of the email events journeys record (`tailor.source`). */
export const EMAIL_EVENT_SOURCE = 'journeys';

/** `Email Sent`, `Email Opened`, `Email Link Clicked`: what happened to a journey email. */
export type EmailEventName = 'Email Sent' | 'Email Opened' | 'Email Link Clicked';

export type EmailEventRecorder = (event: {
  person: string;
  /** An email event, or a holdout group's exposure. */
  name: EmailEventName | 'Experiment Viewed';
  properties: Record<string, string>;
  /** The same id twice is stored once (an email is recorded as sent once however often it is tried). */
  messageId: string;
}) => Promise<void>;

/**
 * Appends email events to the log as the person's track events (under their userId, else their
 * anonymousId), so segments, journeys, experiments and attribution see them like any event. A
 * person no longer there (erased), or who refused analytics, gets nothing.
 */
export function emailEventRecorder(deps: {
  log: Pick<EventLog, 'append'>;
  profiles: Pick<ProfileReader, 'byId' | 'identifiers'>;
  now: () => number;
  /** Called after an event was stored (wakes the pipeline). */
  stored?: () => void;
}): EmailEventRecorder {
  return async ({ person, name, properties, messageId }) => {
    const profile = await deps.profiles.byId(person);
    // Erased, or refused analytics: nothing is kept of what they did.
    if (profile === undefined || consentValues(profile.consent)['analytics'] === false) return;
    const identifiers = await deps.profiles.identifiers(profile.id);
    const userId = identifiers.find((i) => i.type === 'userId')?.value ?? null;
    const anonymousId =
      userId === null ? (identifiers.find((i) => i.type === 'anonymousId')?.value ?? null) : null;
    if (userId === null && anonymousId === null) return;
    const now = formatTimestamp(deps.now());
    const [stored] = await deps.log.append([
      {
        type: 'track',
        event: name,
        messageId,
        userId,
        anonymousId,
        timestamp: now,
        receivedAt: now,
        properties: { ...properties },
        context: {},
        tailor: { source: EMAIL_EVENT_SOURCE },
      },
    ]);
    if (stored === true) deps.stored?.();
  };
}
