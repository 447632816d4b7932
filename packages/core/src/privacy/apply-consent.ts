import type { StoredMessage } from '../events/events.schema.js';
import type { ConsentEntry, ConsentState } from './consent.schema.js';

/** Most changes kept in a profile's consent history (the oldest are dropped first). */
export const MAX_CONSENT_HISTORY = 200;

/**
 * The consent answers a message carries, by purpose: Segment's
 * `context.consent.categoryPreferences` (what consent managers and the browser SDK send), an
 * identify's `traits.consent`, and a request's `Sec-GPC: 1` (marked by the server as
 * `tailor.gpc`, an opt-out of advertising). Only known purposes, only booleans.
 */
export function consentIn(
  message: StoredMessage,
  purposes: readonly string[],
): { purpose: string; granted: boolean; source: string }[] {
  const found = new Map<string, { granted: boolean; source: string }>();
  const take = (answers: unknown, source: string) => {
    if (typeof answers !== 'object' || answers === null || Array.isArray(answers)) return;
    for (const [purpose, granted] of Object.entries(answers)) {
      if (typeof granted === 'boolean' && purposes.includes(purpose))
        found.set(purpose, { granted, source });
    }
  };
  const consent = message.context.consent as { categoryPreferences?: unknown } | undefined;
  take(consent?.categoryPreferences, 'context');
  if (message.type === 'identify') take(message.traits?.consent, 'traits');
  if (message.tailor.gpc === true && purposes.includes('advertising')) {
    found.set('advertising', { granted: false, source: 'gpc' });
  }
  return [...found].map(([purpose, answer]) => ({ purpose, ...answer }));
}

/**
 * Applies a message's consent answers to a profile's consent: the latest answer per purpose wins
 * (by message timestamp), and every change is added to the history. Returns whether anything
 * changed. Mutates `state`.
 */
export function applyConsent(
  state: ConsentState,
  message: StoredMessage,
  purposes: readonly string[],
): boolean {
  let changed = false;
  for (const { purpose, granted, source } of consentIn(message, purposes)) {
    const entry: ConsentEntry = {
      granted,
      source,
      messageId: message.messageId,
      timestamp: message.timestamp,
    };
    changed = record(state, purpose, entry) || changed;
  }
  return changed;
}

/** Combines two profiles' consent when they merge: per purpose the latest answer, histories joined in time order. */
export function mergeConsent(into: ConsentState, from: ConsentState): void {
  for (const [purpose, entry] of Object.entries(from.current)) {
    const mine = into.current[purpose];
    if (mine === undefined || entry.timestamp > mine.timestamp) into.current[purpose] = entry;
  }
  into.history = [...into.history, ...from.history]
    .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0))
    .slice(-MAX_CONSENT_HISTORY);
}

/** The message's own answer for a purpose (its `context.consent.categoryPreferences`), if it gives one. */
export function ownConsent(message: StoredMessage, purpose: string): boolean | undefined {
  const answer = (
    message.context.consent as { categoryPreferences?: Record<string, unknown> } | undefined
  )?.categoryPreferences?.[purpose];
  return typeof answer === 'boolean' ? answer : undefined;
}

/** True when the message itself says no to analytics. */
export function refusesAnalytics(message: StoredMessage): boolean {
  return ownConsent(message, 'analytics') === false;
}

/**
 * The message without what identifies the person: no userId, anonymousId, traits or IP; its
 * event and properties stay for counts. Marked `tailor.anonymized`, so no profile uses it.
 */
export function anonymize(message: StoredMessage): StoredMessage {
  const context = { ...message.context };
  delete context.ip;
  delete context.traits;
  const rest = { ...message };
  delete rest.traits;
  return {
    ...rest,
    messageId: `${message.messageId}:anonymized`,
    userId: null,
    anonymousId: null,
    context,
    tailor: { ...message.tailor, anonymized: true },
  };
}

/**
 * What is kept of a message that refuses analytics: the consent answer itself (a `Consent
 * Updated` track with the person's ids and the categoryPreferences, nothing else), so the profile
 * records the refusal and enforces it, and the refusal can be proven later.
 */
export function consentRecord(message: StoredMessage): StoredMessage {
  const consent = message.context.consent as { categoryPreferences?: unknown } | undefined;
  return {
    type: 'track',
    event: 'Consent Updated',
    messageId: message.messageId,
    userId: message.userId,
    anonymousId: message.anonymousId,
    timestamp: message.timestamp,
    receivedAt: message.receivedAt,
    properties: {},
    context: { consent: { categoryPreferences: consent?.categoryPreferences } },
    tailor: { source: message.tailor.source, ...(message.tailor.gpc && { gpc: true }) },
  };
}

/** Each purpose's current answer, as the profile shows it: `{purpose: true|false}`. */
export function consentValues(state: ConsentState): Record<string, boolean> {
  return Object.fromEntries(
    Object.entries(state.current).map(([purpose, entry]) => [purpose, entry.granted]),
  );
}

function record(state: ConsentState, purpose: string, entry: ConsentEntry): boolean {
  const current = state.current[purpose];
  if (current !== undefined && current.timestamp > entry.timestamp) return false; // an older answer arriving late
  if (current?.granted === entry.granted) {
    state.current[purpose] = entry; // the same answer, confirmed later: provenance moves, no change
    return false;
  }
  state.current[purpose] = entry;
  state.history.push({ purpose, ...entry });
  if (state.history.length > MAX_CONSENT_HISTORY)
    state.history.splice(0, state.history.length - MAX_CONSENT_HISTORY);
  return true;
}
