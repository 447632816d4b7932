import type { Store } from './storage.js';

/** Consent per purpose, e.g. `{analytics: true, personalization: false}`. */
export type Purposes = Record<string, boolean>;

export interface Consent {
  /** What the user chose, or undefined before any setConsent (ever, on this browser). */
  get(): Purposes | undefined;
  /** Merges the purposes given into those known (anything but `true` refuses), stores and returns them. */
  set(purposes: Record<string, unknown>): Purposes;
  /** False only when the purpose was explicitly refused. */
  allows(purpose: string): boolean;
}

export function createConsent(store: Store): Consent {
  const get = (): Purposes | undefined => {
    const value = store.get('consent');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const purposes: Purposes = {};
    for (const [name, allowed] of Object.entries(value))
      if (typeof allowed === 'boolean') purposes[name] = allowed;
    return purposes;
  };
  return {
    get,
    set(purposes) {
      const merged: Purposes = { ...get() };
      for (const [name, allowed] of Object.entries(purposes)) merged[name] = allowed === true;
      store.set('consent', merged);
      return merged;
    },
    allows: (purpose) => get()?.[purpose] !== false,
  };
}
