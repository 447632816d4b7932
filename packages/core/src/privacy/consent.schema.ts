import { Type, type Static } from 'typebox';

/** The purposes consent is asked for when the configuration names none. */
export const DEFAULT_PURPOSES = [
  'analytics',
  'personalization',
  'marketing',
  'advertising',
] as const;

/** One purpose's current answer and where it came from. */
export const ConsentEntry = Type.Object({
  granted: Type.Boolean(),
  /** `context` (a message's `context.consent.categoryPreferences`), `traits` (identify `traits.consent`), `gpc` (Sec-GPC), `api` */
  source: Type.String(),
  messageId: Type.String(),
  timestamp: Type.String(),
});
export type ConsentEntry = Static<typeof ConsentEntry>;

/** A profile's consent: the current answer per purpose, and every change, oldest first. */
export interface ConsentState {
  current: Record<string, ConsentEntry>;
  history: (ConsentEntry & { purpose: string })[];
}

export function emptyConsent(): ConsentState {
  return { current: {}, history: [] };
}
