import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKeyring } from '../../src/privacy/keyring.js';
import { TEST_NATS_URL } from '../support/nats.js';
import { testPostgresUrl } from '../support/postgres.js';
import { call, cleanupClusters, clusterEnv, profileOf, until } from './support/cluster.js';
import { spawnTailor, WRITE_AUTH, type SpawnedTailor } from './support/spawn-tailor.js';

/**
 * `tailor keys rotate` on PostgreSQL and NATS: refused while a node runs; with the nodes stopped,
 * every sealed value of the schema is resealed under a new data key (every bytea column scanned,
 * so a store whose sealed column the rotation leaves out fails here), and a node started again
 * reads everything, the stream's messages sealed under the older key included. `tailor keys
 * retire` keeps the older key while the stream holds messages sealed under it, and drops it once
 * they have left (retention, here a purge).
 */

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));

afterAll(async () => {
  await cleanupClusters();
});

/** Sealed values (format 1 or 2) in any bytea column of the schema whose key is not `current`, as `table.column key N`. */
async function sealedUnderOtherKeys(schema: string, current: number): Promise<string[]> {
  const db = new pg.Pool({ connectionString: testPostgresUrl(), max: 1 });
  try {
    const { rows: columns } = await db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = $1 AND data_type = 'bytea'`,
      [schema],
    );
    const found: string[] = [];
    for (const { table_name: table, column_name: column } of columns) {
      const { rows } = await db.query<{ key: number }>(
        `SELECT DISTINCT get_byte(${column}, 1) * 256 + get_byte(${column}, 2) AS key
           FROM ${schema}.${table}
          WHERE ${column} IS NOT NULL AND length(${column}) >= 31 AND get_byte(${column}, 0) IN (1, 2)`,
      );
      for (const { key } of rows)
        if (key !== current) found.push(`${table}.${column} key ${String(key)}`);
    }
    return found;
  } finally {
    await db.end();
  }
}

describe('tailor keys rotate on PostgreSQL and NATS', () => {
  it('reseals the schema under a new data key with every node stopped; a restarted node reads everything', async () => {
    const env = clusterEnv();
    const schema = env.TAILOR_POSTGRES_SCHEMA as string;
    const keyFile = env.TAILOR_ENCRYPTION_KEY_FILE as string;
    const rotate = (...extra: string[]) =>
      run(process.execPath, [CLI, 'keys', 'rotate', ...extra], {
        env: { ...process.env, ...env },
      });
    let node: SpawnedTailor = await spawnTailor({ env, startTimeoutMs: 40_000 });
    const person = {
      type: 'identify',
      userId: 'rotated-ann',
      traits: { email: 'ann.rotated@example.com', plan: 'pro' },
    };
    expect((await call(node, 'POST', '/v1/batch', { batch: [person] }, WRITE_AUTH)).status).toBe(
      200,
    );
    expect(
      (
        await call(node, 'PUT', '/v1/destinations/crm', {
          type: 'webhook',
          url: 'https://crm.example.com/hook',
          events: ['Order Completed'],
          secret: 'rotated-secret-1',
        })
      ).status,
    ).toBe(200);
    await until(() => profileOf(node, 'rotated-ann'), 'the profile');

    // A node is running: refused, nothing changed.
    const refused = await rotate().catch((error: unknown) => error as { stderr: string });
    expect(refused.stderr).toMatch(/running.*stop every node first/);
    const before = parseKeyring(readFileSync(keyFile, 'utf8'), 'before');
    expect(await sealedUnderOtherKeys(schema, before.current)).toEqual([]);
    const index = await rotate('--index').catch((error: unknown) => error as { stderr: string });
    expect(index.stderr).toMatch(/only the data key rotates/);

    expect(await node.stop('SIGTERM')).toBe(0);
    const { stdout } = await rotate();
    expect(stdout).toMatch(/data key \d+ is current/);
    const after = parseKeyring(readFileSync(keyFile, 'utf8'), 'after');
    expect(after.current).toBe(before.current + 1);
    expect([...after.keys.keys()]).toContain(before.current); // kept for the stream's messages
    expect(after.index.equals(before.index)).toBe(true);
    expect(await sealedUnderOtherKeys(schema, before.current)).not.toEqual([]); // the scan sees sealed values
    expect(await sealedUnderOtherKeys(schema, after.current)).toEqual([]);

    // A rotation cut short (its mark left, its key current) is finished, not followed by another key.
    const db = new pg.Pool({ connectionString: testPostgresUrl(), max: 1 });
    await db.query(`INSERT INTO ${schema}.store_meta (key, value) VALUES ('rotation', $1)`, [
      String(after.current),
    ]);
    const resumed = await rotate();
    expect(resumed.stdout).toMatch(/an interrupted rotation finished/);
    expect(parseKeyring(readFileSync(keyFile, 'utf8'), 'resumed').current).toBe(after.current);
    expect(
      (await db.query(`SELECT 1 FROM ${schema}.store_meta WHERE key = 'rotation'`)).rowCount,
    ).toBe(0);
    await db.end();

    node = await spawnTailor({ dir: node.dir, env, startTimeoutMs: 40_000 });
    const profile = await until(() => profileOf(node, 'rotated-ann'), 'the profile again');
    expect((profile as { traits: object }).traits).toMatchObject({
      email: 'ann.rotated@example.com',
      plan: 'pro',
    });
    const events = await call(node, 'GET', '/v1/events?userId=rotated-ann');
    expect(events.body.events).toHaveLength(1); // sealed in the stream under the older key
    expect((await call(node, 'GET', '/v1/destinations/crm')).status).toBe(200);
    // New data is sealed under the new key.
    expect(
      (
        await call(
          node,
          'POST',
          '/v1/batch',
          {
            batch: [{ type: 'identify', userId: 'rotated-bo', traits: { plan: 'free' } }],
          },
          WRITE_AUTH,
        )
      ).status,
    ).toBe(200);
    await until(() => profileOf(node, 'rotated-bo'), 'a new profile');
    expect(await sealedUnderOtherKeys(schema, after.current)).toEqual([]);

    // The stream still holds ann's identify, sealed under the older key: it is kept (nodes running).
    const retire = () =>
      run(process.execPath, [CLI, 'keys', 'retire'], { env: { ...process.env, ...env } });
    const kept = await retire();
    expect(kept.stdout).toMatch(
      new RegExp(
        `key ${String(before.current)} kept: 1 stream message\\(s\\), the oldest received`,
      ),
    );
    expect(kept.stdout).toMatch(/no key retired/);
    expect([...parseKeyring(readFileSync(keyFile, 'utf8'), 'kept').keys.keys()]).toContain(
      before.current,
    );

    // Retention takes the older messages (a purge up to bo's identify, the last one): retired.
    const nc = await connect({ servers: TEST_NATS_URL });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = `${env.TAILOR_NATS_PREFIX as string}_events`;
      const { state } = await jsm.streams.info(stream);
      await jsm.streams.purge(stream, { seq: state.last_seq });
    } finally {
      await nc.close();
    }
    const retired = await retire();
    expect(retired.stdout).toMatch(
      new RegExp(
        `key\\(s\\) ${String(before.current)} retired .*data key ${String(after.current)} is current`,
      ),
    );
    const last = parseKeyring(readFileSync(keyFile, 'utf8'), 'retired');
    expect([...last.keys.keys()]).toEqual([after.current]);
    expect(last.index.equals(before.index)).toBe(true);
    expect((await retire()).stdout).toMatch(/is the only one; nothing to retire/);

    // A node started with the slimmer key file reads everything left.
    await node.stop('SIGTERM');
    node = await spawnTailor({ dir: node.dir, env, startTimeoutMs: 40_000 });
    expect(await profileOf(node, 'rotated-ann')).toMatchObject({
      traits: { email: 'ann.rotated@example.com', plan: 'pro' },
    });
    expect((await call(node, 'GET', '/v1/events?userId=rotated-bo')).body.events).toHaveLength(1);
    await node.stop('SIGTERM');
  }, 240_000);
});
