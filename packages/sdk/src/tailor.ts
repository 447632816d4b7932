import { createConsent, type Consent, type Purposes } from './consent.js';
import { decide as askServer, fallbacks, type Decision } from './decide.js';
import { createIdentity, type Identity, type Traits } from './identity.js';
import { consentContext, createMessage, type MessageType } from './message.js';
import { pageContext, timeZone } from './page-context.js';
import { createQueue, type Queue } from './queue.js';
import { createStore } from './storage.js';

export interface LoadOptions {
  /** The Tailor server, e.g. `https://cdp.example.com`; by default the origin the script came from. */
  host?: string;
  /** Keep everything in storage, unsent, until the first setConsent (by default it sends at once). */
  waitForConsent?: boolean;
  /** Send as soon as this many messages wait (default 20). */
  flushAt?: number;
  /** Otherwise send this many milliseconds after a message (default 500). */
  flushInterval?: number;
  /** Messages kept while the server cannot be reached; the oldest are dropped (default 500). */
  maxQueueSize?: number;
  /** decide() falls back after this many milliseconds (default 1500). */
  decideTimeout?: number;
  /** Domain of the anonymousId cookie, e.g. `example.com` to share it across subdomains (default: this host). */
  cookieDomain?: string;
}

export type Properties = Record<string, unknown>;
/** Ids may be numbers, as in Segment's spec; they are sent as strings. */
export type Id = string | number;

/** window.tailor */
export interface Tailor {
  load(writeKey: string, options?: LoadOptions): void;
  /** page(), page(name), page(name, properties), page(category, name, properties?), page(properties) */
  page(
    category?: string | Properties | null,
    name?: string | Properties | null,
    properties?: Properties,
  ): void;
  track(event: string, properties?: Properties): void;
  /** identify(userId, traits?) or identify(traits) */
  identify(userId?: Id | Traits | null, traits?: Traits): void;
  alias(userId: Id, previousId?: Id): void;
  group(groupId: Id, traits?: Traits): void;
  /** A new anonymousId; forgets userId, traits and unsent messages. */
  reset(): void;
  setConsent(purposes: Purposes): void;
  /** Never rejects: fallbacks when the server cannot answer in time or personalization is refused. */
  decide(placements: string[], context?: Record<string, unknown>): Promise<Decision[]>;
  anonymousId(): string | undefined;
  userId(): string | undefined;
}

interface Loaded {
  writeKey: string;
  host: string;
  options: LoadOptions;
  identity: Identity;
  consent: Consent;
  queue: Queue;
  held(): boolean;
}

const MAX_EARLY_CALLS = 100;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A failing call logs and returns: the SDK must never break the page. */
function safe<A extends unknown[]>(call: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      call(...args);
    } catch (error) {
      console.warn('tailor:', error);
    }
  };
}

function listen(loaded: Loaded): void {
  const { queue } = loaded;
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') queue.beacon();
  });
  window.addEventListener('pagehide', () => {
    queue.beacon();
  });
  window.addEventListener('online', () => {
    queue.flush(true);
  });
}

export function createTailor(defaultHost: string): Tailor {
  let loaded: Loaded | undefined;
  const early: ((loaded: Loaded) => void)[] = [];
  // Calls made before load wait for it (it brings the options: host, waitForConsent, cookie domain).
  const whenLoaded = (call: (loaded: Loaded) => void): void => {
    if (loaded) call(loaded);
    else if (early.length < MAX_EARLY_CALLS) early.push(call);
  };
  const send = (type: MessageType, fields: Record<string, unknown>): void => {
    whenLoaded(({ identity, consent, queue }) => {
      if (!consent.allows('analytics')) return; // refused: dropped, never stored
      queue.push(
        createMessage(type, fields, {
          anonymousId: identity.anonymousId(),
          userId: identity.userId(),
          consent: consent.get(),
        }),
      );
    });
  };

  return {
    load: safe((writeKey: string, options: LoadOptions = {}) => {
      if (loaded) return;
      if (typeof writeKey !== 'string' || !writeKey) throw new Error('load needs a write key');
      const host = (options.host ?? defaultHost).replace(/\/+$/, '');
      const store = createStore();
      const consent = createConsent(store);
      const held = (): boolean => options.waitForConsent === true && consent.get() === undefined;
      const queue = createQueue({
        store,
        url: `${host}/v1/batch`,
        writeKey,
        flushAt: options.flushAt ?? 20,
        flushInterval: options.flushInterval ?? 500,
        maxSize: options.maxQueueSize ?? 500,
        held,
      });
      const current: Loaded = {
        writeKey,
        host,
        options,
        identity: createIdentity(store, options.cookieDomain),
        consent,
        queue,
        held,
      };
      loaded = current;
      listen(current);
      queue.flush(); // what an earlier page left unsent
      for (const call of early.splice(0)) call(current);
    }),

    page: safe((a?: string | Properties | null, b?: string | Properties | null, c?: Properties) => {
      let category: string | null | undefined;
      let name: string | null | undefined;
      let properties: Properties | undefined;
      if (isObject(a)) properties = a;
      else if (isObject(b)) [name, properties] = [a, b];
      else if (typeof b === 'string') [category, name, properties] = [a, b, c];
      else name = a;
      const named = { ...(name && { name }), ...(category && { category }) };
      send('page', { ...named, properties: { ...pageContext(), ...named, ...properties } });
    }),

    track: safe((event: string, properties?: Properties) => {
      send('track', { event, properties: { ...properties } });
    }),

    identify: safe((a?: Id | Traits | null, b?: Traits) => {
      whenLoaded(({ identity }) => {
        const userId = isObject(a) || a == null ? undefined : String(a);
        send('identify', { traits: identity.identify(userId, isObject(a) ? a : b) });
      });
    }),

    alias: safe((userId: Id, previousId?: Id) => {
      whenLoaded(({ identity }) => {
        const previous =
          previousId === undefined
            ? (identity.userId() ?? identity.anonymousId())
            : String(previousId);
        send('alias', { userId: String(userId), previousId: previous });
      });
    }),

    group: safe((groupId: Id, traits?: Traits) => {
      send('group', { groupId: String(groupId), traits: { ...traits } });
    }),

    reset: safe(() => {
      whenLoaded(({ identity, queue }) => {
        identity.reset();
        queue.edit(() => []);
      });
    }),

    setConsent: safe((purposes: Purposes) => {
      whenLoaded(({ consent, queue }) => {
        if (!isObject(purposes)) return;
        const known = consent.set(purposes);
        if (known.analytics === false) {
          queue.edit(() => []); // held (or unsent) messages go with the refusal
          return;
        }
        // Messages held before the choice carry it too.
        queue.edit((messages) =>
          messages.map((m) =>
            m.context.consent ? m : { ...m, context: { ...m.context, ...consentContext(known) } },
          ),
        );
        queue.flush();
      });
    }),

    decide(placements, context) {
      const names = Array.isArray(placements)
        ? placements.filter((p): p is string => typeof p === 'string')
        : [];
      try {
        if (names.length === 0) return Promise.resolve([]);
        if (!loaded) return Promise.resolve(fallbacks(names, 'tailor.load was not called'));
        const { identity, consent, host, writeKey, options } = loaded;
        if (!consent.allows('personalization'))
          return Promise.resolve(fallbacks(names, 'no consent to personalization'));
        if (loaded.held()) return Promise.resolve(fallbacks(names, 'waiting for consent'));
        const userId = identity.userId();
        return askServer({
          url: `${host}/v1/decide`,
          timeoutMs: options.decideTimeout ?? 1500,
          body: {
            writeKey,
            ...(userId !== undefined && { userId }),
            anonymousId: identity.anonymousId(),
            placements: names,
            context: {
              page: pageContext(),
              locale: navigator.language,
              timezone: timeZone(),
              ...context,
            },
          },
        });
      } catch (error) {
        return Promise.resolve(fallbacks(names, String(error)));
      }
    },

    anonymousId: () => loaded?.identity.anonymousId(),
    userId: () => loaded?.identity.userId(),
  };
}
