import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { IdentifierRef } from '@tailor/core';
import type { EventLog } from '../../log/event-log.js';
import type { ProfileReader } from '../../store/profile-store.js';
import { logError } from '../../privacy/log-error.js';
import { eventName } from '../person-timelines.js';
import { touchFields, type TouchFields } from '../touch-key.js';
import {
  experimentFieldsOf,
  type ExperimentFields,
  type ExperimentKey,
} from '../../experiments/experiment-rows.js';
import type { Exposures, ExposureQuery } from '../../experiments/read-exposures.js';
import { ExperimentReader } from './experiment-reader.js';
import {
  addExperimentColumns,
  appendExposure,
  appendKeys,
  EXPERIMENT_EVENT_COLUMNS,
  EXPERIMENT_SCHEMA,
} from './experiment-table.js';
import type { MetricSignal } from './metric-values.js';
import { readDuckDBColumns } from './duckdb-columns.js';
import type { groupByPerson } from './group-by-person.js';
import type { FoldedRows } from './projection-feed.js';
import { ProjectionPeople } from './projection-people.js';
import { ReportIndex } from './report-index.js';
import { readTouchColumns, type TouchColumns } from './read-touch-columns.js';
import {
  addTouchColumns,
  appendTouch,
  revenueOf,
  TouchDictionary,
  TOUCH_EVENT_COLUMNS,
  TOUCH_SCHEMA,
} from './touch-columns.js';
import type { Sealer } from '../../privacy/sealer.js';

export interface ProjectionDeps {
  /** Seals the touch strings (campaign fields, hosts) in the file when encryption is on. */
  sealer?: Pick<Sealer, 'encrypts' | 'seal' | 'open'>;
  /** `readPositions` reads mean metrics' values for experiment results (without it: none). */
  log: Pick<EventLog, 'read'> & Partial<Pick<EventLog, 'readPositions'>>;
  profiles: Pick<ProfileReader, 'byIdentifier' | 'byId'>;
  /** The log position up to which every event is folded: the projection reads no further. */
  folded: () => Promise<number>;
  /**
   * Events read from the log a page when catching up; by default sized as it goes so a page takes
   * about PAGE_MS (250 to 5,000 events), since the request thread does this work.
   */
  pageSize?: number;
  /**
   * A retention the log applies (decision records): track events named `event` received more
   * than `days` ago leave the projection too, at open and hourly (docs/reports.md).
   */
  retention?: { event: string; days: number; now: () => number };
  /**
   * Keep the in-memory index funnels and retention read (ReportIndex) while the projection holds
   * at most this many events (about 10 bytes an event); 0 or undefined: none, reports read DuckDB.
   */
  indexMaxEvents?: number;
  /**
   * Keys people for experiment results (experimentKeys): with it the projection keeps each
   * event's person keys and every exposure, and answers `experimentColumns`.
   */
  experimentKey?: ExperimentKey;
}

const DAY_MS = 86_400_000;
/**
 * About how long one page of a catch-up from the log may take: the page is read, decrypted and its
 * people resolved on the request thread without a pause, so a page of 5,000 decisions (180 ms
 * measured) held every decide request behind it (bench/RESULTS.md, "Quiet machine").
 */
const PAGE_MS = 10;
const PAGE_RANGE = [250, 5000] as const;
/** How often the retention is applied, in ms. */
const RETENTION_EVERY_MS = 3_600_000;

/**
 * An event as the projection writes it: position, time, report name, person, time of receipt,
 * touch fields, revenue, what experiment results read.
 */
type ProjectedRow = [
  number,
  number,
  string | undefined,
  number | undefined,
  number,
  TouchFields | undefined,
  number | undefined,
  ExperimentFields | undefined,
];

/** Name id 0: an event with no report name (identify, group, alias), kept for strict funnels. */
const NO_NAME = 0;

/** The projection's tables (a bench filling a file itself makes them with this). */
export const PROJECTION_SCHEMA = `
CREATE TABLE IF NOT EXISTS projection_meta (id INTEGER, position BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS event_names (id INTEGER NOT NULL, name VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS persons (
  id INTEGER NOT NULL, profile VARCHAR NOT NULL, into_id INTEGER NOT NULL, refused BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  position BIGINT NOT NULL, at_ms DOUBLE NOT NULL, name_id INTEGER NOT NULL, person INTEGER NOT NULL,
  received_ms DOUBLE, ${TOUCH_EVENT_COLUMNS}, ${EXPERIMENT_EVENT_COLUMNS}
);
${TOUCH_SCHEMA}
${EXPERIMENT_SCHEMA}`;

/**
 * The columnar projection of the log that funnels and retention scan (docs/reports.md): a DuckDB
 * file beside the others with one row per folded event: its position, time, event name (as a
 * number) and person (the profile it was folded into, as a number). It holds no personal value:
 * no identifier, no property, no trait; profile ids are random. Merges, consent and erasures
 * reach it through `changed` (the pipeline's notice of changed profiles), and every person is
 * checked against the profile store again when it is opened.
 */
export class ReportProjection {
  private position = 0;
  /** Events a page of the next catch-up from the log (`resize`). */
  private pageSize = 1000;
  private readonly names = new Map<string, number>();
  private newNames: [number, string][] = [];
  private queue: Promise<void> = Promise.resolve();
  /** The people in the `owners` table: those who are not their own owner (see projectedEvents). */
  private exceptions = new Map<number, number>();
  /** When the retention was last applied (ms); undefined: not since opened. */
  private retained: number | undefined;
  /** What was folded when `follow` last looked. */
  private foldedBefore = 0;
  /** The in-memory index, when kept (`indexMaxEvents`) and loaded. */
  private index: ReportIndex | undefined;
  /** The index must be read again from DuckDB before the next report (rows deleted by the retention). */
  private indexStale = false;
  /** Experiment results' reads (with `experimentKey`). */
  private readonly experiments: ExperimentReader | undefined;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
    private readonly people: ProjectionPeople,
    private readonly touches: TouchDictionary,
    private readonly deps: ProjectionDeps,
  ) {
    const keyOf = deps.experimentKey;
    this.experiments =
      keyOf === undefined
        ? undefined
        : new ExperimentReader(
            db,
            deps.log,
            keyOf,
            {
              run: (work) =>
                this.enqueue(async () => {
                  await this.project();
                  return work({ position: this.position, nameId: (name) => this.names.get(name) });
                }),
            },
            deps.pageSize,
          );
  }

  /** Opens (or makes) the projection in `file` (`:memory:` for none on disk). */
  static async open(file: string, deps: ProjectionDeps): Promise<ReportProjection> {
    const instance = await DuckDBInstance.create(file);
    const db = await instance.connect();
    await db.run(PROJECTION_SCHEMA);
    // Rebuilt from the people when opened: it derives from `persons`, so it is not kept on disk.
    await db.run('CREATE TEMP TABLE owners (person INTEGER NOT NULL, owner INTEGER NOT NULL)');
    const people = await ProjectionPeople.load(db, deps.profiles);
    await ReportProjection.migrate(db);
    const touches = await TouchDictionary.load(db, deps.sealer);
    const projection = new ReportProjection(instance, db, people, touches, deps);
    await projection.load();
    // Loaded behind the queue: a report asked meanwhile waits for it, opening does not.
    projection.indexStale = (deps.indexMaxEvents ?? 0) > 0;
    projection
      .enqueue(() => projection.loadIndex())
      .catch((error: unknown) => {
        logError('the reports index could not be loaded: reports read DuckDB', error);
      });
    return projection;
  }

  /** Brings a file made by an earlier version to the current columns (emptied, projected again). */
  private static async migrate(db: DuckDBConnection): Promise<void> {
    // A file made before events kept their time of receipt (what the log's retention reads) is
    // projected again from the log's start: the projection is derived, the log the truth.
    const received = await db.runAndReadAll(
      "SELECT count(*) FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'received_ms'",
    );
    if (Number(received.getRows()[0]?.[0] ?? 0) === 0) {
      // Emptied first (DuckDB alters no table a transaction changed): stopped in between, it
      // is done again on the next open.
      await db.run('BEGIN TRANSACTION; DELETE FROM events; DELETE FROM projection_meta; COMMIT;');
      await db.run('ALTER TABLE events ADD COLUMN received_ms DOUBLE');
    }
    // Likewise a file made before events carried what attribution reads, or their people's keys.
    await addTouchColumns(db);
    await addExperimentColumns(db);
  }

  private async load(): Promise<void> {
    const meta = await this.db.runAndReadAll('SELECT position FROM projection_meta');
    this.position = Number(meta.getRows()[0]?.[0] ?? 0);
    if (meta.currentRowCount === 0) await this.db.run('INSERT INTO projection_meta VALUES (1, 0)');
    const names = await this.db.runAndReadAll('SELECT id, name FROM event_names');
    for (const [id, name] of names.getRows()) this.names.set(String(name), Number(id));
  }

  /**
   * Reads the in-memory index from DuckDB if it is wanted and stale (opened, rows deleted by the
   * retention). It is left off, reports reading DuckDB, past `indexMaxEvents` events.
   */
  private async loadIndex(): Promise<void> {
    if (!this.indexStale) return;
    this.index = undefined;
    try {
      const count = await this.db.runAndReadAll('SELECT count(*) FROM events');
      if (Number(count.getRows()[0]?.[0] ?? 0) > (this.deps.indexMaxEvents ?? 0)) return;
      this.index = await ReportIndex.load(this.db, this.people.roots(), this.names.size);
    } finally {
      this.indexStale = false;
    }
  }

  /** How many events the in-memory index holds (undefined: none kept). */
  get indexedEvents(): number | undefined {
    return this.index?.events;
  }

  /** Whether reports read the in-memory index (else DuckDB). */
  get indexed(): boolean {
    return this.index !== undefined || this.indexStale;
  }

  /** The pipeline changed these profiles and identifiers: read them again before the next report. */
  changed(profiles: Iterable<string>, identifiers: Iterable<IdentifierRef>): void {
    this.people.changed(profiles, identifiers);
  }

  /** Projects the events folded since the last call, and applies the changes told since. */
  catchUp(): Promise<void> {
    return this.enqueue(() => this.project());
  }

  /**
   * The timer's catch-up while the pipeline hands over its rows (`receive`): reads from the log
   * only what was folded before the previous call and has not come since, so it does not read
   * again the batches whose rows are on their way.
   */
  follow(): Promise<void> {
    return this.enqueue(async () => {
      const before = this.foldedBefore;
      this.foldedBefore = await this.deps.folded();
      await this.project(before);
    });
  }

  private async project(limit = Number.POSITIVE_INFINITY): Promise<void> {
    const erased = await this.people.recheck(this.db);
    if (erased > 0) await this.touches.prune(this.db);
    // An erased person's rows leave the index at once, as they leave the file.
    if (erased > 0 && this.index !== undefined)
      await this.index.regroup(this.db, this.people.roots(), this.names.size);
    const upTo = Math.min(limit, await this.deps.folded());
    while (this.position < upTo) {
      const pageSize = this.deps.pageSize ?? this.pageSize;
      const started = performance.now();
      const page = await this.deps.log.read(this.position, pageSize);
      const rows = page.filter((e) => e.position <= upTo);
      const last = rows[rows.length - 1];
      const to = rows.length === pageSize && last !== undefined ? last.position : upTo;
      const persons = await Promise.all(rows.map(({ message }) => this.people.of(message)));
      const keyOf = this.deps.experimentKey;
      await this.write(
        rows.length,
        (i) => {
          const { position, message } = rows[i] as (typeof rows)[number];
          return [
            position,
            Date.parse(message.timestamp),
            eventName(message),
            persons[i],
            Date.parse(message.receivedAt),
            touchFields(message),
            revenueOf(message),
            keyOf === undefined ? undefined : experimentFieldsOf(message, keyOf),
          ];
        },
        to,
      );
      if (page.length === 0) break;
      if (page.length === pageSize) this.resize(pageSize, performance.now() - started);
    }
    await this.applyRetention();
  }

  /** The next page's size, from how long a full one of `size` took: about PAGE_MS a page. */
  private resize(size: number, ms: number): void {
    const [least, most] = PAGE_RANGE;
    this.pageSize = Math.round(Math.min(most, Math.max(least, (size * PAGE_MS) / Math.max(ms, 1))));
  }

  /**
   * Deletes the events the log's retention deletes (named `event`, received before its cutoff),
   * at most hourly; the file is checkpointed so the deleted rows leave it. The log deletes only
   * folded events, and the projection holds no others, so the two agree.
   */
  private async applyRetention(): Promise<void> {
    const retention = this.deps.retention;
    if (retention === undefined) return;
    const now = retention.now();
    if (this.retained !== undefined && now - this.retained < RETENTION_EVERY_MS) return;
    this.retained = now;
    const id = this.names.get(retention.event);
    if (id === undefined) return;
    const expired = `name_id = ${id} AND received_ms < ${now - retention.days * DAY_MS}`;
    // Their values for mean metrics leave with them (none unless a metric reads the records).
    await this.db.run(
      `DELETE FROM metric_values WHERE position IN (SELECT position FROM events WHERE ${expired})`,
    );
    const deleted = await this.db.runAndReadAll(`DELETE FROM events WHERE ${expired}`);
    if (Number(deleted.getRows()[0]?.[0] ?? 0) > 0) {
      await this.db.run('CHECKPOINT');
      // The index holds no time of receipt: read again before the next report.
      if (this.index !== undefined) {
        this.index = undefined;
        this.indexStale = true;
      }
    }
  }

  /**
   * The pipeline folded these events (`ProjectionFeed`): they are appended as it resolved them,
   * without reading the log again. A batch that leaves a gap after what is projected (an erasure
   * carried out between, a restart) is read from the log instead; one already projected is skipped.
   */
  receive(rows: FoldedRows): Promise<void> {
    // People now, in order with the `changed` notices that came before and after: the rows'
    // people first, then what the fold changed of them.
    const persons = rows.profiles.map((id, p) =>
      this.people.ofProfile(id, rows.refused[p] ?? null),
    );
    this.people.apply(rows);
    return this.enqueue(async () => {
      if (rows.to <= this.position) return;
      // A gap, or rows without the people's keys that experiment results need: read from the log.
      if (rows.from > this.position || (this.deps.experimentKey !== undefined && !rows.key)) {
        await this.project();
        return;
      }
      const from = this.position;
      const exposureAt = new Map(
        rows.exposures?.map(([i, experiment, variant]) => [i, { experiment, variant }]),
      );
      await this.write(
        rows.position.length,
        (i) => {
          const position = rows.position[i] as number;
          const profile = rows.profile[i] as number;
          if (position <= from) return undefined; // projected already
          return [
            position,
            rows.at[i] as number,
            rows.name[i] ?? undefined,
            persons[profile],
            rows.received[i] as number,
            rows.touch[i] ?? undefined,
            rows.revenue[i] ?? undefined,
            rows.key === undefined
              ? undefined
              : {
                  key: rows.key[i] ?? null,
                  other: rows.other?.[i] ?? null,
                  exposure: exposureAt.get(i),
                },
          ];
        },
        rows.to,
      );
    });
  }

  /**
   * Appends `count` events (row `i`: position, time, report name, person, time of receipt, touch
   * fields, revenue; one with no person or time, or none, is left out) and moves the projected
   * position to `to`, in one transaction.
   */
  private async write(
    count: number,
    row: (i: number) => ProjectedRow | undefined,
    to: number,
  ): Promise<void> {
    const index = this.index;
    const tail = index?.tailLength ?? 0;
    await this.db.run('BEGIN TRANSACTION');
    try {
      const appender = await this.db.createAppender('events');
      const exposures = await this.db.createAppender('exposures');
      for (let i = 0; i < count; i++) {
        const values = row(i);
        if (values === undefined) continue;
        const [position, at, name, person, received, touch, revenue, fields] = values;
        if (person === undefined || !Number.isFinite(at)) continue;
        const id = this.nameId(name);
        appender.appendBigInt(BigInt(position));
        appender.appendDouble(at);
        appender.appendInteger(id);
        appender.appendInteger(person);
        index?.append(person, at, id);
        if (Number.isFinite(received)) appender.appendDouble(received);
        else appender.appendNull();
        appendTouch(appender, this.touches.idOf(touch), revenue);
        appendKeys(appender, fields);
        appender.endRow();
        appendExposure(exposures, position, person, at, fields);
      }
      appender.closeSync();
      exposures.closeSync();
      await this.saveNames();
      await this.touches.save(this.db);
      await this.people.save(this.db);
      await this.db.run(`UPDATE projection_meta SET position = ${String(to)}`);
      await this.db.run('COMMIT');
    } catch (error) {
      await this.db.run('ROLLBACK');
      index?.truncate(tail);
      await this.touches.rollback(this.db);
      throw error;
    }
    this.position = to;
    if (index !== undefined && index.events > (this.deps.indexMaxEvents ?? 0)) {
      // Past its bound the index is dropped until the next open: reports read DuckDB.
      this.index = undefined;
      logError(
        `the reports index passed ${this.deps.indexMaxEvents ?? 0} events (reports.indexMaxEvents): reports now read DuckDB`,
        undefined,
      );
    }
  }

  private nameId(name: string | undefined): number {
    if (name === undefined) return NO_NAME;
    let id = this.names.get(name);
    if (id === undefined) {
      id = this.names.size + 1;
      this.names.set(name, id);
      this.newNames.push([id, name]);
    }
    return id;
  }

  private async saveNames(): Promise<void> {
    if (this.newNames.length === 0) return;
    const appender = await this.db.createAppender('event_names');
    for (const [id, name] of this.newNames) {
      appender.appendInteger(id);
      appender.appendVarchar(name);
      appender.endRow();
    }
    appender.closeSync();
    this.newNames = [];
  }

  /**
   * Each person's events (in time order) with a value per event from its name (`valueOf`: 0 for
   * a name the report does not read); `all`: every event of theirs, else only those of a value.
   * Analytics refusers and erased people are left out, merged profiles read as one; `keep` says
   * which people the report counts.
   */
  async columns(
    valueOf: (name: string | undefined) => number,
    options: { all: boolean; keep: (values: Int32Array, from: number, to: number) => boolean },
  ): Promise<ReturnType<typeof groupByPerson>> {
    return this.enqueue(async () => {
      await this.project();
      await this.loadIndex();
      const values = new Int32Array(this.names.size + 1);
      for (const [name, id] of this.names) values[id] = valueOf(name);
      // Events with no report name are read by reports that read every event only.
      values[NO_NAME] = options.all ? valueOf(undefined) : 0;
      const index = this.index;
      if (index === undefined)
        return readDuckDBColumns(this.db, values, this.people.owners(), this.people.count, options);
      const roots = this.people.roots();
      if (index.stale(roots)) await index.regroup(this.db, roots, this.names.size);
      return index.select(this.people.owners(), values, options.all, options.keep);
    });
  }

  /**
   * What reports on touchpoints read (readTouchColumns), once the projection has caught up: the
   * events whose name has a code (`nameCode`, 0: not read; every event when `all`) and those
   * whose touch combination `wants` (asked once per distinct combination), by person.
   */
  async touchColumns(options: {
    nameCode: (name: string | undefined) => number;
    wants: (fields: TouchFields) => boolean;
    all?: boolean;
  }): Promise<TouchColumns> {
    return this.enqueue(async () => {
      await this.project();
      const names = new Int32Array(this.names.size + 1);
      for (const [name, id] of this.names) names[id] = options.nameCode(name);
      names[NO_NAME] = options.all === true ? options.nameCode(undefined) : 0;
      return readTouchColumns(this.db, {
        combos: this.touches.all,
        wants: options.wants,
        names,
        all: options.all === true,
        owner: this.people.owners(),
        people: this.people.count,
      });
    });
  }

  /**
   * A report's query, run once the projection has caught up: `build` gets the id of each event
   * name (undefined: no event has it) and returns the SQL, which reads `events` through
   * projectedEvents (people as reports count them). Only its rows come back.
   */
  async query(
    build: (nameId: (name: string) => number | undefined) => string,
  ): Promise<unknown[][]> {
    return this.enqueue(async () => {
      await this.project();
      await this.syncOwners();
      const result = await this.db.runAndReadAll(build((name) => this.names.get(name)));
      return result.getRows();
    });
  }

  /** Brings the `owners` table to the people's current owners (only the rows that changed). */
  private async syncOwners(): Promise<void> {
    const owner = this.people.owners();
    const wanted = (p: number): number | undefined =>
      p < owner.length && owner[p] !== p ? owner[p] : undefined;
    const changed: number[] = [];
    for (let p = 0; p < owner.length; p++)
      if (this.exceptions.get(p) !== wanted(p)) changed.push(p);
    for (const [p] of this.exceptions) if (p >= owner.length) changed.push(p);
    if (changed.length === 0) return;
    const next = new Map(this.exceptions);
    await this.db.run('BEGIN TRANSACTION');
    try {
      for (let i = 0; i < changed.length; i += 10_000)
        await this.db.run(
          `DELETE FROM owners WHERE person IN (${changed.slice(i, i + 10_000).join(',')})`,
        );
      const appender = await this.db.createAppender('owners', 'main', 'temp');
      for (const p of changed) {
        const want = wanted(p);
        if (want === undefined) {
          next.delete(p);
          continue;
        }
        next.set(p, want);
        appender.appendInteger(p);
        appender.appendInteger(want);
        appender.endRow();
      }
      appender.closeSync();
      await this.db.run('COMMIT');
    } catch (error) {
      await this.db.run('ROLLBACK');
      throw error;
    }
    this.exceptions = next;
  }

  /**
   * An experiment's exposures and metric events as the log pass reads them (readExposures), from
   * the projected columns and the log's tail (ExperimentReader); undefined when the projection
   * keeps no people's keys or a mean metric's values are still being read.
   */
  experimentColumns(query: ExposureQuery, syncValues?: number): Promise<Exposures | undefined> {
    return this.experiments?.columns(query, syncValues) ?? Promise.resolve(undefined);
  }

  /** Starts reading these mean metrics' values from the log in the background. */
  readValues(signals: readonly MetricSignal[]): void {
    this.experiments?.readValues(signals);
  }

  /** How many events it holds and the log position it has projected to (after catching up). */
  async stats(): Promise<{ events: number; position: number }> {
    await this.catchUp();
    const count = await this.db.runAndReadAll('SELECT count(*) FROM events');
    return { events: Number(count.getRows()[0]?.[0] ?? 0), position: this.position };
  }

  /**
   * Runs `work` after the work queued before it (one at a time on the connection); a failure
   * stops nothing queued after it.
   */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Projects what is left, then closes the file. */
  async close(): Promise<void> {
    await this.queue;
    this.db.closeSync();
    this.instance.closeSync();
  }
}
