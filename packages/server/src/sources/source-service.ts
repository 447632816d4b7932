import { TailorError } from '@tailor/core';
import type { Collector } from '../collect/collector.js';
import {
  parseAllowlist,
  urlRefusal,
  type InternalAllowlist,
} from '../destinations/address-policy.js';
import { withoutPassword } from '../destinations/warehouse/warehouse-channel.js';
import { parseCsvMapping } from '../import/csv-mapping.js';
import { openSourceReader, type SourceReader } from './read-source-rows.js';
import type { SourceBody, SourceStatus, SourceView } from './source.schema.js';
import { NEW_STATUS, type SourceStore, type StoredSource } from './source-store.js';
import {
  mapSourceRow,
  sourceMappings,
  syncErrorText,
  syncSource,
  type SyncDeps,
} from './sync-source.js';

export interface SourceServiceDeps {
  sources: SourceStore;
  collector: Pick<Collector, 'collect'>;
  /** `destinations.allowInternal`: the internal addresses Tailor may connect to. */
  allowInternal: readonly string[];
  now: () => number;
  /** Opens a reader (tests pass their own); the real one by default. */
  openReader?: (source: SourceBody) => Promise<SourceReader>;
  /** Files an erasure request for a row deleted at the source (`deletes.as` = `erasure`). */
  erase?: SyncDeps['erase'];
}

/** What a test of a source shows: the first rows as the messages they would be, or why not. */
export interface SourceTest {
  rows: number;
  messages: Record<string, unknown>[];
  rejected: { key: string; reason: string }[];
}

/**
 * Database sources (docs/sources.md): defining them (the URL checked, sealed, never shown with
 * its password), testing them, and syncing them, one sync per source at a time on this process.
 */
export class SourceService {
  private readonly allow: InternalAllowlist;
  private readonly running = new Map<string, Promise<SourceStatus>>();

  constructor(private readonly deps: SourceServiceDeps) {
    this.allow = parseAllowlist(deps.allowInternal);
  }

  async put(name: string, body: SourceBody): Promise<SourceView> {
    this.check(body);
    const previous = await this.deps.sources.get(name);
    // Reading something else, or by another order, starts over (messageIds keep it from storing twice).
    const same =
      previous !== undefined &&
      previous.body.table === body.table &&
      previous.body.query === body.query &&
      previous.body.cursor === body.cursor &&
      previous.body.key === body.key &&
      previous.body.url === body.url;
    const source = { name, body, status: same ? previous.status : { ...NEW_STATUS } };
    await this.deps.sources.put(source);
    return view(source);
  }

  async list(): Promise<SourceView[]> {
    return (await this.deps.sources.list()).map(view);
  }

  async get(name: string): Promise<SourceView> {
    return view(await this.find(name));
  }

  async delete(name: string): Promise<void> {
    if (!(await this.deps.sources.delete(name)))
      throw new TailorError('not_found', `no source ${name}`);
  }

  /** Connects and maps the first rows (from the start) without storing anything. */
  async test(name: string, limit = 10): Promise<SourceTest> {
    const source = await this.find(name);
    const reader = await this.connect(source);
    try {
      const rows = await this.readOrExplain(() => reader.page(null, limit));
      const messages: Record<string, unknown>[] = [];
      const rejected: SourceTest['rejected'] = [];
      for (const row of rows) {
        const mapped = mapSourceRow(source, row);
        if (mapped.ok) messages.push(...mapped.value);
        else rejected.push({ key: row.key, reason: mapped.error });
      }
      return { rows: rows.length, messages, rejected };
    } finally {
      await reader.close().catch(() => undefined);
    }
  }

  /** Syncs a source now (joining a sync already running on this process); its status after. */
  sync(name: string, onProgress?: (status: SourceStatus) => void): Promise<SourceStatus> {
    const running = this.running.get(name);
    if (running !== undefined) return running;
    const run = this.runSync(name, onProgress).finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  private async runSync(
    name: string,
    onProgress?: (status: SourceStatus) => void,
  ): Promise<SourceStatus> {
    const found = await this.find(name);
    const lastAttemptAt = new Date(this.deps.now()).toISOString();
    const source = { ...found, status: { ...found.status, lastAttemptAt } };
    let reader: SourceReader;
    try {
      reader = await this.connect(source);
    } catch (error) {
      await this.deps.sources.setStatus(name, {
        ...source.status,
        lastError: error instanceof TailorError ? error.message : syncErrorText(error),
      });
      throw error;
    }
    try {
      return await syncSource(source, {
        reader,
        collector: this.deps.collector,
        ...(this.deps.erase && { erase: this.deps.erase }),
        save: (status) => this.deps.sources.setStatus(name, status),
        now: this.deps.now,
        ...(onProgress && { onProgress }),
      }).catch((error: unknown) => {
        throw unavailable(error);
      });
    } finally {
      await reader.close().catch(() => undefined);
    }
  }

  /**
   * Syncs the scheduled sources that are due (`everyMinutes` since their last attempt, failed or
   * not: a source that was down is tried again on its next turn); how many it tried. Failures are
   * in their statuses.
   */
  async syncDue(): Promise<number> {
    const now = this.deps.now();
    const due = (await this.deps.sources.list()).filter(({ body, status }) => {
      if (body.everyMinutes === undefined) return false;
      const last = status.lastAttemptAt === undefined ? NaN : Date.parse(status.lastAttemptAt);
      return Number.isNaN(last) || now - last >= body.everyMinutes * 60_000;
    });
    for (const source of due) await this.sync(source.name).catch(() => undefined);
    return due.length;
  }

  private check(body: SourceBody): void {
    const refuse = (why: string) => new TailorError('invalid_request', why);
    if ((body.table === undefined) === (body.query === undefined))
      throw refuse('a source reads a table or a query: give exactly one of them');
    let url: URL;
    try {
      url = new URL(body.url);
    } catch {
      throw refuse('url is not a valid URL');
    }
    const scheme = url.protocol.replace(/:$/, '');
    const kind = scheme === 'mysql' ? 'mysql' : 'postgres';
    if (kind !== body.kind)
      throw refuse(
        `a ${body.kind} source needs a ${body.kind === 'mysql' ? 'mysql://' : 'postgres://'} url`,
      );
    const refusal = urlRefusal(`http://${url.host}/`, this.allow);
    if (refusal !== undefined) throw refuse(refusal);
    const mappings = sourceMappings(body).map((mapping) => parseCsvMapping(mapping));
    if (body.deletes?.as === 'trait' && !mappings.some((m) => m.type === 'identify'))
      throw refuse(
        'deletes as a trait needs a mapping of type identify (the trait goes on the person)',
      );
  }

  private async connect(source: StoredSource): Promise<SourceReader> {
    const open = this.deps.openReader ?? openSourceReader;
    try {
      return await open(source.body);
    } catch (error) {
      throw unavailable(error);
    }
  }

  private async readOrExplain<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw unavailable(error);
    }
  }

  private async find(name: string): Promise<StoredSource> {
    const source = await this.deps.sources.get(name);
    if (source === undefined) throw new TailorError('not_found', `no source ${name}`);
    return source;
  }
}

/** A source that cannot be read: a 503 whose reason names no value. */
function unavailable(error: unknown): TailorError {
  if (error instanceof TailorError) return error;
  return new TailorError('unavailable', syncErrorText(error));
}

function view(source: StoredSource): SourceView {
  const { url, pageSize, ...rest } = source.body;
  return {
    name: source.name,
    ...rest,
    url: withoutPassword(url),
    pageSize: pageSize ?? 1000,
    status: source.status,
  };
}
