import type { StoredMessage } from '@tailor/core';

/** A stored track message numbered `i` (event `E{i}`, messageId `m-{i}`), for tests of the log. */
export function storedMessage(
  i: number,
  userId: string | null,
  anonymousId: string | null = null,
): StoredMessage {
  return {
    type: 'track',
    event: `E${i}`,
    messageId: `m-${i}`,
    userId,
    anonymousId,
    properties: { i },
    context: {},
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:01.000Z',
    tailor: { source: 'test' },
  };
}
