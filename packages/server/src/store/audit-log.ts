import type { AuditEntry, NewAuditEntry } from '../audit/audit.schema.js';

export interface AuditFilter {
  action?: string | undefined;
  key?: string | undefined;
  /** Entries about any of these profiles. */
  profileIds?: readonly string[] | undefined;
  /** Times in ms: at or after `since`, before `until`. */
  since?: number | undefined;
  until?: number | undefined;
  /** Entries with an id below this one (the cursor of a newest-first page). */
  before?: number | undefined;
  limit: number;
}

/**
 * The audit log's port: who read or changed personal data and definitions. Appends never make the
 * request wait; reads see every entry recorded before them.
 */
export interface AuditLog {
  /** Queues an entry; the entries of one turn of the event loop are committed together after it. */
  record(entry: NewAuditEntry): void;
  /** Newest first; `next` is the id to pass as `before` for the following page, null on the last. */
  list(filter: AuditFilter): Promise<{ entries: AuditEntry[]; next: number | null }>;
  /** Deletes entries older than `before` (ms); returns how many. */
  prune(before: number): Promise<number>;
  /** Commits what is queued now. */
  flush(): void;
  close(): Promise<void>;
}
