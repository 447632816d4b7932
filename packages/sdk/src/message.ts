import type { MessageType as SpecMessageType } from '@tailor/core';
import type { Purposes } from './consent.js';
import { pageContext, timeZone } from './page-context.js';
import { uuid } from './uuid.js';
import { VERSION } from './version.js';

/** The Segment Spec's message types a browser sends (`screen` is for apps): core's own, so the two cannot drift. */
export type MessageType = Exclude<SpecMessageType, 'screen'>;

/** A Segment Spec message as the SDK queues it; `sentAt` is added when it is sent. */
export interface Message {
  type: MessageType;
  messageId: string;
  anonymousId: string;
  userId?: string;
  timestamp: string;
  context: Record<string, unknown>;
  sentAt?: string;
  [field: string]: unknown;
}

export interface Who {
  anonymousId: string;
  userId: string | undefined;
  consent: Purposes | undefined;
}

/** `context.consent` in Segment's convention, or nothing before the user chose. */
export function consentContext(consent: Purposes | undefined): Record<string, unknown> {
  return consent ? { consent: { categoryPreferences: consent } } : {};
}

/** A new message of the type, with ids, a timestamp and the browser's context. */
export function createMessage(
  type: MessageType,
  fields: Record<string, unknown>,
  who: Who,
): Message {
  const screen = typeof window.screen === 'object' ? window.screen : undefined;
  return {
    type,
    messageId: uuid(),
    anonymousId: who.anonymousId,
    ...(who.userId !== undefined && { userId: who.userId }),
    timestamp: new Date().toISOString(),
    context: {
      library: { name: 'tailor.js', version: VERSION },
      page: pageContext(),
      userAgent: navigator.userAgent,
      locale: navigator.language,
      timezone: timeZone(),
      ...(screen && {
        screen: { width: screen.width, height: screen.height, density: window.devicePixelRatio },
      }),
      ...consentContext(who.consent),
    },
    ...fields, // last: alias sets its own userId
  };
}
