import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Presets, SingleBar } from 'cli-progress';
import { TailorError } from '@tailor/core';
import { readBlindIndex } from '../log/sqlite/check-blind-index.js';
import { SqliteEventLog } from '../log/sqlite/sqlite-event-log.js';
import {
  addKey,
  formatKeyring,
  newKeyring,
  onlyCurrent,
  readKeyFile,
  writeKeyFile,
} from '../privacy/keyring.js';
import { writeFileDurably } from '../privacy/private-files.js';
import { isScaleOut } from '../storage/open-storage.js';
import { keyFileOf } from '../privacy/open-sealer.js';
import { makeDataFolder } from '../privacy/private-files.js';
import { ResealJob } from '../privacy/rotate-keys.js';
import { PgResealJob, pgSealingKeys } from '../privacy/rotate-pg-keys.js';
import { openJetStreamEventLog } from '../log/jetstream/jetstream-event-log.js';
import { streamOptions } from '../storage/postgres/open-scale-out-storage.js';
import type { Config } from '../config/config.schema.js';
import { PgDatabase } from '../storage/postgres/pg-database.js';
import { runJob, type Job } from '../jobs/job.js';
import { createAesSealer, plainSealer, type Sealer } from '../privacy/sealer.js';
import { openSqliteDestinationStore } from '../store/sqlite/sqlite-destination-store.js';
import { openSqliteProfileStore } from '../store/sqlite/sqlite-profile-store.js';
import type { Role } from '../store/state-store.js';
import { openTailor } from '../open-tailor.js';
import { readConfig } from './read-config.js';
import { serverUsing } from './serve-lock.js';

interface RotateFlags {
  data?: string;
  config?: string;
  index?: boolean;
}

/**
 * `tailor keys rotate`: a new current data key (and, with --index, a new blind-index key); every
 * sealed value in the folder is resealed under it, then the old keys are dropped from the key
 * file. On a folder written without encryption it encrypts everything. The server must be stopped.
 */
export async function keysRotateCommand(flags: RotateFlags): Promise<void> {
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const { enabled, keys } = config.privacy.encryption;
  if (!enabled)
    throw new TailorError(
      'invalid_request',
      'encryption is off (privacy.encryption.enabled): nothing to rotate',
    );
  if (keys !== undefined) {
    throw new TailorError(
      'invalid_request',
      'the keys come from TAILOR_ENCRYPTION_KEYS: rotation rewrites a key file (privacy.encryption.keyFile)',
    );
  }
  if (isScaleOut(config)) {
    await rotateScaleOutKeys(config, flags);
    return;
  }
  const pid = serverUsing(config.dataDir);
  if (pid !== undefined)
    throw new TailorError(
      'conflict',
      `a server (process ${pid}) is running on ${config.dataDir}: stop it first`,
    );
  makeDataFolder(config.dataDir);
  const files = {
    log: join(config.dataDir, 'log.sqlite'),
    state: join(config.dataDir, 'state.sqlite'),
  };
  const keyFile = keyFileOf(config);
  const old = existsSync(keyFile) ? readKeyFile(keyFile, false) : undefined;

  // A finished rotation leaves one data key: more means one was interrupted, and is finished now.
  const resuming = old !== undefined && old.keys.size > 1;
  if (!resuming) {
    // Open the stores as they are once (this brings older folders' tables up to date, and refuses a wrong key file).
    const sealerOf = (file: string) =>
      recordedPlain(file) || old === undefined ? plainSealer : createAesSealer(old);
    await migrate(files, sealerOf);
  }
  const rotated = resuming
    ? old
    : old === undefined
      ? newKeyring()
      : addKey(old, flags.index === true);
  writeKeyFile(keyFile, rotated); // old and new keys: an interrupted rotation still opens everything
  const job = ResealJob.open(files, createAesSealer(rotated));
  try {
    await runWithTableBars(job);
  } finally {
    job.close();
  }
  writeKeyFile(keyFile, onlyCurrent(rotated));
  console.log(
    `${keyFile}: data key ${rotated.current} is current${flags.index === true || old === undefined ? ', with a new index key' : ''}; older keys removed`,
  );
}

/** Runs a reseal to its end with a progress bar per table (`job.table` names the one it works on). */
async function runWithTableBars(
  job: Job & { table: { name: string; done: number; total: number } },
): Promise<void> {
  const bar = new SingleBar(
    { format: 'resealing {table} {bar} {value}/{total}', hideCursor: true },
    Presets.shades_classic,
  );
  let table = '';
  try {
    await runJob(job, () => {
      const { name, done, total } = job.table;
      if (name !== table) {
        if (table !== '') bar.stop();
        table = name;
        bar.start(total, 0, { table: name.padEnd(18) });
      }
      bar.update(done);
    });
  } finally {
    bar.stop();
  }
}

/** How recently a node must have beaten to count as running (its heartbeat is every second). */
const NODE_ALIVE_MS = 10_000;

/**
 * `tailor keys rotate` on PostgreSQL and NATS: a new current data key in the shared key file (the
 * old ones kept), and every sealed value of the PostgreSQL schema resealed under it. Every node
 * must be stopped: each holds the keyring it started with. The blind index is not rotated, and
 * the stream's messages keep the keys they were sealed with (docs/encryption.md).
 */
async function rotateScaleOutKeys(config: Readonly<Config>, flags: RotateFlags): Promise<void> {
  if (flags.index === true)
    throw new TailorError(
      'invalid_request',
      'on PostgreSQL and NATS only the data key rotates: the index key also keys the event stream, whose messages cannot be rewritten',
    );
  const postgres = config.storage.postgres as NonNullable<Config['storage']['postgres']>;
  const db = await PgDatabase.open({
    url: postgres.url,
    schema: postgres.schema,
    maxConnections: 2,
  });
  try {
    const running = await runningNodes(db);
    if (running.length > 0)
      throw new TailorError(
        'conflict',
        `${String(running.length)} node(s) of this installation are running (${running.join(', ')}): stop every node first`,
      );
    const keyFile = keyFileOf(config);
    const keyring = readKeyFile(keyFile, false);
    // A rotation cut short left its key current and its mark: finish it rather than add another key.
    const resuming = (await rotationUnderWay(db)) === keyring.current;
    const rotated = resuming ? keyring : addKey(keyring, false);
    if (!resuming) {
      writeKeyFile(keyFile, rotated);
      await markRotation(db, rotated.current);
    }
    await runWithTableBars(await PgResealJob.open(db, createAesSealer(rotated), rotated.current));
    await markRotation(db, undefined);
    console.log(
      `${keyFile}: data key ${String(rotated.current)} is current${resuming ? ' (an interrupted rotation finished)' : ''} and PostgreSQL is resealed under it; older keys are kept, for the event stream's messages sealed under them`,
    );
  } finally {
    await db.close();
  }
}

/**
 * `tailor keys retire`: drops from the key file the older data keys nothing is sealed under any
 * more. On PostgreSQL and NATS a rotation keeps them for the event stream's messages, which leave
 * with the stream's retention (`maxAgeDays`); this reads which keys PostgreSQL's sealed columns and
 * the stream's payloads still use, keeps those (saying how much, and since when) and drops the
 * rest. Nodes may keep running: they seal under the current key only, and hold the keys they
 * started with. On the embedded store a rotation drops the older keys itself.
 */
export async function keysRetireCommand(flags: { data?: string; config?: string }): Promise<void> {
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const { enabled, keys } = config.privacy.encryption;
  if (!enabled)
    throw new TailorError(
      'invalid_request',
      'encryption is off (privacy.encryption.enabled): no keys to retire',
    );
  if (keys !== undefined)
    throw new TailorError(
      'invalid_request',
      'the keys come from TAILOR_ENCRYPTION_KEYS: retiring rewrites a key file (privacy.encryption.keyFile)',
    );
  const keyFile = keyFileOf(config);
  const keyring = readKeyFile(keyFile, false);
  const older = [...keyring.keys.keys()].filter((k) => k !== keyring.current);
  if (!isScaleOut(config) && older.length > 0)
    throw new TailorError(
      'conflict',
      `${keyFile} holds older keys: a rotation was cut short; run tailor keys rotate again, which finishes it and removes them`,
    );
  if (older.length === 0) {
    console.log(
      `${keyFile}: data key ${String(keyring.current)} is the only one; nothing to retire`,
    );
    return;
  }
  const postgres = config.storage.postgres as NonNullable<Config['storage']['postgres']>;
  const nats = config.storage.nats as NonNullable<Config['storage']['nats']>;
  const db = await PgDatabase.open({
    url: postgres.url,
    schema: postgres.schema,
    maxConnections: 2,
  });
  try {
    if ((await rotationUnderWay(db)) !== undefined)
      throw new TailorError(
        'conflict',
        'a rotation was cut short (store_meta holds its mark): run tailor keys rotate again first',
      );
    const inPostgres = await pgSealingKeys(db);
    const log = await openJetStreamEventLog(streamOptions(nats, db, createAesSealer(keyring)));
    const bar = new SingleBar(
      { format: 'reading the event stream {bar} {value}/{total}', hideCursor: true },
      Presets.shades_classic,
    );
    let inStream: Awaited<ReturnType<typeof log.sealingKeys>>;
    try {
      bar.start(1, 0);
      inStream = await log.sealingKeys((at, last) => {
        bar.setTotal(last);
        bar.update(at);
      });
    } finally {
      bar.stop();
      await log.close();
    }
    const retired: number[] = [];
    for (const key of older) {
      const values = inPostgres.get(key) ?? 0;
      const messages = inStream.get(key);
      if (values === 0 && messages === undefined) {
        retired.push(key);
        continue;
      }
      const held = [
        ...(messages === undefined
          ? []
          : [
              `${String(messages.messages)} stream message(s), the oldest received ${new Date(messages.oldestReceived).toISOString()}${nats.maxAgeDays === undefined ? ' (the stream has no maxAgeDays: they stay until erased)' : `, leaving the stream with its retention by ${new Date(messages.oldestReceived + nats.maxAgeDays * 86_400_000).toISOString().slice(0, 10)}`}`,
            ]),
        ...(values === 0
          ? []
          : [`${String(values)} PostgreSQL value(s) (run tailor keys rotate to reseal them)`]),
      ];
      console.log(`key ${String(key)} kept: ${held.join('; ')}`);
    }
    if (retired.length > 0)
      writeKeyFile(keyFile, {
        ...keyring,
        keys: new Map([...keyring.keys].filter(([id]) => !retired.includes(id))),
      });
    console.log(
      retired.length === 0
        ? `${keyFile}: no key retired`
        : `${keyFile}: key(s) ${retired.join(', ')} retired (nothing is sealed under them any more); data key ${String(keyring.current)} is current`,
    );
  } finally {
    await db.close();
  }
}

/** The key a rotation under way reseals to (`store_meta`'s `rotation`), undefined when none is. */
async function rotationUnderWay(db: PgDatabase): Promise<number | undefined> {
  if (!(await tableExists(db, 'store_meta'))) return undefined;
  const { rows } = await db.query<{ value: string }>(
    "SELECT value FROM store_meta WHERE key = 'rotation'",
  );
  return rows[0] === undefined ? undefined : Number(rows[0].value);
}

/** Marks a rotation to `key` under way, or (undefined) done. */
async function markRotation(db: PgDatabase, key: number | undefined): Promise<void> {
  if (!(await tableExists(db, 'store_meta'))) return;
  if (key === undefined) await db.query("DELETE FROM store_meta WHERE key = 'rotation'");
  else
    await db.query(
      `INSERT INTO store_meta (key, value) VALUES ('rotation', $1)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [String(key)],
    );
}

async function tableExists(db: PgDatabase, table: string): Promise<boolean> {
  const { rows } = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
    table,
  ]);
  return rows[0]?.t != null;
}

/** The nodes of the installation that beat recently (none before the cluster tables exist). */
async function runningNodes(db: PgDatabase): Promise<string[]> {
  if (!(await tableExists(db, 'cluster_nodes'))) return [];
  const { rows } = await db.query<{ node: string }>(
    `SELECT node FROM cluster_nodes WHERE heartbeat_at > now() - $1 * interval '1 millisecond' ORDER BY node`,
    [NODE_ALIVE_MS],
  );
  return rows.map((r) => r.node);
}

/** A file already holding data with no blind index recorded, or recorded plain, was written without encryption. */
function recordedPlain(file: string): boolean {
  if (!existsSync(file)) return false;
  const db = new Database(file, { readonly: true });
  try {
    const meta =
      db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'tailor_meta'").get() !== undefined;
    if (meta) return readBlindIndex(db) === 'plain';
    const table = file.endsWith('log.sqlite') ? 'events' : 'identities';
    const exists =
      db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(table) !== undefined;
    return exists && db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined;
  } finally {
    db.close();
  }
}

async function migrate(
  files: { log: string; state: string },
  sealerOf: (file: string) => Sealer,
): Promise<void> {
  await new SqliteEventLog(files.log, sealerOf(files.log)).close();
  const state = sealerOf(files.state);
  await openSqliteProfileStore(files.state, {}, state).close();
  await openSqliteDestinationStore(files.state, {}, state).close();
}

interface CreateFlags {
  role: Role;
  data?: string;
  config?: string;
  replace?: boolean;
}

/**
 * `tailor keys create NAME --role ROLE`: a new API key in the data folder's store, printed once
 * (the store keeps its hash). The way back in when the keys printed at the first start are lost.
 * A running server reads keys when it starts, so it accepts the new key once restarted.
 */
export async function keysCreateCommand(name: string, flags: CreateFlags): Promise<void> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new TailorError(
      'invalid_request',
      `a key name is 1 to 64 letters, digits, '.', '_' or '-', not ${JSON.stringify(name)}`,
    );
  }
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  try {
    const existing = (await tailor.keys.list()).find(
      (k) => k.name === name && k.revokedAt === null,
    );
    if (existing !== undefined && flags.replace !== true) {
      throw new TailorError(
        'conflict',
        `a key named ${name} (${existing.role}) exists: choose another name, or --replace to revoke it and make a new one`,
      );
    }
    const now = new Date(tailor.now());
    const key = await tailor.keys.create(name, flags.role, now);
    tailor.audit.record({
      at: now.getTime(),
      key: 'cli',
      role: null,
      action: 'key.put',
      target: `key:${name}`,
      method: null,
      route: null,
      status: null,
      ip: null,
    });
    console.log(key);
    console.error(
      `Created the ${flags.role} key ${name} in ${config.dataDir}. It is shown this once and stored hashed.`,
    );
    const pid = serverUsing(config.dataDir);
    if (pid !== undefined)
      console.error(
        `A server (process ${pid}) runs on ${config.dataDir}: it accepts the key once restarted.`,
      );
  } finally {
    await tailor.close();
  }
}

/**
 * `tailor keys init FILE`: a new encryption keyring in FILE (0600, written durably), for the nodes
 * of an installation on PostgreSQL and NATS, which are all started with it
 * (TAILOR_ENCRYPTION_KEY_FILE). Never overwrites: a keyring replaced is data lost.
 */
export function keysInitCommand(file: string): void {
  if (!writeFileDurably(file, formatKeyring(newKeyring()), { replace: false })) {
    throw new TailorError('invalid_request', `${file} exists; a keyring is never overwritten`);
  }
  console.log(`Made an encryption keyring in ${file} (readable by its owner only).`);
  console.log(`Start every node with TAILOR_ENCRYPTION_KEY_FILE=${file}; keep a copy safe.`);
}
