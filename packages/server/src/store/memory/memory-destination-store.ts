import type {
  Delivery,
  Destination,
  DestinationStore,
} from '../../destinations/destination-store.js';
import { plainSealer, type Sealer } from '../../privacy/sealer.js';
import { sealedValues } from '../../privacy/sealed-values.js';
import { byteOrder } from './memory-state-store.js';

/** A delivery as kept: its message sealed, whose it is beside it (blind ids, profile id) for erasure. */
interface Row {
  id: number;
  destination: string;
  message: string | Buffer;
  status: Delivery['status'];
  attempts: number;
  nextAt: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  userKey: string | null;
  anonymousKey: string | null;
  profileKey: string | null;
}

/** What the store keeps; it outlives a store opened on it (a restart) and is shared by stores opened on it. */
export interface MemoryDestinationData {
  destinations: Map<string, { body: string; secret: string | Buffer }>;
  positions: Map<string, number>;
  deliveries: Map<number, Row>;
  nextId: number;
}

export function memoryDestinationData(): MemoryDestinationData {
  return { destinations: new Map(), positions: new Map(), deliveries: new Map(), nextId: 1 };
}

/**
 * Destinations and their deliveries kept in memory, sealed as the SQLite and PostgreSQL adapters
 * seal them, with their behaviour (the same contract suite runs over all three). For tests and
 * tools that need no files; one process (no leases: a delivery is taken by whoever asks).
 */
export function openMemoryDestinationStore(
  data: MemoryDestinationData = memoryDestinationData(),
  sealer: Sealer = plainSealer,
): DestinationStore {
  const sealed = sealedValues(sealer);
  const toDelivery = (r: Row): Delivery => ({
    id: r.id,
    destination: r.destination,
    message: sealed.delivery.open(r.destination, r.message),
    status: r.status,
    attempts: r.attempts,
    nextAt: r.nextAt,
    lastError: r.lastError,
    createdAt: r.createdAt,
    deliveredAt: r.deliveredAt,
  });
  const toDestination = (name: string): Destination | undefined => {
    const kept = data.destinations.get(name);
    if (kept === undefined) return undefined;
    return {
      ...(JSON.parse(kept.body) as Omit<Destination, 'secret'>),
      secret: sealed.destinationSecret.open(name, kept.secret),
    };
  };
  const rows = () => [...data.deliveries.values()];
  const done = Promise.resolve();
  return {
    list: () =>
      Promise.resolve(
        [...data.destinations.keys()]
          .sort(byteOrder)
          .map((name) => toDestination(name) as Destination),
      ),
    get: (name) => Promise.resolve(toDestination(name)),
    put: (destination, position) => {
      const { secret, ...body } = destination;
      if (!data.destinations.has(destination.name)) data.positions.set(destination.name, position);
      data.destinations.set(destination.name, {
        body: JSON.stringify(body),
        secret: sealed.destinationSecret.seal(destination.name, secret),
      });
      return done;
    },
    delete: (name) => {
      for (const r of rows()) if (r.destination === name) data.deliveries.delete(r.id);
      data.positions.delete(name);
      return Promise.resolve(data.destinations.delete(name));
    },
    position: (name) => Promise.resolve(data.positions.get(name) ?? 0),
    enqueue: (name, range, messages, now) => {
      if ((data.positions.get(name) ?? 0) !== range.from) return Promise.resolve(false);
      const at = new Date(now).toISOString();
      for (const m of messages) {
        const profileId = m.properties?.profileId;
        const id = data.nextId++;
        data.deliveries.set(id, {
          id,
          destination: name,
          message: sealed.delivery.seal(name, m),
          status: 'pending',
          attempts: 0,
          nextAt: now,
          lastError: null,
          createdAt: at,
          deliveredAt: null,
          userKey: sealed.blind('userId', m.userId),
          anonymousKey: sealed.blind('anonymousId', m.anonymousId),
          profileKey: typeof profileId === 'string' ? profileId : null,
        });
      }
      data.positions.set(name, range.to);
      return Promise.resolve(true);
    },
    due: (now, limit, destination) =>
      Promise.resolve(
        rows()
          .filter(
            (r) =>
              r.status === 'pending' &&
              r.nextAt <= now &&
              (destination === undefined || r.destination === destination),
          )
          .sort((a, b) => a.nextAt - b.nextAt || a.id - b.id)
          .slice(0, limit)
          .map(toDelivery),
      ),
    settle: (outcomes) => {
      for (const o of outcomes) {
        const r = data.deliveries.get(o.id);
        if (r === undefined) continue;
        r.attempts++;
        if (o.delivered) {
          r.status = 'delivered';
          r.deliveredAt = new Date(o.at).toISOString();
          r.lastError = null;
        } else {
          r.status = o.giveUp ? 'failed' : 'pending';
          r.nextAt = o.nextAt;
          r.lastError = o.error;
        }
      }
      return done;
    },
    deliveries: (name, { status, limit }) =>
      Promise.resolve(
        rows()
          .filter((r) => r.destination === name && (status === undefined || r.status === status))
          .sort((a, b) => b.id - a.id)
          .slice(0, limit)
          .map(toDelivery),
      ),
    counts: (name) => {
      const counts = { pending: 0, delivered: 0, failed: 0 };
      for (const r of rows()) if (r.destination === name) counts[r.status]++;
      return Promise.resolve(counts);
    },
    prune: (before) => {
      const at = new Date(before).toISOString();
      let pruned = 0;
      for (const r of rows())
        if (r.status !== 'pending' && r.createdAt < at) {
          data.deliveries.delete(r.id);
          pruned++;
        }
      return Promise.resolve(pruned);
    },
    erase: ({ identifiers, profiles }) => {
      const keys = (type: string) =>
        new Set(identifiers.filter((i) => i.type === type).map((i) => sealed.blind(type, i.value)));
      const users = keys('userId');
      const anonymous = keys('anonymousId');
      const people = new Set(profiles);
      for (const r of rows())
        if (
          (r.userKey !== null && users.has(r.userKey)) ||
          (r.anonymousKey !== null && anonymous.has(r.anonymousKey)) ||
          (r.profileKey !== null && people.has(r.profileKey))
        )
          data.deliveries.delete(r.id);
      return done;
    },
    close: () => done,
  };
}
