import type { DuckDBConnection } from '@duckdb/node-api';
import type { IdentifierRef, StoredMessage } from '@tailor/core';
import type { ProfileReader, StoredProfile } from '../../store/profile-store.js';
import { REPORTS_PURPOSE } from '../person-timelines.js';
import { EventPeople } from './event-person.js';
import type { FoldedRows } from './projection-feed.js';

/** `into` of a person merged into no one. */
const ROOT = -1;
/** `into` of an erased person (or an id no longer used): their events are left out. */
const GONE = -2;
/** Profiles read from the store at once. */
const CHUNK = 256;

/**
 * The projection's people: a number per profile events were folded into, what it was merged
 * into since, and whether it refused the `analytics` purpose. Kept in memory and in the
 * `persons` table; the profile store is the truth, read again for each profile the pipeline
 * says it changed (and for all of them when the projection is opened).
 */
export class ProjectionPeople {
  private readonly profile: (string | undefined)[] = [];
  private readonly into: number[] = [];
  private readonly refused: boolean[] = [];
  private readonly byProfile = new Map<string, number>();
  /** Each event's person, as the store resolves its identifiers. */
  private readonly events: EventPeople<number>;
  private readonly stale = new Set<string>();
  private dirty = new Set<number>();

  private constructor(private readonly profiles: Pick<ProfileReader, 'byIdentifier' | 'byId'>) {
    this.events = new EventPeople(profiles, (profile) => this.personOf(profile));
  }

  static async load(
    db: DuckDBConnection,
    profiles: Pick<ProfileReader, 'byIdentifier' | 'byId'>,
  ): Promise<ProjectionPeople> {
    const people = new ProjectionPeople(profiles);
    const rows = await db.runAndReadAll('SELECT id, profile, into_id, refused FROM persons');
    for (const [id, profile, into, refused] of rows.getRows()) {
      const p = Number(id);
      while (people.profile.length <= p) {
        people.profile.push(undefined);
        people.into.push(GONE);
        people.refused.push(false);
      }
      people.profile[p] = String(profile);
      people.into[p] = Number(into);
      people.refused[p] = refused === true;
      people.byProfile.set(String(profile), p);
      people.stale.add(String(profile)); // changes made while closed: checked before the first report
    }
    return people;
  }

  /** How many person numbers there are (erased ones included). */
  get count(): number {
    return this.profile.length;
  }

  changed(profiles: Iterable<string>, identifiers: Iterable<IdentifierRef>): void {
    for (const id of profiles) this.stale.add(id);
    this.events.forget(identifiers);
  }

  /**
   * The person an event belongs to, as readPeople resolves it: its userId's profile, else its
   * anonymousId's. Undefined when neither has one (an event folded under no profile).
   */
  of(message: StoredMessage): Promise<number | undefined> {
    return this.events.of(message);
  }

  /**
   * The person of a profile the pipeline resolved an event to (`ProjectionFeed`). What it says of
   * consent is taken for a person seen for the first time only (later changes come through
   * `changed`); unknown (null), the profile is read again before the next report.
   */
  ofProfile(id: string, refused: boolean | null): number {
    const known = this.byProfile.get(id);
    if (known !== undefined) return known;
    const p = this.profile.length;
    this.profile.push(id);
    this.into.push(ROOT);
    this.refused.push(refused === true);
    this.byProfile.set(id, p);
    this.dirty.add(p);
    if (refused === null) this.stale.add(id);
    return p;
  }

  /**
   * What a fold changed of people (`ProjectionFeed`), told in the order it happened with the
   * pipeline's `changed` notices: taken as is, so those profiles need not be read again. Only
   * people the projection holds (and the profiles they were merged into) are kept.
   */
  apply(rows: Pick<FoldedRows, 'merged' | 'consent'>): void {
    const refusing = new Map(rows.consent);
    for (const [id, refused] of rows.consent) {
      const p = this.byProfile.get(id);
      this.stale.delete(id);
      if (p === undefined || this.refused[p] === refused) continue;
      this.refused[p] = refused;
      this.dirty.add(p);
    }
    for (const [from, into] of rows.merged) {
      const p = this.byProfile.get(from);
      this.stale.delete(from);
      if (p === undefined) continue;
      const to = this.ofProfile(into, refusing.get(into) ?? null);
      if (this.into[p] === to) continue;
      this.into[p] = to;
      this.dirty.add(p);
    }
  }

  private personOf(profile: StoredProfile): number {
    let p = this.byProfile.get(profile.id);
    if (p === undefined) {
      p = this.profile.length;
      this.profile.push(profile.id);
      this.into.push(ROOT);
      this.refused.push(false);
      this.byProfile.set(profile.id, p);
      this.dirty.add(p);
    }
    const refused = profile.consent.current[REPORTS_PURPOSE]?.granted === false;
    if (this.refused[p] !== refused) {
      this.refused[p] = refused;
      this.dirty.add(p);
    }
    return p;
  }

  /**
   * Reads the changed profiles again: one merged into another points to it, an erased one's
   * events are deleted (and the file checkpointed, so the deleted rows leave it), consent is
   * taken again. Answers how many were erased.
   */
  async recheck(db: DuckDBConnection): Promise<number> {
    const ids = [...this.stale].filter((id) => this.byProfile.has(id));
    this.stale.clear();
    const erased: number[] = [];
    for (let start = 0; start < ids.length; start += CHUNK) {
      const chunk = ids.slice(start, start + CHUNK);
      const found = await Promise.all(chunk.map((id) => this.profiles.byId(id)));
      chunk.forEach((id, i) => {
        const p = this.byProfile.get(id) as number;
        const profile = found[i];
        if (profile === undefined) {
          this.into[p] = GONE;
          this.profile[p] = undefined;
          this.byProfile.delete(id);
          this.dirty.add(p);
          erased.push(p);
        } else if (profile.id !== id) {
          const into = this.personOf(profile);
          if (this.into[p] !== into) {
            this.into[p] = into;
            this.dirty.add(p);
          }
        } else this.personOf(profile);
      });
    }
    if (erased.length > 0) this.events.clear();
    if (erased.length === 0 && this.dirty.size === 0) return 0;
    await db.run('BEGIN TRANSACTION');
    try {
      if (erased.length > 0) {
        const gone = erased.join(',');
        // Their exposures and metric values (experiment results) leave with their events.
        await db.run(`DELETE FROM exposures WHERE person IN (${gone})`);
        await db.run(
          `DELETE FROM metric_values WHERE position IN (SELECT position FROM events WHERE person IN (${gone}))`,
        );
        await db.run(`DELETE FROM events WHERE person IN (${gone})`);
      }
      await this.save(db);
      await db.run('COMMIT');
    } catch (error) {
      await db.run('ROLLBACK');
      throw error;
    }
    if (erased.length > 0) await db.run('CHECKPOINT');
    return erased.length;
  }

  /** Writes the people changed since the last save (within the caller's transaction). */
  async save(db: DuckDBConnection): Promise<void> {
    if (this.dirty.size === 0) return;
    const dirty = [...this.dirty];
    this.dirty = new Set();
    await db.run(`DELETE FROM persons WHERE id IN (${dirty.join(',')})`);
    const appender = await db.createAppender('persons');
    for (const p of dirty) {
      const profile = this.profile[p];
      if (profile === undefined) continue;
      appender.appendInteger(p);
      appender.appendVarchar(profile);
      appender.appendInteger(this.into[p] as number);
      appender.appendBoolean(this.refused[p] === true);
      appender.endRow();
    }
    appender.closeSync();
  }

  /**
   * Each person number's owner for a report: the person it was merged into (through every
   * merge), or -1 when that person is erased or refused analytics.
   */
  owners(): Int32Array {
    const owner = this.roots();
    for (let p = 0; p < owner.length; p++) {
      const root = owner[p] as number;
      if (root >= 0 && this.refused[root] === true) owner[p] = -1;
    }
    return owner;
  }

  /**
   * Each person number's root: the person it was merged into (through every merge), or -1 when
   * that person is erased. Refusals are left to owners (consent can be given again).
   */
  roots(): Int32Array {
    const root = new Int32Array(this.profile.length);
    for (let p = 0; p < root.length; p++) {
      let r = p;
      for (let hops = 0; (this.into[r] as number) >= 0 && hops < root.length; hops++)
        r = this.into[r] as number;
      root[p] = this.into[r] === GONE ? -1 : r;
    }
    return root;
  }
}
