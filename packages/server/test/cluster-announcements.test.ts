import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatKeyring, newKeyring } from '../src/privacy/keyring.js';
import { freshNatsPrefix, TEST_NATS_URL } from './support/nats.js';
import { freshSchemaName, testPostgresUrl } from './support/postgres.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

/*
 * Nodes tell each other which people changed on `<prefix>.changes`, a plain NATS subject anyone
 * subscribed can read: the identifiers go by blind index, never as values (docs/scale-out.md,
 * "Security of the NATS subjects"). The other nodes' caches following them is in
 * e2e/cluster-suites ("decides on one node ...": node b follows a change collected on node a).
 */
const prefix = freshNatsPrefix();
let tailor: TestTailor;
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connect({ servers: TEST_NATS_URL });
  tailor = await startTestTailor({
    privacy: { encryption: { enabled: true, keys: formatKeyring(newKeyring()) } },
    storage: {
      postgres: { url: testPostgresUrl(), schema: freshSchemaName(), maxConnections: 4 },
      nats: { url: TEST_NATS_URL, prefix, replicas: 1, partitions: 2, duplicateWindowMinutes: 60 },
    },
  });
});

afterAll(async () => {
  await tailor.close();
  await nc.drain();
});

describe('announcements of changed profiles', () => {
  it('name the identifiers by blind index only', async () => {
    const heard: string[] = [];
    const subscription = nc.subscribe(`${prefix}.changes`);
    void (async () => {
      for await (const message of subscription) heard.push(message.string());
    })();
    await nc.flush();
    // On several nodes the node holding a partition's lease folds it: this one, once its background runs.
    tailor.tailor.background.start();
    await tailor.tailor.background.ready();
    await tailor.collect([
      {
        type: 'identify',
        userId: 'announced-dee',
        anonymousId: 'anon-announced-77',
        traits: { email: 'dee.announced@example.com', phone: '+44 20 7946 0991' },
      },
    ]);
    const end = Date.now() + 10_000;
    const profiles = () =>
      heard
        .map((text) => JSON.parse(text) as { kind: string; identifiers?: unknown[] })
        .filter((change) => change.kind === 'profiles');
    while (profiles().length === 0 && Date.now() < end)
      await new Promise((resolve) => setTimeout(resolve, 50));
    subscription.unsubscribe();

    const announced = profiles().flatMap(
      (change) => change.identifiers as { type: string; blind: string }[],
    );
    expect(new Set(announced.map((i) => i.type))).toEqual(
      new Set(['userId', 'anonymousId', 'email', 'phone']),
    );
    for (const { blind } of announced) expect(blind).toMatch(/^[A-Za-z0-9+/=_-]{16,}$/);
    const all = heard.join('\n');
    for (const value of ['announced-dee', 'anon-announced-77', 'dee.announced', '7946'])
      expect(all).not.toContain(value);
  });
});
