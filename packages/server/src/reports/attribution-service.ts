import {
  attribute,
  DIRECT_KEY,
  type AttributionRequest,
  type AttributionResult,
  type JourneyStep,
  type StoredMessage,
} from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { ProfileReader } from '../store/profile-store.js';

export interface AttributionDeps {
  log: Pick<EventLog, 'read'>;
  profiles: Pick<ProfileReader, 'byIdentifier'>;
  /** Lets other work run between log pages (a server answering requests meanwhile). */
  pause?: () => Promise<void>;
  pageSize?: number;
}

/** The consent purpose whose refusal leaves a person out of the reports. */
export const REPORTS_PURPOSE = 'analytics';

/**
 * Multi-touch attribution over the log (docs/attribution.md). One pass over the log in position
 * order keeps, in columns, the page events with the key (`context.campaign.<by>`, `name` for
 * `campaign`) and the conversion events; then each distinct userId and anonymousId is resolved to
 * its profile (identity resolution has linked an anonymous visitor's pages to the identified
 * person's conversion, merges included), people who refused the `analytics` purpose are left out,
 * and each person's steps, in time order (log order between equal times), go to core's `attribute`.
 * An event whose identifiers have no profile yet (not folded) stands for its userId, else its
 * anonymousId.
 */
export class AttributionService {
  constructor(private readonly deps: AttributionDeps) {}

  async attribution(request: AttributionRequest): Promise<AttributionResult> {
    const field = request.by === 'campaign' ? 'name' : request.by;
    const byRevenue = request.weight === 'revenue';
    const direct = request.unkeyed === 'direct';
    const ids = new Map<string, number>();
    const idOf = (key: string): number => {
      let i = ids.get(key);
      if (i === undefined) {
        i = ids.size;
        ids.set(key, i);
      }
      return i;
    };
    const events = new StepColumns();
    const keyIndex = new Map<string, number>();
    const keys: string[] = [];
    const pageSize = this.deps.pageSize ?? 5000;
    let position = 0;
    for (;;) {
      const page = await this.deps.log.read(position, pageSize);
      if (page.length === 0) break;
      for (const { message } of page) {
        let key = -1; // a touchpoint's key index, or -1 for a conversion
        let value = 1;
        if (message.type === 'page') {
          const k = campaignField(message, field) ?? (direct ? DIRECT_KEY : undefined);
          if (k === undefined) continue;
          key = keyIndex.get(k) ?? -1;
          if (key === -1) {
            key = keys.length;
            keyIndex.set(k, key);
            keys.push(k);
          }
        } else if (message.type === 'track' && message.event === request.conversion) {
          if (byRevenue) {
            const revenue = message.properties?.revenue;
            value = typeof revenue === 'number' && Number.isFinite(revenue) ? revenue : 0;
          }
        } else continue;
        const at = Date.parse(message.timestamp);
        if (!Number.isFinite(at)) continue;
        const user = message.userId === null ? -1 : idOf(`u:${message.userId}`);
        const anonymous = message.anonymousId === null ? -1 : idOf(`a:${message.anonymousId}`);
        if (user === -1 && anonymous === -1) continue;
        events.push(user, anonymous, key, at, value);
      }
      position = page[page.length - 1]?.position ?? position;
      if (this.deps.pause) await this.deps.pause();
    }

    // Each identifier's person: its profile (or itself), and whether that person refused analytics.
    const person = new Int32Array(ids.size);
    const resolved = new Uint8Array(ids.size);
    const refused: boolean[] = [];
    const people = new Map<string, number>();
    const entries = [...ids];
    for (let start = 0; start < entries.length; start += 256) {
      const chunk = entries.slice(start, start + 256);
      const found = await Promise.all(
        chunk.map(([key]) =>
          this.deps.profiles.byIdentifier({
            type: key.startsWith('u:') ? 'userId' : 'anonymousId',
            value: key.slice(2),
          }),
        ),
      );
      chunk.forEach(([key, i], j) => {
        const profile = found[j];
        const name = profile === undefined ? key : `p:${profile.id}`;
        if (profile !== undefined) resolved[i] = 1;
        let p = people.get(name);
        if (p === undefined) {
          p = people.size;
          people.set(name, p);
          refused[p] = profile?.consent.current[REPORTS_PURPOSE]?.granted === false;
        }
        person[i] = p;
      });
    }

    // Steps grouped by person, in time order, log order between equal times.
    const n = events.count;
    const owner = new Int32Array(n);
    for (let e = 0; e < n; e++) {
      const user = events.user[e] as number;
      const anonymous = events.anonymous[e] as number;
      const byUser = user === -1 ? -1 : (person[user] as number);
      const byAnonymous = anonymous === -1 ? -1 : (person[anonymous] as number);
      // The userId's profile, else the anonymousId's, else the userId (or anonymousId) itself.
      if (user !== -1 && resolved[user] === 1) owner[e] = byUser;
      else if (anonymous !== -1 && resolved[anonymous] === 1) owner[e] = byAnonymous;
      else owner[e] = byUser !== -1 ? byUser : byAnonymous;
    }
    const order = Array.from({ length: n }, (_, i) => i).filter(
      (e) => !refused[owner[e] as number],
    );
    order.sort((x, y) => {
      const d = (owner[x] as number) - (owner[y] as number);
      if (d !== 0) return d;
      return (events.at[x] as number) - (events.at[y] as number) || x - y;
    });
    let counted = 0;
    function* journeys(): Generator<JourneyStep[]> {
      let i = 0;
      while (i < order.length) {
        const who = owner[order[i] as number];
        const steps: JourneyStep[] = [];
        for (; i < order.length && owner[order[i] as number] === who; i++) {
          const e = order[i] as number;
          const key = events.key[e] as number;
          const at = events.at[e] as number;
          steps.push(
            key === -1
              ? { kind: 'conversion', at, value: events.value[e] as number }
              : { kind: 'touch', key: keys[key] as string, at },
          );
        }
        counted++;
        yield steps;
      }
    }
    const result = attribute(journeys(), {
      models: request.models,
      lookbackDays: request.lookbackDays,
      halfLifeDays: request.halfLifeDays,
      paths: request.paths,
    });
    return { ...result, people: counted };
  }
}

function campaignField(message: StoredMessage, field: string): string | undefined {
  const campaign = message.context.campaign;
  if (typeof campaign !== 'object' || campaign === null) return undefined;
  const value = (campaign as Record<string, unknown>)[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Growable typed columns: one row per touchpoint or conversion, no object per event. */
class StepColumns {
  count = 0;
  user = new Int32Array(1024);
  anonymous = new Int32Array(1024);
  key = new Int32Array(1024);
  at = new Float64Array(1024);
  value = new Float64Array(1024);

  push(user: number, anonymous: number, key: number, at: number, value: number): void {
    if (this.count === this.user.length) {
      this.user = grow(this.user);
      this.anonymous = grow(this.anonymous);
      this.key = grow(this.key);
      this.at = grow(this.at);
      this.value = grow(this.value);
    }
    const i = this.count++;
    this.user[i] = user;
    this.anonymous[i] = anonymous;
    this.key[i] = key;
    this.at[i] = at;
    this.value[i] = value;
  }
}

function grow<T extends Int32Array | Float64Array>(array: T): T {
  const bigger = new (array.constructor as new (n: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}
