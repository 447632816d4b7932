import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freshNatsPrefix, TEST_NATS_URL } from '../../support/nats.js';
import { freshSchemaName, testPostgresUrl } from '../../support/postgres.js';
import {
  ADMIN_AUTH,
  cleanupTailors,
  spawnTailor,
  WRITE_AUTH,
  type SpawnedTailor,
} from './spawn-tailor.js';

/**
 * Several spawned `tailor serve` nodes of one installation on the machine's PostgreSQL and NATS,
 * and the little HTTP a test needs to talk to them. Reads after writes are eventually consistent
 * across nodes: tests poll with `until` rather than sleep.
 */

const CLI = fileURLToPath(new URL('../../../bin/tailor.js', import.meta.url));
const keyFolders = new Set<string>();

/** The environment of one installation's nodes: their own schema, NATS prefix and keyring, and `extra`. */
export function clusterEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keysDir = mkdtempSync(join(tmpdir(), 'tailor-cluster-keys-'));
  keyFolders.add(keysDir);
  const keyFile = join(keysDir, 'tailor.keys');
  execFileSync(process.execPath, [CLI, 'keys', 'init', keyFile]);
  return {
    TAILOR_POSTGRES_URL: testPostgresUrl(),
    TAILOR_POSTGRES_SCHEMA: freshSchemaName(),
    TAILOR_NATS_URL: TEST_NATS_URL,
    TAILOR_NATS_PREFIX: freshNatsPrefix(),
    TAILOR_ENCRYPTION_KEY_FILE: keyFile,
    ...extra,
  };
}

/** Nodes of one installation (`clusterEnv`), started one after the other. */
export async function startCluster(
  size: number,
  env: Record<string, string> = clusterEnv(),
): Promise<SpawnedTailor[]> {
  const nodes: SpawnedTailor[] = [];
  // One after the other: the first creates the schema, the stream and the tables.
  for (let i = 0; i < size; i++) nodes.push(await spawnTailor({ env, startTimeoutMs: 40_000 }));
  return nodes;
}

/** Kills every node still running and removes their data and key folders. */
export async function cleanupClusters(): Promise<void> {
  await cleanupTailors();
  for (const dir of keyFolders) rmSync(dir, { recursive: true, force: true });
  keyFolders.clear();
}

/** POSTs a batch with the write key; the status only. */
export async function send(node: SpawnedTailor, batch: Record<string, unknown>[]): Promise<number> {
  const response = await fetch(`${node.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: WRITE_AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ batch }),
  });
  await response.body?.cancel();
  return response.status;
}

/**
 * A JSON value as a test reads it: it names the fields it expects and lets the assertion say when
 * one is not there, as `res.json()` of `app.inject` does.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Answer {
  status: number;
  body: Json;
}

/** One request to a node, JSON both ways; the admin key unless another authorization is given. */
export async function call(
  node: SpawnedTailor,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  authorization = ADMIN_AUTH,
): Promise<Answer> {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: {
      authorization,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** The profile holding `userId`, read through one node; undefined while there is none. */
export async function profileOf(
  node: SpawnedTailor,
  userId: string,
): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${node.url}/v1/profiles?identifier=userId:${userId}`, {
    headers: { authorization: ADMIN_AUTH },
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    return undefined;
  }
  return (await response.json()) as Record<string, unknown>;
}

/** Polls `probe` every 100 ms until it gives a value; throws naming `what` after `ms`. */
export async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
