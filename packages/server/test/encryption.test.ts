import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keysRotateCommand } from '../src/cli/keys-command.js';
import { loadConfig } from '../src/config/load-config.js';
import { buildApp } from '../src/http/build-app.js';
import { openTailor, type Tailor } from '../src/open-tailor.js';
import Database from 'better-sqlite3';
import {
  addKey,
  formatKeyring,
  onlyCurrent,
  parseKeyring,
  type Keyring,
} from '../src/privacy/keyring.js';
import { ResealJob } from '../src/privacy/rotate-keys.js';
import { runJob } from '../src/jobs/job.js';
import { createAesSealer } from '../src/privacy/sealer.js';
import { sealedIn } from '../src/privacy/sealed-values.js';
import reference from './fixtures/encryption/encryption.reference.json' with { type: 'json' };

const ADMIN = 'enc-admin-key-0001';
const WRITE = 'enc-write-key-0001';
let dir = '';
let running: { tailor: Tailor; app: Awaited<ReturnType<typeof buildApp>> } | undefined;

afterEach(async () => {
  await stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  dir = '';
});

async function start(encryption: Record<string, unknown> = {}) {
  const config = loadConfig({
    flags: { dataDir: dir, logLevel: 'silent' },
    env: {},
    cwd: dir,
    ...configFile(encryption),
  });
  const tailor = await openTailor(config);
  await tailor.keys.create('admin', 'admin', new Date(), ADMIN);
  await tailor.keys.create('write', 'write', new Date(), WRITE);
  const app = await buildApp({ tailor, logger: false });
  running = { tailor, app };
  return running;
}
function configFile(encryption: Record<string, unknown>) {
  const file = join(dir, 'tailor.config.json');
  writeFileSync(
    file,
    JSON.stringify({ privacy: { encryption }, destinations: { allowInternal: ['127.0.0.1/32'] } }),
  );
  return { file };
}
async function stop() {
  if (running === undefined) return;
  await running.app.close();
  await running.tailor.close();
  running = undefined;
}
async function collect(batch: Record<string, unknown>[]) {
  const { app, tailor } = running as NonNullable<typeof running>;
  const res = await app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: `Basic ${Buffer.from(`${WRITE}:`).toString('base64')}` },
    payload: { batch },
  });
  expect(res.json()).toMatchObject({ rejected: [] });
  await tailor.pipeline.catchUp();
}
async function request(method: 'PUT' | 'POST', url: string, payload: object) {
  const res = await (running as NonNullable<typeof running>).app.inject({
    method,
    url,
    payload,
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  expect(res.statusCode).toBe(200);
  (running as NonNullable<typeof running>).tailor.flushDecisions();
}
async function get(url: string) {
  const res = await (running as NonNullable<typeof running>).app.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}
function filesHolding(needle: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sqlite') || name.endsWith('-wal'))
    .filter((name) => readFileSync(join(dir, name)).includes(Buffer.from(needle, 'utf8')));
}
/**
 * Every sealed value in the folder's SQLite files, as `file table.column key N`, whose key is not
 * `current`: a store whose sealed column rotation forgets shows up here (its values would be lost
 * with the old key).
 */
function sealedUnderOtherKeys(current: number): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.sqlite') || n.endsWith('.db'))) {
    const db = new Database(join(dir, name), { readonly: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .pluck()
        .all() as string[];
      for (const table of tables) {
        const columns = db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table);
        for (const column of columns as string[]) {
          const values = db
            .prepare(`SELECT "${column}" FROM "${table}" WHERE typeof("${column}") = 'blob'`)
            .pluck()
            .all() as Buffer[];
          for (const v of values) {
            const sealed = v.length >= 31 && (v[0] === 1 || v[0] === 2);
            if (sealed && v.readUInt16BE(1) !== current)
              found.push(`${name} ${table}.${column} key ${String(v.readUInt16BE(1))}`);
          }
        }
      }
    } finally {
      db.close();
    }
  }
  return [...new Set(found)];
}
/** A person whose data shows in every table that may hold it: events, identifiers, traits, groups, deliveries. */
const ann = (n: number) => [
  { type: 'page', anonymousId: `ann-device-${n}`, name: 'Home', timestamp: '2026-11-20T10:00:00Z' },
  {
    type: 'identify',
    anonymousId: `ann-device-${n}`,
    userId: `ann-user-${n}`,
    traits: { email: `ann.${n}@example.com`, name: 'Ann Quill' },
    timestamp: '2026-11-20T10:01:00Z',
  },
  {
    type: 'group',
    userId: `ann-user-${n}`,
    groupId: 'quill-co',
    traits: { name: 'Quill Company' },
    timestamp: '2026-11-20T10:02:00Z',
  },
  {
    type: 'track',
    userId: `ann-user-${n}`,
    event: 'Order Completed',
    properties: { note: 'gift for Ann Quill', revenue: 12 },
    timestamp: '2026-11-20T10:03:00Z',
  },
];
async function expectAnnReadable(n: number) {
  const byEmail = await get(`/v1/profiles?identifier=email:ann.${n}@example.com`);
  expect(byEmail.status).toBe(200);
  expect(byEmail.body).toMatchObject({
    traits: { email: `ann.${n}@example.com`, name: 'Ann Quill' },
  });
  expect(byEmail.body.identifiers).toEqual(
    expect.arrayContaining([
      { type: 'userId', value: `ann-user-${n}` },
      { type: 'anonymousId', value: `ann-device-${n}` },
      { type: 'email', value: `ann.${n}@example.com` },
    ]),
  );
  const events = await get(`/v1/events?userId=ann-user-${n}`);
  expect(
    (events.body.events as { event?: string; properties: object }[]).map((e) => e.event ?? null),
  ).toEqual([null, null, 'Order Completed']);
}

describe('the sealer', () => {
  const sealer = createAesSealer(parseKeyring(JSON.stringify(reference.keyring), 'the reference'));

  it('opens values sealed by an independent AES-256-GCM implementation and computes the same blind index', () => {
    // Format 1 (before contexts) still opens, whatever the context.
    for (const { text, blob } of reference.sealed)
      expect(sealer.open(Buffer.from(blob, 'base64'), 'profiles:any')).toBe(text);
    // Format 2: the version, key id and context are the associated data.
    for (const { text, blob, context } of reference.sealedWithContext) {
      expect(sealer.open(Buffer.from(blob, 'base64'), context)).toBe(text);
      expect(() => sealer.open(Buffer.from(blob, 'base64'), `${context}x`)).toThrow(
        /copied from another row/,
      );
    }
    for (const b of reference.blinds) expect(sealer.blind(b.type, b.value)).toBe(b.blind);
  });

  it('seals under a fresh IV each time for one place only, refuses a tampered value and refuses plain values', () => {
    const a = sealer.seal('{"email":"ann@example.com"}', 'profiles:p_1') as Buffer;
    const b = sealer.seal('{"email":"ann@example.com"}', 'profiles:p_1') as Buffer;
    expect(a.equals(b)).toBe(false);
    expect(a[0]).toBe(2);
    expect(sealer.open(a, 'profiles:p_1')).toBe('{"email":"ann@example.com"}');
    expect(() => sealer.open(a, 'profiles:p_2')).toThrow(/copied from another row/);
    expect(() => sealer.open(a, 'groups:p_1')).toThrow(/copied from another row/);
    const tampered = Buffer.from(a);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => sealer.open(tampered, 'profiles:p_1')).toThrow();
    const otherKeyId = Buffer.from(a);
    otherKeyId.writeUInt16BE(8, 1);
    expect(() => sealer.open(otherKeyId, 'profiles:p_1')).toThrow();
    expect(() => sealer.open('{"plain":true}', 'profiles:p_1')).toThrow(/not sealed/);
    expect(() => sealer.open(Buffer.from('{"plain":true}'), 'profiles:p_1')).toThrow(/not sealed/);
  });
});

/** The sealed profile bodies of state.sqlite, by profile id. */
function sealedBodies(db: Database.Database): Map<string, Buffer> {
  const rows = db
    .prepare(
      'SELECT id, sealed FROM profiles WHERE sealed IS NOT NULL AND merged_into IS NULL ORDER BY id',
    )
    .all() as { id: string; sealed: Buffer }[];
  return new Map(rows.map((r) => [r.id, r.sealed]));
}

/** A value in format 1 (before contexts: no associated data), made as the independent reference does. */
function sealedWithoutContext(keyring: Keyring, text: string): Buffer {
  const key = keyring.keys.get(keyring.current)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  const header = Buffer.alloc(3);
  header[0] = 1;
  header.writeUInt16BE(keyring.current, 1);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

describe('sealed values are bound to their row', () => {
  it('refuses a profile body copied from another profile, still reads format 1 values, and rotation reseals them with their row', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tailor-enc-'));
    await start();
    await collect([...ann(1), ...ann(2)]);
    await stop();
    const stateFile = join(dir, 'state.sqlite');
    let db = new Database(stateFile);
    const bodies = sealedBodies(db);
    const [first, second] = [...bodies.keys()];
    const swap = db.prepare('UPDATE profiles SET sealed = ? WHERE id = ?');
    swap.run(bodies.get(second!), first);
    swap.run(bodies.get(first!), second);
    db.close();
    await start();
    await expect(async () => running!.tailor.profiles.byId(first!)).rejects.toThrow(
      /copied from another row/,
    );
    expect((await get(`/v1/profiles/${first!}`)).status).toBe(500); // never the other person's data
    await stop();

    // Put each back, the first in format 1 (as written before contexts): it opens as before.
    const keyring = parseKeyring(
      readFileSync(join(dir, 'encryption.keys'), 'utf8'),
      'the key file',
    );
    const sealer = createAesSealer(keyring);
    const text = sealer.open(bodies.get(first!)!, `profiles:${first!}`);
    db = new Database(stateFile);
    db.prepare('UPDATE profiles SET sealed = ? WHERE id = ?').run(
      sealedWithoutContext(keyring, text),
      first,
    );
    db.prepare('UPDATE profiles SET sealed = ? WHERE id = ?').run(bodies.get(second!), second);
    db.close();
    await start();
    await expectAnnReadable(1);
    await expectAnnReadable(2);
    await stop();

    await keysRotateCommand({ data: dir, config: join(dir, 'tailor.config.json') });
    db = new Database(stateFile, { readonly: true });
    expect([...sealedBodies(db).values()].map((v) => v[0])).toEqual([2, 2]);
    db.close();
    await start();
    await expectAnnReadable(1);
    await expectAnnReadable(2);
  });
});

describe('encryption at rest', () => {
  it('keeps personal data unreadable in the files while the API reads and looks it up as before', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tailor-enc-'));
    await start();
    await running?.app.inject({
      method: 'PUT',
      url: '/v1/destinations/crm',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: {
        type: 'webhook',
        url: 'http://127.0.0.1:9/hook',
        events: ['Order Completed'],
        secret: 's3cret-s3cret',
      },
    });
    await collect(ann(1));
    await running?.tailor.dispatcher.drain();
    await expectAnnReadable(1);
    for (const needle of [
      'ann.1@example.com',
      'ann-user-1',
      'ann-device-1',
      'Ann Quill',
      'Quill Company',
      's3cret-s3cret',
    ]) {
      expect(filesHolding(needle), needle).toEqual([]);
    }
  });

  it('rotates keys: every value resealed under the new key, old keys dropped, everything still readable', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tailor-enc-'));
    await start();
    await request('PUT', '/v1/destinations/crm', {
      type: 'webhook',
      url: 'http://127.0.0.1:9/hook',
      events: ['Order Completed'],
      secret: 'rotated-secret-1',
    });
    const sourceUrl = 'postgres://reader:source-password-1@127.0.0.1:5432/crm';
    await request('PUT', '/v1/sources/crm', {
      kind: 'postgres',
      url: sourceUrl,
      table: 'customers',
      key: 'id',
      cursor: 'updated_at',
      mapping: { type: 'identify', fields: { userId: 'id' } },
    });
    await collect(ann(1));
    await stop();
    const before = parseKeyring(readFileSync(join(dir, 'encryption.keys'), 'utf8'), 'before');
    // An erasure whose last part a stopped process left to the erasure job (sealed: it names people).
    const state = new Database(join(dir, 'state.sqlite'));
    const leftOver = {
      profileId: 'p-gone',
      requestedBy: 'admin',
      positions: [],
      identifiers: [],
      profiles: [],
    };
    state
      .prepare('INSERT INTO pending_erasures (request_id, at, body) VALUES (?, ?, ?)')
      .run(
        'left-by-a-stop',
        0,
        createAesSealer(before).seal(JSON.stringify(leftOver), sealedIn.erasure),
      );
    state.close();

    writeFileSync(join(dir, 'serve.pid'), String(process.ppid)); // a live process serving the folder
    await expect(
      keysRotateCommand({ data: dir, config: join(dir, 'tailor.config.json') }),
    ).rejects.toThrow(/stop it first/);
    rmSync(join(dir, 'serve.pid'));
    await keysRotateCommand({ data: dir, config: join(dir, 'tailor.config.json') });
    const after = parseKeyring(readFileSync(join(dir, 'encryption.keys'), 'utf8'), 'after');
    expect([...after.keys.keys()]).toEqual([before.current + 1]);
    expect(sealedUnderOtherKeys(before.current)).not.toEqual([]); // the check below sees sealed values
    expect(sealedUnderOtherKeys(after.current)).toEqual([]);
    expect(after.index.equals(before.index)).toBe(true);
    await start();
    await expectAnnReadable(1);
    expect((await running?.tailor.destinations.get('crm'))?.secret).toBe('rotated-secret-1');
    expect((await running?.tailor.sources.get('crm'))?.body.url).toBe(sourceUrl);
    await collect(ann(2));
    await expectAnnReadable(2);
    await stop();
    const pending = new Database(join(dir, 'state.sqlite'), { readonly: true });
    expect(pending.prepare('SELECT count(*) FROM pending_erasures').pluck().get()).toBe(0); // opened and finished
    pending.close();

    await keysRotateCommand({ data: dir, config: join(dir, 'tailor.config.json'), index: true });
    const third = parseKeyring(readFileSync(join(dir, 'encryption.keys'), 'utf8'), 'third');
    expect(third.index.equals(before.index)).toBe(false);
    await start();
    await expectAnnReadable(1);
    await expectAnnReadable(2);
    await stop();

    // A rotation interrupted after it wrote the new keys (the folder still under the old ones) is finished by running it again.
    const interrupted = addKey(third, true);
    writeFileSync(join(dir, 'encryption.keys'), formatKeyring(interrupted));
    await expect(start()).rejects.toThrow(/another key/);
    await keysRotateCommand({ data: dir, config: join(dir, 'tailor.config.json') });
    const finished = parseKeyring(readFileSync(join(dir, 'encryption.keys'), 'utf8'), 'finished');
    expect([...finished.keys.keys()]).toEqual([interrupted.current]);
    expect(finished.index.equals(interrupted.index)).toBe(true);
    await start();
    await expectAnnReadable(1);
    await expectAnnReadable(2);
  });

  it('rotates as a Job: a page of rows per step, every table and rebuild counted to the total', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tailor-enc-'));
    await start();
    const pages = Array.from({ length: 2500 }, (_, i) => ({
      type: 'page',
      anonymousId: `visitor-${String(i % 50)}`,
      name: 'Home',
      timestamp: '2026-11-20T10:00:00Z',
    }));
    for (let i = 0; i < pages.length; i += 500) await collect(pages.slice(i, i + 500));
    await stop();
    const keyFile = join(dir, 'encryption.keys');
    const rotated = addKey(parseKeyring(readFileSync(keyFile, 'utf8'), 'before'), false);
    writeFileSync(keyFile, formatKeyring(rotated));
    const job = ResealJob.open(
      { log: join(dir, 'log.sqlite'), state: join(dir, 'state.sqlite') },
      createAesSealer(rotated),
    );
    const seen: { table: string; done: number; total: number }[] = [];
    try {
      await runJob(job, (progress) => {
        seen.push({ table: job.table.name, ...progress });
      });
    } finally {
      job.close();
    }
    // The events in three pages of 1,000, then the state's tables, then the rebuilds.
    expect(seen.filter((s) => s.table === 'events').map((s) => s.done)).toEqual([1000, 2000, 2500]);
    expect(seen.map((s) => s.table)).toEqual(expect.arrayContaining(['profiles', 'identities']));
    expect(seen.at(-1)?.table).toBe('blind index');
    const last = seen.at(-1);
    expect(last?.done).toBe(last?.total);
    writeFileSync(keyFile, formatKeyring(onlyCurrent(rotated)));
    await start();
    expect((await get('/v1/events?anonymousId=visitor-7')).body.events).toHaveLength(50);
  });

  it('encrypts a folder written without encryption once asked to, and refuses to open it encrypted before', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tailor-enc-'));
    await start({ enabled: false });
    // A placement that optimizes keeps its people by their blind index: plain ids until encrypted.
    await request('PUT', '/v1/placements/hero', {
      items: [{ id: 'a', priority: 0, template: 'A' }],
      default: { id: 'd', template: 'D' },
      optimize: { method: 'thompson', metric: { event: 'Order Completed' } },
    });
    await request('PUT', '/v1/destinations/crm', {
      type: 'webhook',
      url: 'http://127.0.0.1:9/hook',
      events: ['Order Completed'],
      secret: 'plain-secret-7',
    });
    await collect([
      ...ann(1),
      { type: 'identify', userId: 'bo-user-7', traits: { name: 'Bo Reed' } },
      // Two profiles linked by an identifier: the merge's reason names it.
      { type: 'page', anonymousId: 'cy-device-8', name: 'Home' },
      { type: 'identify', userId: 'cy-user-8', anonymousId: 'cy-device-9' },
      { type: 'identify', userId: 'cy-user-8', anonymousId: 'cy-device-8' },
    ]);
    await request('POST', '/v1/decide', { userId: 'bo-user-7', placements: ['hero'] });
    await collect([
      {
        type: 'track',
        userId: 'bo-user-7',
        event: 'Order Completed',
        timestamp: new Date(Date.now() + 1000).toISOString(),
      },
    ]);
    const arms = async () => (await get('/v1/placements/hero/arms')).body.items;
    expect(await arms()).toMatchObject([{ id: 'a', exposures: 1, conversions: 1 }]);
    await stop();
    expect(filesHolding('ann.1@example.com').length).toBeGreaterThan(0);
    await expect(start()).rejects.toThrow(/written without encryption.*tailor keys rotate/);

    await keysRotateCommand({ data: dir, config: join(dir, 'tailor.config.json') });
    for (const needle of [
      'ann.1@example.com',
      'ann-user-1',
      'Ann Quill',
      'bo-user-7',
      'plain-secret-7',
      'cy-user-8',
      'cy-device-8',
    ])
      expect(filesHolding(needle), needle).toEqual([]);
    await start();
    await expectAnnReadable(1);
    const cy = await get('/v1/profiles?identifier=userId:cy-user-8');
    const merges = await get(`/v1/profiles/${String(cy.body.id)}/merges`);
    expect(merges.body.merges).toMatchObject([{ reason: 'identifier userId:cy-user-8' }]);
    expect((await running?.tailor.destinations.get('crm'))?.secret).toBe('plain-secret-7');
    // The bandits are counted again from the log, under the new blinds, as the pipeline folds its next batch.
    await collect([{ type: 'track', userId: 'ann-user-1', event: 'Page Viewed' }]);
    expect(await arms()).toMatchObject([{ id: 'a', exposures: 1, conversions: 1 }]);
    await stop();
    await expect(start({ enabled: false })).rejects.toThrow(/is encrypted/);
    writeFileSync(
      join(dir, 'other.keys'),
      JSON.stringify({
        version: 1,
        current: 1,
        keys: { 1: Buffer.alloc(32, 1).toString('base64') },
        index: Buffer.alloc(32, 2).toString('base64'),
      }),
    );
    await expect(start({ keyFile: join(dir, 'other.keys') })).rejects.toThrow(/another key/);
  });
});
