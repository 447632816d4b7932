import type { StoredMessage } from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { ProfileReader, StoredProfile } from '../store/profile-store.js';

export interface TimelineDeps {
  log: Pick<EventLog, 'read'>;
  profiles: Pick<ProfileReader, 'byIdentifier'>;
  /** Lets other work run between log pages (a server answering requests meanwhile). */
  pause?: () => Promise<void>;
  pageSize?: number;
}

/** The consent purpose whose refusal leaves a person out of the reports. */
export const REPORTS_PURPOSE = 'analytics';

/** The name a report calls a message by: a track's event, `Page Viewed`, `Screen Viewed`. */
export function eventName(message: StoredMessage): string | undefined {
  if (message.type === 'track') return message.event;
  if (message.type === 'page') return 'Page Viewed';
  if (message.type === 'screen') return 'Screen Viewed';
  return undefined;
}
/** One event a report kept
: its time (ms) and what the report picked from it. */
export interface TimedItem<T> {
  at: number;
  item: T;
}

/**
 * Each person's events as a report needs them, in time order (log order between equal times).
 * One pass over the log in position order keeps what `pick` returns for each message (undefined:
 * not wanted); then each distinct userId and anonymousId is resolved to its profile, so an
 * anonymous visitor's events join the identified person's (merges included), and people who
 * refused the `analytics` purpose are left out. An event whose identifiers have no profile yet
 * (not folded) stands for its userId, else its anonymousId. Erased people's events are no longer
 * in the log.
 */
export async function readPersonTimelines<T>(
  deps: TimelineDeps,
  pick: (message: StoredMessage) => T | undefined,
): Promise<TimedItem<T>[][]> {
  const people = await readPeople(deps, pick, () => undefined);
  return people.map((person) => person.events);
}

/** A person as a report reads them: their picked events, and what `describe` kept of their profile. */
export interface ReportPerson<T, P> {
  events: TimedItem<T>[];
  /** Undefined for a person with no profile yet (events not folded). */
  profile: P | undefined;
}

/**
 * readPersonTimelines, with what `describe` keeps of each person's profile (their segments, a
 * computed value) beside their events: only that is held, not the profiles.
 */
export async function readPeople<T, P>(
  deps: TimelineDeps,
  pick: (message: StoredMessage) => T | undefined,
  describe: (profile: StoredProfile) => P,
): Promise<ReportPerson<T, P>[]> {
  const ids = new Map<string, number>();
  const idOf = (key: string): number => {
    let i = ids.get(key);
    if (i === undefined) {
      i = ids.size;
      ids.set(key, i);
    }
    return i;
  };
  const columns = new EventColumns();
  const items: T[] = [];
  const pageSize = deps.pageSize ?? 5000;
  let position = 0;
  for (;;) {
    const page = await deps.log.read(position, pageSize);
    if (page.length === 0) break;
    for (const { message } of page) {
      const item = pick(message);
      if (item === undefined) continue;
      const at = Date.parse(message.timestamp);
      if (!Number.isFinite(at)) continue;
      const user = message.userId === null ? -1 : idOf(`u:${message.userId}`);
      const anonymous = message.anonymousId === null ? -1 : idOf(`a:${message.anonymousId}`);
      if (user === -1 && anonymous === -1) continue;
      columns.push(user, anonymous, at);
      items.push(item);
    }
    position = page[page.length - 1]?.position ?? position;
    if (deps.pause) await deps.pause();
  }

  // Each identifier's person: its profile (or itself), and whether that person refused analytics.
  const person = new Int32Array(ids.size);
  const resolved = new Uint8Array(ids.size);
  const refused: boolean[] = [];
  const described: (P | undefined)[] = [];
  const people = new Map<string, number>();
  const entries = [...ids];
  for (let start = 0; start < entries.length; start += 256) {
    const chunk = entries.slice(start, start + 256);
    const found = await Promise.all(
      chunk.map(([key]) =>
        deps.profiles.byIdentifier({
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
        described[p] = profile === undefined || refused[p] ? undefined : describe(profile);
      }
      person[i] = p;
    });
  }

  const n = columns.count;
  const owner = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    const user = columns.user[e] as number;
    const anonymous = columns.anonymous[e] as number;
    // The userId's profile, else the anonymousId's, else the userId (or anonymousId) itself.
    if (user !== -1 && resolved[user] === 1) owner[e] = person[user] as number;
    else if (anonymous !== -1 && resolved[anonymous] === 1) owner[e] = person[anonymous] as number;
    else owner[e] = user !== -1 ? (person[user] as number) : (person[anonymous] as number);
  }
  const order = Array.from({ length: n }, (_, i) => i).filter((e) => !refused[owner[e] as number]);
  order.sort(
    (x, y) =>
      (owner[x] as number) - (owner[y] as number) ||
      (columns.at[x] as number) - (columns.at[y] as number) ||
      x - y,
  );
  const result: ReportPerson<T, P>[] = [];
  for (let i = 0; i < order.length;) {
    const who = owner[order[i] as number] as number;
    const events: TimedItem<T>[] = [];
    for (; i < order.length && owner[order[i] as number] === who; i++) {
      const e = order[i] as number;
      events.push({ at: columns.at[e] as number, item: items[e] as T });
    }
    result.push({ events, profile: described[who] });
  }
  return result;
}

/** Growable typed columns: who and when, one row per kept event. */
class EventColumns {
  count = 0;
  user = new Int32Array(1024);
  anonymous = new Int32Array(1024);
  at = new Float64Array(1024);

  push(user: number, anonymous: number, at: number): void {
    if (this.count === this.user.length) {
      this.user = grow(this.user);
      this.anonymous = grow(this.anonymous);
      this.at = grow(this.at);
    }
    const i = this.count++;
    this.user[i] = user;
    this.anonymous[i] = anonymous;
    this.at[i] = at;
  }
}

/** A typed array twice as long, holding the same values first. */
export function grow<T extends Int32Array | Float64Array | Uint8Array>(array: T): T {
  const bigger = new (array.constructor as new (n: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}
