import type { StoredMessage } from '@tailor/core';
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import type { SealedValues } from '../../privacy/sealed-values.js';

/**
 * How a message is kept in the stream, as the SQLite log keeps a row: the payload is the message's
 * JSON, sealed by the sealing layer for its messageId when encryption is on; beside it, in
 * headers, what the log reads without opening the payload: the codec, the blind indexes of userId
 * and anonymousId (an identifier's scan), and type, track event name and receipt time (retention).
 * Nats-Msg-Id is the messageId (JetStream's dedup). Header values are URI-encoded: a value from a
 * client may hold any character, and a header may not hold a line break.
 */
export const HEADER = {
  codec: 'Tailor-Codec',
  user: 'Tailor-User',
  anonymous: 'Tailor-Anonymous',
  type: 'Tailor-Type',
  event: 'Tailor-Event',
  received: 'Tailor-Received',
  messageId: 'Nats-Msg-Id',
} as const;

const PLAIN = '0';
const SEALED = '1';

export interface Envelope {
  headers: MsgHdrs;
  payload: Uint8Array | string;
}

export function sealEnvelope(message: StoredMessage, sealed: SealedValues): Envelope {
  const h = headers();
  h.set(HEADER.codec, sealed.encrypts ? SEALED : PLAIN);
  const user = sealed.blind('userId', message.userId);
  if (user !== null) h.set(HEADER.user, encodeURIComponent(user));
  const anonymous = sealed.blind('anonymousId', message.anonymousId);
  if (anonymous !== null) h.set(HEADER.anonymous, encodeURIComponent(anonymous));
  h.set(HEADER.type, encodeURIComponent(message.type));
  // Only a track names an event; any other message's stray `event` field stays in the payload.
  if (message.type === 'track' && typeof message.event === 'string')
    h.set(HEADER.event, encodeURIComponent(message.event));
  h.set(HEADER.received, String(Date.parse(message.receivedAt)));
  return { headers: h, payload: sealed.event.seal(message.messageId, message) };
}

/** Whether a stored message's payload is sealed (else plain JSON, written with encryption off). */
export function isSealed(h: MsgHdrs | undefined): h is MsgHdrs {
  return h?.get(HEADER.codec) === SEALED;
}

/** A header's value as written by sealEnvelope (null when the message has none). */
export function headerOf(h: MsgHdrs | undefined, name: string): string | null {
  const value = h?.get(name) ?? '';
  return value === '' ? null : decodeURIComponent(value);
}

/** Opens a stored message; the blinds beside it save the reader (the pipeline) computing them again. */
export function openEnvelope(
  h: MsgHdrs | undefined,
  data: Uint8Array,
  sealed: SealedValues,
): StoredMessage {
  const payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!isSealed(h)) return JSON.parse(payload.toString('utf8')) as StoredMessage;
  const messageId = h.get(HEADER.messageId);
  const message = sealed.event.open(messageId, payload);
  const user = headerOf(h, HEADER.user);
  if (message.userId !== null && user !== null) sealed.learn('userId', message.userId, user);
  const anonymous = headerOf(h, HEADER.anonymous);
  if (message.anonymousId !== null && anonymous !== null)
    sealed.learn('anonymousId', message.anonymousId, anonymous);
  return message;
}
