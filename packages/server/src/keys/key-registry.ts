import { createHash, randomBytes } from 'node:crypto';
import type { KeyRecord, Role, StateStore } from '../store/state-store.js';

export interface Principal {
  name: string;
  role: Role;
}

const PREFIX: Record<Role, string> = { write: 'tw', viewer: 'tv', marketer: 'tm', admin: 'ta' };

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(role: Role): string {
  return `${PREFIX[role]}_${randomBytes(24).toString('base64url')}`;
}

/**
 * API keys, looked up by their sha256 in memory (every request authenticates; none touches the
 * disk for it). The store holds only hashes; a key is shown once, when it is made.
 */
export class KeyRegistry {
  private byHash = new Map<string, Principal>();

  private constructor(private readonly store: StateStore['keys']) {}

  static async open(store: StateStore['keys']): Promise<KeyRegistry> {
    const registry = new KeyRegistry(store);
    await registry.reload();
    return registry;
  }

  private async reload(): Promise<void> {
    const next = new Map<string, Principal>();
    for (const k of await this.store.list()) {
      if (k.revokedAt === null) next.set(k.hash, { name: k.name, role: k.role });
    }
    this.byHash = next;
  }

  authenticate(key: string): Principal | undefined {
    return this.byHash.get(hashKey(key));
  }

  async list(): Promise<Omit<KeyRecord, 'hash'>[]> {
    return (await this.store.list()).map(({ hash: _hash, ...rest }) => rest);
  }

  /** Creates or replaces the key NAME; returns the new key, the only time it is visible. */
  async create(name: string, role: Role, now: Date, key = generateKey(role)): Promise<string> {
    await this.store.put({ name, role, hash: hashKey(key), createdAt: now.toISOString(), revokedAt: null });
    await this.reload();
    return key;
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
    if (!given.writeKey) created.push({ name: 'default-write', role: 'write', key: await registry.create('default-write', 'write', now) });
    if (!given.adminKey) created.push({ name: 'default-admin', role: 'admin', key: await registry.create('default-admin', 'admin', now) });
  }
  return { created };
}
