import type { JetStreamManager } from '@nats-io/jetstream';

/**
 * Deletes messages by stream sequence, 64 at a time; `secure` overwrites each in its file block
 * (an erasure), otherwise it is only marked deleted (retention). One already gone is skipped.
 */
export async function eraseMessages(
  jsm: JetStreamManager,
  stream: string,
  positions: readonly number[],
  secure: boolean,
): Promise<void> {
  const seqs = [...new Set(positions)];
  for (let i = 0; i < seqs.length; i += 64) {
    await Promise.all(seqs.slice(i, i + 64).map((seq) => deleteOne(jsm, stream, seq, secure)));
  }
}

async function deleteOne(
  jsm: JetStreamManager,
  stream: string,
  seq: number,
  secure: boolean,
): Promise<void> {
  try {
    await jsm.streams.deleteMessage(stream, seq, secure);
  } catch (error) {
    // The server answers an error for a sequence it no longer holds (deleted, or never stored):
    // that is what was asked. Anything else is rethrown.
    if ((await jsm.streams.getMessage(stream, { seq }).catch(() => undefined)) === null) return;
    throw error;
  }
}
