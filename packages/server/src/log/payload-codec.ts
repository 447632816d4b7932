import type { StoredMessage } from '@tailor/core';

/**
 * How a message's payload is written to disk. Each stored row records its codec id, so payloads
 * written under different codecs (plain JSON, and encrypted ones later) can sit in one log.
 */
export interface PayloadCodec {
  readonly id: number;
  encode(message: StoredMessage): string | Buffer;
  decode(payload: string | Buffer): StoredMessage;
}

export const jsonCodec: PayloadCodec = {
  id: 0,
  encode: (message) => JSON.stringify(message),
  decode: (payload) => JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8')) as StoredMessage,
};
