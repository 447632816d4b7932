/** Where the SDK keeps its state: JSON values under `tailor.KEY`. */
export interface Store {
  /** The stored value, or undefined; never trusted blindly (a user can edit localStorage). */
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  remove(key: string): void;
}

const PREFIX = 'tailor.';

function localStorageOrNone(): Storage | undefined {
  try {
    const storage = window.localStorage;
    storage.setItem(`${PREFIX}probe`, '1');
    storage.removeItem(`${PREFIX}probe`);
    return storage;
  } catch {
    return undefined; // disabled, sandboxed or a private mode that refuses writes
  }
}

/** localStorage when the page may use it; memory otherwise, or for a value it refuses (quota). */
export function createStore(): Store {
  const storage = localStorageOrNone();
  const memory = new Map<string, string>();
  return {
    get(key) {
      let text: string | null | undefined = memory.get(key);
      if (text === undefined && storage) text = storage.getItem(PREFIX + key);
      if (text == null) return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    },
    set(key, value) {
      const text = JSON.stringify(value);
      try {
        if (!storage) throw new Error('no localStorage');
        storage.setItem(PREFIX + key, text);
        memory.delete(key);
      } catch {
        memory.set(key, text);
      }
    },
    remove(key) {
      memory.delete(key);
      try {
        storage?.removeItem(PREFIX + key);
      } catch {
        // nothing to do: the value is gone from memory and storage refuses us
      }
    },
  };
}
