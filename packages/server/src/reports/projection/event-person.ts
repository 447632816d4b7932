import type { IdentifierRef, StoredMessage } from '@tailor/core';
import type { ProfileReader, StoredProfile } from '../../store/profile-store.js';

/** Identifiers remembered with what they resolved to; past this many the memory is emptied. */
const CACHE_LIMIT = 500_000;

/**
 * Resolves an event to its person as reports reading the log do: its userId's profile, else its
 * anonymousId's, remembered per identifier (bounded) until the pipeline says it changed.
 */
export class EventPeople<T> {
  private readonly memory = new Map<string, Promise<T | undefined>>();

  constructor(
    private readonly profiles: Pick<ProfileReader, 'byIdentifier'>,
    /** What is kept of a profile found. */
    private readonly take: (profile: StoredProfile) => T,
  ) {}

  of(message: StoredMessage): Promise<T | undefined> {
    const key =
      message.userId !== null
        ? `u:${message.userId}`
        : message.anonymousId !== null
          ? `a:${message.anonymousId}`
          : undefined;
    if (key === undefined) return Promise.resolve(undefined);
    let found = this.memory.get(key);
    if (found === undefined) {
      if (this.memory.size >= CACHE_LIMIT) this.memory.clear();
      found = this.read(message);
      this.memory.set(key, found);
      found.catch(() => this.memory.delete(key)); // read again next time
    }
    return found;
  }

  /** These identifiers moved (linked, merged, erased): read them again. */
  forget(identifiers: Iterable<IdentifierRef>): void {
    for (const { type, value } of identifiers) {
      if (type === 'userId') this.memory.delete(`u:${value}`);
      if (type === 'anonymousId') this.memory.delete(`a:${value}`);
    }
  }

  /** Forgets everything (an erasure: numbers may point to no one). */
  clear(): void {
    this.memory.clear();
  }

  private async read(message: StoredMessage): Promise<T | undefined> {
    let profile =
      message.userId === null
        ? undefined
        : await this.profiles.byIdentifier({ type: 'userId', value: message.userId });
    if (profile === undefined && message.anonymousId !== null)
      profile = await this.profiles.byIdentifier({
        type: 'anonymousId',
        value: message.anonymousId,
      });
    return profile === undefined ? undefined : this.take(profile);
  }
}
