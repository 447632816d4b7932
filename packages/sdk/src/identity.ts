import { readCookie, writeCookie } from './cookie.js';
import type { Store } from './storage.js';
import { uuid } from './uuid.js';

export type Traits = Record<string, unknown>;

/** Who the browser's user is: a durable anonymousId, and the userId and traits identify gave. */
export interface Identity {
  anonymousId(): string;
  userId(): string | undefined;
  traits(): Traits;
  /** Remembers userId and traits; traits merge unless the userId changes. Returns the traits to send. */
  identify(userId: string | undefined, traits: Traits | undefined): Traits;
  /** A new anonymousId; forgets userId and traits. */
  reset(): void;
}

const COOKIE = 'tailor_anonymous_id';
const YEAR = 365;

function isObject(value: unknown): value is Traits {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The anonymousId lives in a first-party cookie and in localStorage: either one restores the other,
 * so clearing one of them (or a browser that expires script-set cookies early) keeps the same id.
 */
export function createIdentity(store: Store, cookieDomain?: string): Identity {
  const stored = store.get('anonymous_id');
  let anonymousId = readCookie(COOKIE) ?? (typeof stored === 'string' && stored ? stored : uuid());
  const keep = (): void => {
    writeCookie(COOKIE, anonymousId, YEAR, cookieDomain);
    store.set('anonymous_id', anonymousId);
  };
  keep();

  const userId = (): string | undefined => {
    const id = store.get('user_id');
    return typeof id === 'string' ? id : undefined;
  };
  const traits = (): Traits => {
    const value = store.get('user_traits');
    return isObject(value) ? value : {};
  };

  return {
    anonymousId: () => anonymousId,
    userId,
    traits,
    identify(id, newTraits) {
      const current = userId();
      // Like analytics.js: the same person (or a first identify) accumulates traits, another one starts afresh.
      const merged =
        id === undefined || current === undefined || current === id
          ? { ...traits(), ...newTraits }
          : { ...newTraits };
      if (id !== undefined) store.set('user_id', id);
      store.set('user_traits', merged);
      return merged;
    },
    reset() {
      anonymousId = uuid();
      keep();
      store.remove('user_id');
      store.remove('user_traits');
    },
  };
}
