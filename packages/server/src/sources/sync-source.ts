import { createHash } from 'node:crypto';
import type { IdentifierRef } from '@tailor/core';
import type { Collector } from '../collect/collector.js';
import { runJob, type Job, type JobStep } from '../jobs/job.js';
import { mapRow, type CsvMapping } from '../import/csv-mapping.js';
import { cellOf, type SourceReader, type SourceRow } from './read-source-rows.js';
import type { SourceBody, SourceStatus } from './source.schema.js';
import type { StoredSource } from './source-store.js';

/** Rows that did not map, kept in a source's status (their key and reason, never their values). */
const REJECTED_KEPT = 20;

/**
 * A row's messageId: a digest of the source, what it reads, the row's key and its version (its
 * cursor value). The same row read again (a repeated or interrupted sync) gets the same id, which
 * collection stores once; a changed row (a new cursor value) is a new message.
 */
export function rowMessageId(
  source: StoredSource,
  row: Pick<SourceRow, 'key' | 'cursor'>,
  mapping = 0,
): string {
  const from = source.body.table ?? source.body.query ?? '';
  // The first mapping's ids are as they were before a source could have several.
  const which = mapping === 0 ? '' : `\u0000${String(mapping)}`;
  return createHash('sha256')
    .update(`source\u0000${source.name}\u0000${from}\u0000${row.key}\u0000${row.cursor}${which}`)
    .digest('hex')
    .slice(0, 32);
}

/** A source's mappings: one, or several (a message of each from every row). */
export function sourceMappings(body: Pick<SourceBody, 'mapping'>): CsvMapping[] {
  return Array.isArray(body.mapping) ? body.mapping : [body.mapping];
}

/** A row as the messages its mappings make, or the first reason one cannot be made. */
export function mapSourceRow(
  source: StoredSource,
  row: SourceRow,
): { ok: true; value: Record<string, unknown>[] } | { ok: false; error: string } {
  const cells: Record<string, string> = {};
  for (const [column, value] of Object.entries(row.values)) cells[column] = cellOf(value);
  const messages: Record<string, unknown>[] = [];
  for (const mapping of sourceMappings(source.body)) {
    const mapped = mapRow(cells, mapping);
    if (!mapped.ok) return mapped;
    messages.push(mapped.value);
  }
  return { ok: true, value: messages };
}

/** Whether a row is soft-deleted: its column holds something other than empty, false, 0 or no. */
export function isDeleted(source: StoredSource, row: SourceRow): boolean {
  const column = source.body.deletes?.column;
  if (column === undefined) return false;
  const text = cellOf(row.values[column]).trim().toLowerCase();
  return !['', 'false', 'f', '0', 'no', 'n'].includes(text);
}

/** The identifier a row's message names its person by: its userId, else its anonymousId. */
function personOf(message: Record<string, unknown>): IdentifierRef | undefined {
  for (const type of ['userId', 'anonymousId'] as const) {
    const value = message[type];
    if (typeof value === 'string' && value !== '') return { type, value };
    if (typeof value === 'number') return { type, value: String(value) };
  }
  return undefined;
}

export interface SyncDeps {
  reader: SourceReader;
  collector: Pick<Collector, 'collect'>;
  /**
   * Files an erasure request for the person an identifier names, once what was appended before is
   * folded; false when nobody holds it (the identifier is then only suppressed).
   */
  erase?: (identifier: IdentifierRef, requestedBy: string) => Promise<boolean>;
  /** Saves the status after each page is durable. */
  save: (status: SourceStatus) => Promise<void>;
  now: () => number;
  onProgress?: (status: SourceStatus) => void;
}

/**
 * A sync as a Job (jobs/job.ts): each step reads the next page past the cursor, appends its
 * messages through collection (validation, tracking plans, consent, dedup by messageId) and saves
 * the cursor once the page is durable, so a run cut short resumes after the last saved page and
 * stores nothing twice. The step after the last page records `lastSyncAt` and finishes.
 */
export class SourceSyncJob implements Job {
  readonly name: string;
  /** Where the sync stands (saved after each step). */
  readonly status: SourceStatus;
  private readonly pageSize: number;
  private readonly startedAt: number;
  private done = false;

  constructor(
    private readonly source: StoredSource,
    private readonly deps: SyncDeps,
  ) {
    this.name = `source:${source.name}`;
    this.status = { ...source.status, lastError: null };
    this.pageSize = source.body.pageSize ?? 1000;
    this.startedAt = this.status.rowsRead;
  }

  async step(): Promise<JobStep> {
    if (this.done) return { worked: 0, finished: true };
    const { source, deps, status } = this;
    const rows = await deps.reader.page(status.cursor, this.pageSize);
    const last = rows[rows.length - 1];
    if (last !== undefined) {
      const { valid, erasures } = messagesOfPage(source, rows, status);
      const outcome = await deps.collector.collect({
        messages: valid.map((v) => v.message),
        source: `source:${source.name}`,
        messageIdFor: (i) => {
          const { row, mapping } = valid[i] as (typeof valid)[number];
          return rowMessageId(source, row, mapping);
        },
        checkNumbers: true,
      });
      for (const r of outcome.rejected)
        reject(status, (valid[r.index] as (typeof valid)[number]).row.key, r.reason);
      // After the page's messages: a person's earlier rows are erased with the rest of them.
      for (const { person } of erasures) {
        if (deps.erase === undefined) throw new Error('this process cannot file erasure requests');
        if (await deps.erase(person, `source:${source.name}`))
          status.erasuresRequested = (status.erasuresRequested ?? 0) + 1;
      }
      status.rowsRead += rows.length;
      status.messagesStored += outcome.stored;
      status.duplicates += outcome.duplicates;
      status.cursor = { value: last.cursor, key: last.key };
    }
    this.done = rows.length < this.pageSize;
    if (this.done) status.lastSyncAt = new Date(deps.now()).toISOString();
    await deps.save(status);
    const read = status.rowsRead - this.startedAt;
    return {
      worked: rows.length,
      progress: { done: read, total: this.done ? read : read + this.pageSize },
      finished: this.done,
    };
  }
}

/**
 * A page's rows as messages (one per mapping, `mapping` its index), rows that do not map rejected
 * into the status, and the people of soft-deleted rows to erase (`deletes.as` = `erasure`). With
 * `deletes.as` = `trait`, identify messages carry `deleted`.
 */
function messagesOfPage(source: StoredSource, rows: readonly SourceRow[], status: SourceStatus) {
  const valid: { row: SourceRow; mapping: number; message: Record<string, unknown> }[] = [];
  const erasures: { row: SourceRow; person: IdentifierRef }[] = [];
  const deletes = source.body.deletes;
  for (const row of rows) {
    const mapped = mapSourceRow(source, row);
    if (!mapped.ok) {
      reject(status, row.key, mapped.error);
      continue;
    }
    const deleted = isDeleted(source, row);
    if (deletes?.as === 'erasure' && deleted) {
      const person = mapped.value.map(personOf).find((p) => p !== undefined);
      if (person === undefined) reject(status, row.key, 'a deleted row names no person');
      else erasures.push({ row, person });
      continue;
    }
    for (const [mapping, message] of mapped.value.entries()) {
      if (deletes?.as === 'trait' && message.type === 'identify')
        message.traits = { ...((message.traits ?? {}) as Record<string, unknown>), deleted };
      valid.push({ row, mapping, message });
    }
  }
  return { valid, erasures };
}

/**
 * One sync, its job run to the end (a sync runs on the process it was asked of; the next one
 * resumes from the saved cursor). Returns the new status; a failure is saved in it (`lastError`)
 * and thrown.
 */
export async function syncSource(source: StoredSource, deps: SyncDeps): Promise<SourceStatus> {
  const job = new SourceSyncJob(source, deps);
  try {
    await runJob(job, () => {
      deps.onProgress?.(job.status);
    });
    return job.status;
  } catch (error) {
    job.status.lastError = syncErrorText(error);
    await deps.save(job.status).catch(() => undefined);
    throw error;
  }
}

function reject(status: SourceStatus, key: string, reason: string): void {
  status.rejected = [...status.rejected, { key, reason }].slice(-REJECTED_KEPT);
}

/**
 * Why a sync failed, without values: a database's messages can quote them (`invalid input
 * syntax for type integer: "…"`), so only the error's class and code are kept.
 */
export function syncErrorText(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === 'ECONNREFUSED') return 'the source refused the connection (is it up?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the source host was not found';
  if (code === 'ETIMEDOUT' || (typeof e.message === 'string' && /timeout/i.test(e.message)))
    return 'the source did not answer in time';
  if (code === '28P01' || code === 'ER_ACCESS_DENIED_ERROR')
    return 'the source refused the credentials';
  if (code === '42P01' || code === 'ER_NO_SUCH_TABLE')
    return 'the table or query names a table the source does not have';
  if (code === '42703' || code === 'ER_BAD_FIELD_ERROR')
    return 'a column named in the source definition does not exist';
  return `the source failed (${code ?? (typeof e.name === 'string' ? e.name : 'error')})`;
}
