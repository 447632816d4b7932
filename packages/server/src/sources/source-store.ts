import type { SourceBody, SourceStatus } from './source.schema.js';

/** A source as stored: its body (the URL with its password, opened from its sealed column) and where it stands. */
export interface StoredSource {
  name: string;
  body: SourceBody;
  status: SourceStatus;
}

/** Source definitions and their sync state, in state.sqlite or PostgreSQL; the URL sealed at rest. */
export interface SourceStore {
  list(): Promise<StoredSource[]>;
  get(name: string): Promise<StoredSource | undefined>;
  put(source: StoredSource): Promise<void>;
  /** Saves where a sync stands (after each page it stored). */
  setStatus(name: string, status: SourceStatus): Promise<void>;
  delete(name: string): Promise<boolean>;
  close(): Promise<void>;
}

export const NEW_STATUS: SourceStatus = {
  cursor: null,
  lastSyncAt: null,
  lastError: null,
  rowsRead: 0,
  messagesStored: 0,
  duplicates: 0,
  rejected: [],
};
