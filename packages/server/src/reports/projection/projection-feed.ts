import type { GraphChanges, IdentifierRef, ProfileState, StoredMessage } from '@tailor/core';
import type { LoggedEvent } from '../../log/event-log.js';
import type { PipelineStage } from '../../pipeline/profile-pipeline.js';
import type { ProfileReader } from '../../store/profile-store.js';
import { experimentFieldsOf, type ExperimentKey } from '../../experiments/experiment-rows.js';
import { eventName, REPORTS_PURPOSE } from '../person-timelines.js';
import { touchFields, type TouchFields } from '../touch-key.js';
import { EventPeople } from './event-person.js';
import { revenueOf } from './touch-columns.js';

/**
 * The rows of one folded batch for the reports projection: for each event its position, time,
 * report name and the profile it belongs to (an index into `profiles`, -1 for none), as the
 * pipeline that folded it resolved them. Plain arrays: it crosses from the worker thread.
 */
export interface FoldedRows {
  /** The batch folded the events in (from, to]. */
  from: number;
  to: number;
  position: number[];
  at: number[];
  /** When the log received each (ms), read by the log's retention. */
  received: number[];
  name: (string | null)[];
  profile: number[];
  /** What attribution reads of each (touchRow): its touch fields, its revenue. */
  touch: (TouchFields | null)[];
  revenue: (number | null)[];
  /**
   * What experiment results read (experiment-rows.ts): each event's person key and second key
   * (null: none), and the exposures among them as [row index, experiment, variant]. Absent when
   * the feed was given no keys.
   */
  key?: (bigint | null)[];
  other?: (bigint | null)[];
  exposures?: [row: number, experiment: string, variant: string][];
  /**
   * The batch's profiles, and whether each refused the purpose reports need when it was read
   * (null: not known here since a change; the projection reads the profile itself).
   */
  profiles: string[];
  refused: (boolean | null)[];
  /**
   * What the fold changed of people: profiles merged (from, into), and every profile it changed
   * with whether it now refuses the purpose. The projection takes these instead of reading the
   * profiles the pipeline says changed.
   */
  merged: [from: string, into: string][];
  consent: [profile: string, refused: boolean][];
}

/**
 * A pipeline stage that hands each folded batch to the reports projection as rows, so the
 * projection never reads, decrypts and resolves the log a second time on the request thread
 * (it does that only to fill a gap: after a restart, an erasure, or while it was closed), nor
 * reads again every profile the pipeline changed. It runs where the pipeline runs (serve's
 * worker thread).
 * A person is the profile the fold put the event in (for an event it did not place: their
 * userId's profile, else their anonymousId's, as the projection's own reading resolves them).
 */
export class ProjectionFeed implements PipelineStage {
  /** The profile ids of events the fold did not place. */
  private readonly unplaced: EventPeople<string>;
  private readonly refusedOf = new Map<string, boolean>();

  constructor(
    private readonly options: {
      profiles: Pick<ProfileReader, 'byIdentifier'>;
      send: (rows: FoldedRows) => void;
      /** Keys people for experiment results (experimentKeys); none, the rows carry no keys. */
      experimentKey?: ExperimentKey;
    },
  ) {
    this.unplaced = new EventPeople(options.profiles, (profile) => {
      this.refusedOf.set(profile.id, refuses(profile));
      return profile.id;
    });
  }

  /** The pipeline changed these profiles and identifiers: resolve them again. */
  changed(profiles: Iterable<string>, identifiers: Iterable<IdentifierRef>): void {
    for (const id of profiles) this.refusedOf.delete(id);
    this.unplaced.forget(identifiers);
  }

  async follow(
    events: readonly LoggedEvent[],
    range: { from: number; to: number },
    changes?: GraphChanges,
  ): Promise<void> {
    const rows: FoldedRows = {
      ...range,
      position: [],
      at: [],
      received: [],
      name: [],
      profile: [],
      touch: [],
      revenue: [],
      profiles: [],
      refused: [],
      merged: [],
      consent: [],
    };
    // The fold says which profile each event went to and what it made of each profile.
    const assigned = new Map<number, string>();
    if (changes !== undefined) {
      for (const { position, profileId } of changes.assignments) assigned.set(position, profileId);
      for (const [id, profile] of changes.touched) {
        const refused = refuses(profile);
        this.refusedOf.set(id, refused);
        rows.consent.push([id, refused]);
      }
      for (const { from, into } of changes.merges) rows.merged.push([from, into]);
    }
    const resolved = await Promise.all(
      events.map(({ position, message }) => {
        const profile = assigned.get(position);
        return profile === undefined ? this.unplaced.of(message) : Promise.resolve(profile);
      }),
    );
    const index = new Map<string, number>();
    const keyOf = this.options.experimentKey;
    const key: (bigint | null)[] = [];
    const other: (bigint | null)[] = [];
    const exposures: [number, string, string][] = [];
    if (keyOf !== undefined) Object.assign(rows, { key, other, exposures });
    events.forEach(({ position, message }, i) => {
      const id = resolved[i];
      let p = -1;
      if (id !== undefined) {
        p = index.get(id) ?? -1;
        if (p === -1) {
          p = rows.profiles.length;
          index.set(id, p);
          rows.profiles.push(id);
          rows.refused.push(this.refusedOf.get(id) ?? null);
        }
      }
      rows.position.push(position);
      rows.at.push(Date.parse(message.timestamp));
      rows.received.push(Date.parse(message.receivedAt));
      rows.name.push(eventName(message) ?? null);
      rows.profile.push(p);
      pushTouchRow(rows, message);
      if (keyOf === undefined) return;
      const fields = experimentFieldsOf(message, keyOf);
      key.push(fields.key);
      other.push(fields.other);
      if (fields.exposure !== undefined)
        exposures.push([i, fields.exposure.experiment, fields.exposure.variant]);
    });
    this.options.send(rows);
  }
}

/** What attribution reads of an event (docs/reports.md): its touch fields and revenue, if any. */
function pushTouchRow(rows: Pick<FoldedRows, 'touch' | 'revenue'>, message: StoredMessage): void {
  rows.touch.push(touchFields(message) ?? null);
  rows.revenue.push(revenueOf(message) ?? null);
}

/** Whether a profile refuses the purpose reports need. */
const refuses = (profile: Pick<ProfileState, 'consent'>): boolean =>
  profile.consent.current[REPORTS_PURPOSE]?.granted === false;
