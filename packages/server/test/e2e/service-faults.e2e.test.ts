import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freshNatsPrefix, TEST_NATS_URL } from '../support/nats.js';
import {
  cleanupOwnServices,
  startOwnNats,
  startOwnPostgres,
  type OwnServer,
} from '../support/own-services.js';
import { freshSchemaName, testPostgresUrl } from '../support/postgres.js';
import {
  ADMIN_AUTH,
  cleanupTailors,
  readAllEvents,
  spawnTailor,
  WRITE_AUTH,
  type SpawnedTailor,
} from './support/spawn-tailor.js';
import { until } from './support/cluster.js';

/**
 * Issue 14's fault tests: the NATS server or the PostgreSQL under a two-node installation is
 * restarted while a client sends events. Each test restarts a server of its own
 * (test/support/own-services.ts), never the machine's shared ones, and uses the shared one of
 * the other kind.
 */

const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));
const USERS = 20;

let keysDir: string | undefined;
const clients = new Set<Client>();
afterEach(async () => {
  for (const client of clients) await client.abandon();
  clients.clear();
  await cleanupTailors();
  await cleanupOwnServices();
  if (keysDir !== undefined) rmSync(keysDir, { recursive: true, force: true });
});

/** Two `tailor serve` nodes of one installation on the given PostgreSQL and NATS. */
async function startNodes(servers: { postgres: string; nats: string }): Promise<SpawnedTailor[]> {
  keysDir = mkdtempSync(join(tmpdir(), 'tailor-faults-keys-'));
  const keyFile = join(keysDir, 'tailor.keys');
  execFileSync(process.execPath, [CLI, 'keys', 'init', keyFile]);
  const env = {
    TAILOR_POSTGRES_URL: servers.postgres,
    TAILOR_POSTGRES_SCHEMA: freshSchemaName(),
    TAILOR_NATS_URL: servers.nats,
    TAILOR_NATS_PREFIX: freshNatsPrefix(),
    TAILOR_ENCRYPTION_KEY_FILE: keyFile,
  };
  // One after the other: the first creates the schema, the stream and the tables.
  const first = await spawnTailor({ env, startTimeoutMs: 40_000 });
  return [first, await spawnTailor({ env, startTimeoutMs: 40_000 })];
}

/** One request of the client: when it left, when its answer came, and what the answer was. */
interface Attempt {
  round: number;
  node: number;
  /** 0: no answer (the connection failed). */
  status: number;
  retryAfter: string | null;
  startedAt: number;
  answeredAt: number;
}

interface Client {
  attempts: Attempt[];
  /** Every messageId of every batch answered 200. */
  acknowledged: Set<string>;
  /** Rounds acknowledged so far. */
  rounds(): number;
  /** Finishes the round in progress (retrying it until acknowledged), then stops. */
  stop(): Promise<void>;
  /** Stops at once, even in the middle of a round (a failed test's cleanup). */
  abandon(): Promise<void>;
}

/**
 * A client sending batches back to back, one event per user, each with fresh messageIds; like an
 * SDK behind a load balancer, it sends a refused batch again, with the same messageIds, to the
 * next node after the Retry-After it was told (half a second without one).
 */
function startClient(nodes: readonly SpawnedTailor[]): Client {
  const attempts: Attempt[] = [];
  const acknowledged = new Set<string>();
  let rounds = 0;
  let stopped = false;
  let abandoned = false;
  const run = async (): Promise<void> => {
    for (let round = 0; !stopped; round++) {
      const batch = Array.from({ length: USERS }, (_, u) => ({
        type: 'track',
        userId: `user-${u}`,
        event: 'Viewed',
        messageId: `m-${round}-${u}`,
      }));
      for (let attempt = 0; ; attempt++) {
        if (abandoned) return;
        const node = (round + attempt) % nodes.length;
        const tried = await send(nodes[node]!, batch);
        attempts.push({ round, node, ...tried });
        if (tried.status === 200) break;
        await sleep(tried.retryAfter === null ? 500 : Number(tried.retryAfter) * 1000);
      }
      for (const m of batch) acknowledged.add(m.messageId);
      rounds = round + 1;
    }
  };
  const done = run();
  const client: Client = {
    attempts,
    acknowledged,
    rounds: () => rounds,
    stop() {
      stopped = true;
      return done;
    },
    async abandon() {
      stopped = abandoned = true;
      await done.catch(() => undefined);
    },
  };
  clients.add(client);
  return client;
}

async function send(
  node: SpawnedTailor,
  batch: Record<string, unknown>[],
): Promise<Omit<Attempt, 'round' | 'node'>> {
  const startedAt = Date.now();
  let response: Response;
  let body: { stored?: number; duplicates?: number };
  try {
    response = await fetch(`${node.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: WRITE_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ batch }),
    });
    body = (await response.json()) as typeof body;
  } catch {
    return { status: 0, retryAfter: null, startedAt, answeredAt: Date.now() };
  }
  // A 200 vouches for every message of the batch: stored now, or by an earlier attempt.
  if (response.status === 200) expect((body.stored ?? 0) + (body.duplicates ?? 0)).toBe(USERS);
  const retryAfter = response.headers.get('retry-after');
  return { status: response.status, retryAfter, startedAt, answeredAt: Date.now() };
}

/** Outages and reconnections take longer than the cluster tests' waits. */
const FAULT_WAIT_MS = 60_000;

/**
 * Takes the server down while the client runs: at least `minimumMs`, and until a request was
 * sent and answered while it was down (so the answer given meanwhile is seen). Returns when it
 * was down, from the moment its process had exited to the moment it was started again.
 */
async function outage(
  server: OwnServer,
  client: Client,
  minimumMs: number,
): Promise<{ from: number; until: number }> {
  await server.stop('crash');
  const from = Date.now();
  await sleep(minimumMs);
  await until(
    () => (client.attempts.some((a) => a.startedAt >= from) ? true : undefined),
    'a request answered while the server was down',
    FAULT_WAIT_MS,
  );
  const downUntil = Date.now();
  await server.start();
  return { from, until: downUntil };
}

/**
 * Waits until the client has had batches acknowledged by both nodes since the server came back
 * (neither node restarted), and returns the requests sent and answered while it was down.
 */
async function resumed(
  nodes: readonly SpawnedTailor[],
  client: Client,
  down: { from: number; until: number },
): Promise<Attempt[]> {
  const roundsBefore = client.rounds();
  await until(
    () =>
      nodes.every((_, n) =>
        client.attempts.some((a) => a.node === n && a.status === 200 && a.startedAt > down.until),
      ) && client.rounds() >= roundsBefore + 5
        ? true
        : undefined,
    'both nodes to acknowledge batches again',
    FAULT_WAIT_MS,
  );
  return client.attempts.filter((a) => a.startedAt >= down.from && a.answeredAt <= down.until);
}

/** The processes that served before the outage serve after it: none exited, none was restarted. */
function expectStillRunning(nodes: readonly SpawnedTailor[]): void {
  for (const node of nodes) {
    expect(node.process.exitCode, node.output()).toBeNull();
    expect(node.process.signalCode, node.output()).toBeNull();
    // Nor did its background thread die (it would be restarted, but a lost connection is no bug).
    expect(node.output()).not.toContain('background worker exited');
  }
}

/**
 * Every acknowledged event is in the log exactly once (and nothing else is: the client retried
 * every refused batch until acknowledged), and folded once into its person's profile.
 */
async function expectEverythingStoredAndFoldedOnce(
  nodes: readonly SpawnedTailor[],
  client: Client,
): Promise<void> {
  const [a, b] = nodes as [SpawnedTailor, SpawnedTailor];
  const rounds = client.rounds();
  expect(client.acknowledged.size).toBe(rounds * USERS);
  for (let u = 0; u < USERS; u++) {
    const ids = (await readAllEvents(a.url, { userId: `user-${u}` })).map(
      (e) => e.messageId as string,
    );
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(
      [...client.acknowledged].filter((id) => id.endsWith(`-${u}`)).sort(),
    );
  }
  await until(
    async () => {
      for (let u = 0; u < USERS; u++) {
        const counted = await foldedEvents(u % 2 === 0 ? a : b, `user-${u}`);
        if (counted !== rounds) return undefined;
      }
      return true;
    },
    `every profile to have its ${rounds} events folded`,
    FAULT_WAIT_MS,
  );
}

/** How many events the profile of `userId` has folded (undefined before it exists). */
async function foldedEvents(node: SpawnedTailor, userId: string): Promise<number | undefined> {
  const found = await fetch(`${node.url}/v1/profiles?identifier=userId:${userId}`, {
    headers: { authorization: ADMIN_AUTH },
  });
  if (found.status !== 200) return undefined;
  const { id } = (await found.json()) as { id: string };
  const response = await fetch(`${node.url}/v1/profiles/${id}/events?limit=1000`, {
    headers: { authorization: ADMIN_AUTH },
  });
  return ((await response.json()) as { events: unknown[] }).events.length;
}

// Not skipped on a machine without nats-server or PostgreSQL's programs: starting them fails,
// naming what is missing (the README's test command installs both).
describe('NATS restarted under load', () => {
  it('answers 503 with Retry-After while NATS is down, never 200 for an event not stored, and resumes by itself', async () => {
    const nats = await startOwnNats();
    const nodes = await startNodes({ postgres: testPostgresUrl(), nats: nats.url });
    const client = startClient(nodes);
    await until(
      () => (client.rounds() >= 5 ? true : undefined),
      'five rounds acknowledged',
      FAULT_WAIT_MS,
    );

    // A short outage, then one longer than nats.js's default reconnection budget (10 attempts
    // 2 s apart), after which a client left at its defaults gives up for good.
    const answered: string[] = [];
    for (const minimumMs of [2000, 25_000]) {
      const down = await outage(nats, client, minimumMs);
      const meanwhile = await resumed(nodes, client, down);
      expect(meanwhile.length).toBeGreaterThan(0);
      for (const attempt of meanwhile) {
        expect(attempt).toMatchObject({ status: 503, retryAfter: '1' });
      }
      answered.push(`${meanwhile.length} requests refused in ${down.until - down.from} ms down`);
    }
    await client.stop();
    expectStillRunning(nodes);

    await expectEverythingStoredAndFoldedOnce(nodes, client);
    console.log(
      `NATS restarted twice: ${answered.join(', ')}; ${client.rounds()} batches of ${USERS} acknowledged in all`,
    );
  }, 240_000);
});

describe('PostgreSQL restarted under load', () => {
  it('refuses events with 503 while PostgreSQL is down (their dedup is there), folds again by itself, loses nothing', async () => {
    const postgres = await startOwnPostgres();
    const nodes = await startNodes({ postgres: postgres.url, nats: TEST_NATS_URL });
    const client = startClient(nodes);
    await until(
      () => (client.rounds() >= 5 ? true : undefined),
      'five rounds acknowledged',
      FAULT_WAIT_MS,
    );
    await until(() => foldedEvents(nodes[0]!, 'user-0'), 'folding to have started', FAULT_WAIT_MS);

    // Down past the leases' ttl (5 s): every lease and heartbeat has expired when it is back.
    const down = await outage(postgres, client, 6000);
    const meanwhile = await resumed(nodes, client, down);
    await client.stop();
    expectStillRunning(nodes);
    expect(meanwhile.length).toBeGreaterThan(0);
    for (const attempt of meanwhile) {
      expect(attempt).toMatchObject({ status: 503, retryAfter: '1' });
    }

    await expectEverythingStoredAndFoldedOnce(nodes, client);
    console.log(
      `PostgreSQL down ${down.until - down.from} ms: ${meanwhile.length} requests refused meanwhile; ${client.rounds()} batches of ${USERS} acknowledged in all`,
    );
  }, 240_000);
});
