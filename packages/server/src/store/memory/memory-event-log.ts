import type { StoredMessage } from '@tailor/core';
import {
  partitionFor,
  PARTITIONS,
  type Behind,
  type EventLog,
  type IdentifierQuery,
  type LoggedEvent,
  type LogStats,
  type NamedQuery,
  type NamedStep,
  type PruneQuery,
  type PruneStep,
} from '../../log/event-log.js';

/** One event as kept: its message as text (given back as a copy), and what reads filter on. */
interface Kept {
  position: number;
  partition: number;
  text: string;
  message: StoredMessage;
}

/** What an in-memory log holds; it outlives a log's close, so a log opened again finds it. */
export class MemoryLogStorage {
  readonly events: Kept[] = [];
  readonly messageIds = new Set<string>();
  lastPosition = 0;

  constructor(readonly partitions: number = PARTITIONS) {}
}

/**
 * The event log kept in memory, with the behaviour of the SQLite and JetStream adapters (the same
 * contract suite runs over all three): positions 1, 2, 3... in order of append, duplicates by
 * messageId refused, an append that cannot be stored stores none of its messages. For tests and
 * tools that need no files; nothing survives the process.
 */
export function openMemoryEventLog(storage = new MemoryLogStorage()): EventLog {
  const copy = (e: Kept): LoggedEvent => ({
    position: e.position,
    partition: e.partition,
    message: JSON.parse(e.text) as StoredMessage,
  });
  const after = (position: number) => storage.events.filter((e) => e.position > position);
  const behind = (folded: (partition: number) => number): Behind => {
    const partitions = new Set<number>();
    let events = 0;
    for (const e of storage.events) {
      if (e.position <= folded(e.partition)) continue;
      events++;
      partitions.add(e.partition);
    }
    return { events, partitions: [...partitions].sort((a, b) => a - b) };
  };

  return {
    append(messages) {
      if (messages.some((m) => typeof (m.messageId as unknown) !== 'string'))
        return Promise.reject(new Error('a message without a text messageId cannot be stored'));
      const stored = messages.map((message) => {
        if (storage.messageIds.has(message.messageId)) return false;
        storage.messageIds.add(message.messageId);
        const position = ++storage.lastPosition;
        storage.events.push({
          position,
          partition: partitionFor(message, storage.partitions),
          text: JSON.stringify(message),
          message,
        });
        return true;
      });
      return Promise.resolve(stored);
    },
    read(position, limit, partitions) {
      const wanted = partitions === undefined ? undefined : new Set(partitions);
      return Promise.resolve(
        after(position)
          .filter((e) => wanted === undefined || wanted.has(e.partition))
          .slice(0, limit)
          .map(copy),
      );
    },
    readBefore(position, limit) {
      return Promise.resolve(
        storage.events
          .filter((e) => position === undefined || e.position < position)
          .slice(-Math.max(limit, 1))
          .slice(limit > 0 ? 0 : 1)
          .reverse()
          .map(copy),
      );
    },
    scanByIdentifier(query: IdentifierQuery) {
      const found = after(query.after).filter(
        (e) =>
          e.message[query.kind] === query.value &&
          (query.indexedTo === undefined || e.position > (query.indexedTo[e.partition] ?? 0)),
      );
      const page = found.slice(0, query.limit);
      const last = page.at(-1);
      return Promise.resolve({
        events: page.map(copy),
        next: found.length > query.limit && last !== undefined ? last.position : null,
      });
    },
    readPositions(positions) {
      const wanted = new Set(positions);
      return Promise.resolve(storage.events.filter((e) => wanted.has(e.position)).map(copy));
    },
    stats(): Promise<LogStats> {
      return Promise.resolve({
        events: storage.events.length,
        bytes: storage.events.reduce((sum, e) => sum + Buffer.byteLength(e.text), 0),
        lastPosition: storage.lastPosition,
      });
    },
    behind: (folded) => Promise.resolve(behind(folded)),
    partitionsPast: (folded) => Promise.resolve(behind(folded).partitions),
    erase(positions) {
      remove(storage, new Set(positions));
      return Promise.resolve();
    },
    prune({ event, receivedBefore, after: from, upTo, chunk }: PruneQuery): Promise<PruneStep> {
      const end = Math.min(upTo, from + chunk);
      const inRange = storage.events.filter((e) => e.position > from && e.position <= end);
      const receivedAt = (e: Kept) => Date.parse(e.message.receivedAt);
      const pruned = inRange.filter(
        (e) =>
          e.message.type === 'track' && e.message.event === event && receivedAt(e) < receivedBefore,
      );
      remove(storage, new Set(pruned.map((e) => e.position)));
      const newer = inRange.some((e) => !pruned.includes(e) && receivedAt(e) >= receivedBefore);
      return Promise.resolve({ deleted: pruned.length, next: end, newer });
    },
    readNamed({ names, after: from, upTo, chunk }: NamedQuery): Promise<NamedStep> {
      const end = Math.max(from, Math.min(upTo, from + chunk));
      const wanted = new Set(names);
      const named = (m: StoredMessage) =>
        m.type === 'track' && typeof m.event === 'string' && wanted.has(m.event);
      return Promise.resolve({
        events: storage.events
          .filter((e) => e.position > from && e.position <= end && named(e.message))
          .map(copy),
        next: end,
      });
    },
    close: () => Promise.resolve(),
  };
}

/** Drops the events at these positions, their messageIds with them (as the embedded log does). */
function remove(storage: MemoryLogStorage, positions: ReadonlySet<number>): void {
  const kept: Kept[] = [];
  for (const e of storage.events) {
    if (positions.has(e.position)) storage.messageIds.delete(e.message.messageId);
    else kept.push(e);
  }
  storage.events.splice(0, storage.events.length, ...kept);
}
