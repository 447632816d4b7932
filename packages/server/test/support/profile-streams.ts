// Seeded message streams and a dump of everything a profile store holds about them, to compare
// stores (batch sizes, backends, partitions) on the same events.
import type { StoredMessage } from '@tailor/core';
import type { ProfileStore } from '../../src/store/profile-store.js';

let seq = 0;
export function message(
  fields: Partial<StoredMessage> & Pick<StoredMessage, 'type'>,
): StoredMessage {
  const timestamp = new Date(Date.UTC(2026, 10, 1) + seq * 1000).toISOString();
  return {
    messageId: `msg-${++seq}`,
    userId: null,
    anonymousId: null,
    timestamp,
    receivedAt: timestamp,
    context: {},
    tailor: { source: 'key:test' },
    ...fields,
  };
}

/** A seeded stream of people browsing on several devices, logging in, sharing devices, aliasing. */
export function randomStream(count: number, seed: number): StoredMessage[] {
  let state = seed;
  const random = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  const out: StoredMessage[] = [];
  for (let i = 0; i < count; i++) {
    const person = random(40);
    const device = `anon-${person}-${random(3)}`;
    const shared = `shared-${random(5)}`;
    switch (random(6)) {
      case 0:
        out.push(
          message({
            type: 'identify',
            userId: `user-${person}`,
            anonymousId: device,
            traits: { email: `p${person}@x.io`, n: i },
          }),
        );
        break;
      case 1:
        out.push(message({ type: 'identify', userId: `user-${person}`, anonymousId: shared }));
        break;
      case 2:
        out.push(message({ type: 'alias', previousId: device, userId: `user-${person}` }));
        break;
      case 3:
        out.push(
          message({
            type: 'identify',
            anonymousId: device,
            traits: { phone: `+1415555${String(person).padStart(4, '0')}` },
          }),
        );
        break;
      default:
        out.push(
          message({ type: 'track', anonymousId: device, event: 'Viewed', properties: { i } }),
        );
    }
  }
  return out;
}

/** Everything observable about the graph, keyed so two stores can be compared. */
export async function dump(store: ProfileStore, messages: StoredMessage[]) {
  const identifiers = new Set<string>();
  for (const m of messages) {
    if (m.userId) identifiers.add(`userId:${m.userId}`);
    if (m.anonymousId) identifiers.add(`anonymousId:${m.anonymousId}`);
    if (m.previousId) identifiers.add(`anonymousId:${m.previousId}`);
  }
  const profiles: Record<string, unknown> = {};
  for (const key of [...identifiers].sort()) {
    const [type = '', value = ''] = key.split(':');
    const p = await store.byIdentifier({ type, value });
    if (p === undefined) continue;
    profiles[key] = {
      profile: p,
      identifiers: await store.identifiers(p.id),
      merges: await store.merges(p.id),
      events: (await store.eventPositions(p.id, 0, 100_000)).positions,
    };
  }
  return {
    profiles,
    stats: await store.stats(),
    conflicts: await store.conflicts({ limit: 100_000 }),
  };
}
