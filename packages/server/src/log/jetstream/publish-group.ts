import type { StoredMessage } from '@tailor/core';
import type { SealedValues } from '../../privacy/sealed-values.js';
import type { AckPublisher, Publication } from './ack-publisher.js';
import { sealEnvelope } from './event-envelope.js';
import { LogUnavailableError, reasonOf } from './log-unavailable.js';
import type { MessageIds } from './message-ids.js';

export interface PendingAppend {
  messages: readonly StoredMessage[];
  resolve: (stored: boolean[]) => void;
  reject: (error: unknown) => void;
}

export interface GroupContext {
  publisher: AckPublisher;
  ids: MessageIds;
  sealed: SealedValues;
  subjectOf: (message: StoredMessage) => string;
  publishTimeoutMs: number;
}

/** What became of one distinct messageId of a group. */
type Outcome =
  | { kind: 'known' }
  | { kind: 'stored'; position: number }
  | { kind: 'duplicate'; position: number }
  | { kind: 'failed'; error: unknown };

/**
 * Stores the appends gathered in one turn of the event loop, in three steps shared by all of them:
 * 1. one PostgreSQL query finds which messageIds the log already holds (beyond JetStream's window);
 * 2. each other distinct messageId is published once, with Nats-Msg-Id, all in flight together on
 *    the one connection (JetStream stores them in that order); a duplicate ack means JetStream held
 *    it already (a resend within its window);
 * 3. one insert records every acknowledged messageId, new or duplicate, in PostgreSQL.
 * An append resolves only after all three, with true for each message stored by it; it rejects
 * when any of its messages was not acknowledged (LogUnavailableError: 503, retry), or when the
 * record failed. Its acknowledged messages are recorded first, so its retry finds them.
 *
 * The crash window: a node dying between JetStream's ack (2) and the insert (3) leaves stored
 * messages without their row, and the client without an answer. Its retry reaches JetStream,
 * which answers duplicate (its window, 24 h by default, is longer than any client retries) and
 * step 3 then writes the row: the record heals on the resend. Only a resend later than the window
 * after such a crash would be stored twice. Recording before publishing would be worse: a crash
 * then would refuse the resend of a message never stored (lost).
 */
export async function publishGroup(
  group: readonly PendingAppend[],
  ctx: GroupContext,
): Promise<void> {
  const valid = group.filter((p) => {
    const bad = p.messages.find((m) => typeof m.messageId !== 'string' || m.messageId === '');
    if (bad !== undefined)
      p.reject(new Error(`a message without a messageId: ${JSON.stringify(bad.messageId)}`));
    return bad === undefined;
  });
  const firsts = new Map<string, StoredMessage>();
  for (const p of valid)
    for (const m of p.messages) if (!firsts.has(m.messageId)) firsts.set(m.messageId, m);

  let known: Set<string>;
  try {
    known = await ctx.ids.known([...firsts.keys()]);
  } catch (error) {
    const unavailable = new LogUnavailableError(`dedup table: ${reasonOf(error)}`, error);
    for (const p of valid) p.reject(unavailable);
    return;
  }
  const outcomes = await publishAll(firsts, known, ctx);

  const acked: { messageId: string; position: number }[] = [];
  for (const [messageId, o] of outcomes)
    if (o.kind === 'stored' || o.kind === 'duplicate')
      acked.push({ messageId, position: o.position });
  let recordError: unknown;
  try {
    await ctx.ids.record(acked);
  } catch (error) {
    recordError = new LogUnavailableError(`dedup table: ${reasonOf(error)}`, error);
  }
  // A messageId sent twice in one group was published once: true goes to its first occurrence.
  const claimed = new Set<string>();
  for (const p of valid) settle(p, outcomes, claimed, recordError);
}

async function publishAll(
  firsts: ReadonlyMap<string, StoredMessage>,
  known: ReadonlySet<string>,
  ctx: GroupContext,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const publications: Publication[] = [];
  for (const [messageId, message] of firsts) {
    if (known.has(messageId)) {
      outcomes.set(messageId, { kind: 'known' });
      continue;
    }
    try {
      const envelope = sealEnvelope(message, ctx.sealed);
      publications.push({
        subject: ctx.subjectOf(message),
        payload: envelope.payload,
        headers: envelope.headers,
        msgId: messageId,
      });
    } catch (error) {
      outcomes.set(messageId, { kind: 'failed', error });
    }
  }
  const results = await ctx.publisher.publishAll(publications, ctx.publishTimeoutMs);
  for (const [i, { msgId }] of publications.entries()) {
    const result = results[i];
    outcomes.set(
      msgId,
      result?.ok === true
        ? { kind: result.duplicate ? 'duplicate' : 'stored', position: result.seq }
        : {
            kind: 'failed',
            error: new LogUnavailableError(`JetStream: ${result?.reason ?? 'no answer'}`),
          },
    );
  }
  return outcomes;
}

function settle(
  p: PendingAppend,
  outcomes: ReadonlyMap<string, Outcome>,
  claimed: Set<string>,
  recordError: unknown,
): void {
  const flags: boolean[] = [];
  let published = false;
  let failure: unknown;
  for (const m of p.messages) {
    const o = outcomes.get(m.messageId);
    if (o === undefined || o.kind === 'failed') {
      failure ??= o?.error ?? new Error(`no outcome for ${m.messageId}`);
      continue;
    }
    if (o.kind !== 'known') published = true;
    flags.push(o.kind === 'stored' && !claimed.has(m.messageId));
    claimed.add(m.messageId);
  }
  if (failure !== undefined) p.reject(failure);
  else if (published && recordError !== undefined) p.reject(recordError);
  else p.resolve(flags);
}
