import { createHash, randomBytes } from 'node:crypto';
import type { KeyRecord, Role, StateStore } from '../store/state-store.js';
import type { RateLimit } from './keys.schema.js';
import { ReadOrder } from '../store/read-order.js';

export interface Principal {
  name: string;
  role: Role;
  /** The limit in force: the key's own, else its role's default; undefined for none. */
  rateLimit?: RateLimit | undefined;
}

/** Each role's default limit (from the config); a role absent has none. */
export type RoleRateLimits = Partial<Record<Role, RateLimit>>;

const PREFIX: Record<Role, string> = { write: 'tw', viewer: 'tv', marketer: 'tm', admin: 'ta' };

/** How many presented keys' hashes are kept. */
const PRESENTED_KEPT = 1024;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(role: Role): string {
  return `${PREFIX[role]}_${randomBytes(24).toString('base64url')}`;
}

/**
 * API keys, looked up by their sha256 in memory (every request authenticates; none touches the
 * disk for it). The store holds only hashes; a key is shown once, when it is made. Each principal
 * carries its rate limit already resolved, so limiting costs nothing more than the lookup.
 */
export class KeyRegistry {
  private byHash = new Map<string, Principal>();
  /** Readings of the store and changes made here, in order (another node or thread changes them too). */
  private readonly order = new ReadOrder();
  /**
   * The hashes of keys presented lately: every request presents one, and most present one of a
   * few, so a sha256 per request is mostly repeated work. Bounded (emptied when full), so random
   * keys cannot grow it; a hash never changes, so revocation needs nothing here.
   */
  private readonly presented = new Map<string, string>();

  private constructor(
    private readonly store: StateStore['keys'],
    private readonly defaults: RoleRateLimits,
  ) {}

  static async open(
    store: StateStore['keys'],
    defaults: RoleRateLimits = {},
  ): Promise<KeyRegistry> {
    const registry = new KeyRegistry(store, defaults);
    await registry.reload();
    return registry;
  }

  /** Reads the keys from the store again (another node changed one). */
  async reload(): Promise<void> {
    await this.order.read(
      () => this.store.list(),
      (keys) => {
        const next = new Map<string, Principal>();
        for (const k of keys) {
          if (k.revokedAt === null)
            next.set(k.hash, { name: k.name, role: k.role, rateLimit: this.limitOf(k) });
        }
        this.byHash = next;
      },
    );
  }

  private limitOf(key: Pick<KeyRecord, 'role' | 'rateLimit'>): RateLimit | undefined {
    return key.rateLimit === undefined ? this.defaults[key.role] : (key.rateLimit ?? undefined);
  }

  authenticate(key: string): Principal | undefined {
    let hash = this.presented.get(key);
    if (hash === undefined) {
      hash = hashKey(key);
      if (this.presented.size >= PRESENTED_KEPT) this.presented.clear();
      this.presented.set(key, hash);
    }
    return this.byHash.get(hash);
  }

  /** The first 8 hex digits of a key's SHA-256: enough to tell attempts apart in the audit log, too few to recover the key. */
  fingerprint(key: string): string {
    return (this.presented.get(key) ?? hashKey(key)).slice(0, 8);
  }

  /** Every key without its hash; `rateLimit` is the limit in force (null for none). */
  async list(): Promise<
    (Omit<KeyRecord, 'hash' | 'rateLimit'> & { rateLimit: RateLimit | null })[]
  > {
    return (await this.store.list()).map(({ hash: _hash, rateLimit, ...rest }) => ({
      ...rest,
      rateLimit: this.limitOf({ role: rest.role, rateLimit }) ?? null,
    }));
  }

  /**
   * Creates or replaces the key NAME; returns the new key, the only time it is visible. Its own
   * rate limit: an object, null for none, undefined for its role's default.
   */
  async create(
    name: string,
    role: Role,
    now: Date,
    key = generateKey(role),
    rateLimit?: RateLimit | null,
  ): Promise<string> {
    await this.store.put({
      name,
      role,
      hash: hashKey(key),
      createdAt: now.toISOString(),
      revokedAt: null,
      rateLimit,
    });
    await this.reload();
    return key;
  }

  /** Changes an active key's own limit without changing the key; the limit in force, or false without such a key. */
  async setRateLimit(
    name: string,
    rateLimit: RateLimit | null | undefined,
  ): Promise<{ role: Role; rateLimit: RateLimit | null } | false> {
    if (!(await this.store.setRateLimit(name, rateLimit))) return false;
    await this.reload();
    const key = (await this.store.list()).find((k) => k.name === name);
    return key === undefined ? false : { role: key.role, rateLimit: this.limitOf(key) ?? null };
  }

  async revoke(name: string, now: Date): Promise<boolean> {
    const revoked = await this.store.revoke(name, now.toISOString());
    await this.reload();
    return revoked;
  }

  async hasAnyKey(): Promise<boolean> {
    return (await this.store.list()).length > 0;
  }
}

export interface BootstrapResult {
  /** Keys made by this start, to print once. Empty when keys already existed or came from env. */
  created: { name: string; role: Role; key: string }[];
}

/**
 * At start: keys given in the environment are registered (as `env-write` / `env-admin`); on the
 * very first start without them, a write key and an admin key are made and returned to print.
 */
export async function bootstrapKeys(
  registry: KeyRegistry,
  given: { writeKey?: string | undefined; adminKey?: string | undefined },
  now: Date,
): Promise<BootstrapResult> {
  const hadKeys = await registry.hasAnyKey();
  if (given.writeKey) await registry.create('env-write', 'write', now, given.writeKey);
  if (given.adminKey) await registry.create('env-admin', 'admin', now, given.adminKey);
  const created: BootstrapResult['created'] = [];
  if (!hadKeys) {
    if (!given.writeKey)
      created.push({
        name: 'default-write',
        role: 'write',
        key: await registry.create('default-write', 'write', now),
      });
    if (!given.adminKey)
      created.push({
        name: 'default-admin',
        role: 'admin',
        key: await registry.create('default-admin', 'admin', now),
      });
  }
  return { created };
}
