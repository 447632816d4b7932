import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sourcesSyncCommand } from '../src/cli/sources-command.js';
import { openSourceReader } from '../src/sources/read-source-rows.js';
import { SourceService } from '../src/sources/source-service.js';
import { NEW_STATUS } from '../src/sources/source-store.js';
import { SourceSyncJob } from '../src/sources/sync-source.js';
import { freshSchemaName, testPostgresUrl } from './support/postgres.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';
import { webhookConfig } from './support/webhook-config.js';

const MARIADB = process.env.TAILOR_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** A table of customers in a database of the test's own, on PostgreSQL or MariaDB. */
interface Crm {
  kind: 'postgres' | 'mysql';
  url: string;
  table: string;
  run(sql: string): Promise<void>;
  drop(): Promise<void>;
}

async function postgresCrm(): Promise<Crm> {
  const schema = freshSchemaName();
  const pool = new pg.Pool({ connectionString: testPostgresUrl(), max: 1 });
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(
    `CREATE TABLE ${schema}.customers (id int PRIMARY KEY, email text, plan text, seats int, updated_at timestamp(6) NOT NULL)`,
  );
  return {
    kind: 'postgres',
    url: testPostgresUrl(),
    table: `${schema}.customers`,
    run: async (sql) => {
      await pool.query(sql.replaceAll('customers', `${schema}.customers`));
    },
    drop: async () => {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
    },
  };
}

async function mariadbCrm(): Promise<Crm> {
  const database = `tailor_${randomBytes(5).toString('hex')}`;
  const admin = await createConnection({ uri: MARIADB });
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.query(
    `CREATE TABLE ${database}.customers (id int PRIMARY KEY, email text, plan text, seats int, updated_at datetime(6) NOT NULL)`,
  );
  return {
    kind: 'mysql',
    url: `${MARIADB}/${database}`,
    table: 'customers',
    run: async (sql) => {
      await admin.query(sql.replaceAll('customers', `${database}.customers`));
    },
    drop: async () => {
      await admin.query(`DROP DATABASE ${database}`);
      await admin.end();
    },
  };
}

let t: TestTailor | undefined;
let crm: Crm | undefined;
afterEach(async () => {
  await t?.close();
  await crm?.drop();
  t = undefined;
  crm = undefined;
});

const admin = (method: 'PUT' | 'POST' | 'GET', url: string, payload?: object) =>
  (t as TestTailor).admin(method, url, payload);

/** The customers table's source definition, with `extra` over it. */
const definition = (crm: Crm, extra: object = {}) => ({
  kind: crm.kind,
  url: crm.url,
  table: crm.table,
  key: 'id',
  cursor: 'updated_at',
  mapping: MAPPING,
  ...extra,
});

const MAPPING = {
  type: 'identify',
  fields: {
    userId: 'id',
    'traits.email': 'email',
    'traits.plan': 'plan',
    'traits.seats': { column: 'seats', as: 'number' },
  },
};

describe.each([
  ['PostgreSQL', postgresCrm],
  ['MariaDB', mariadbCrm],
])('a %s source', (_name, open) => {
  it('syncs a table into profiles, then only the rows past its cursor, storing nothing twice', async () => {
    crm = await open();
    t = await startTestTailor(webhookConfig());
    await crm.run(`INSERT INTO customers VALUES
      (1, 'ann@example.com', 'pro', 3, '2026-11-01 10:00:00.000001'),
      (2, 'bo@example.com', 'free', 1, '2026-11-01 10:00:00.000002'),
      (3, 'cy@example.com', 'pro', 9, '2026-11-01 10:00:00.000002')`);
    const put = await admin('PUT', '/v1/sources/crm', definition(crm, { pageSize: 2 }));
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ pageSize: 2, status: { cursor: null, rowsRead: 0 } });

    const tried = await admin('POST', '/v1/sources/crm/test');
    expect(tried.json()).toMatchObject({
      rows: 3,
      messages: [
        {
          type: 'identify',
          userId: '1',
          traits: { email: 'ann@example.com', plan: 'pro', seats: 3 },
        },
        { userId: '2' },
        { userId: '3' },
      ],
      rejected: [],
    });
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/v1/profiles?identifier=userId:1',
          headers: { authorization: t.adminAuth },
        })
      ).statusCode,
    ).toBe(404);

    const first = await admin('POST', '/v1/sources/crm/sync');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      rowsRead: 3,
      messagesStored: 3,
      duplicates: 0,
      lastError: null,
    });
    await t.collect([]);
    const profile = async (id: string) =>
      (
        await t?.app.inject({
          method: 'GET',
          url: `/v1/profiles?identifier=userId:${id}`,
          headers: { authorization: t.adminAuth },
        })
      )?.json<{ traits: Record<string, unknown> }>();
    expect((await profile('2'))?.traits).toMatchObject({
      email: 'bo@example.com',
      plan: 'free',
      seats: 1,
    });

    // Row 2 changes (a new version of it), row 4 is new; row 1 is untouched.
    await crm.run(
      `UPDATE customers SET plan = 'team', updated_at = '2026-11-02 09:00:00.5' WHERE id = 2`,
    );
    await crm.run(
      `INSERT INTO customers VALUES (4, 'di@example.com', 'pro', 2, '2026-11-02 09:00:00.5')`,
    );
    const second = await admin('POST', '/v1/sources/crm/sync');
    expect(second.json()).toMatchObject({ rowsRead: 5, messagesStored: 5, duplicates: 0 });
    await t.collect([]);
    expect((await profile('2'))?.traits).toMatchObject({ plan: 'team' });
    expect((await profile('4'))?.traits).toMatchObject({ email: 'di@example.com' });
    // Nothing new: nothing read.
    expect((await admin('POST', '/v1/sources/crm/sync')).json()).toMatchObject({
      rowsRead: 5,
      messagesStored: 5,
    });
    const events = await t.app.inject({
      method: 'GET',
      url: '/v1/events?userId=2',
      headers: { authorization: t.adminAuth },
    });
    expect(events.json<{ events: unknown[] }>().events).toHaveLength(2); // one per version of the row
  });

  it('resumes an interrupted sync where it stopped, and a repeated one stores nothing twice', async () => {
    crm = await open();
    t = await startTestTailor(webhookConfig());
    const values = Array.from(
      { length: 7 },
      (_, i) => `(${i + 1}, 'p${i + 1}@example.com', 'pro', ${i}, '2026-11-01 10:00:0${i}')`,
    );
    await crm.run(`INSERT INTO customers VALUES ${values.join(', ')}`);
    expect(
      (await admin('PUT', '/v1/sources/crm', definition(crm, { pageSize: 3 }))).statusCode,
    ).toBe(200);
    let pages = 0;
    const failing = new SourceService({
      sources: t.tailor.sources,
      collector: t.tailor.collector,
      allowInternal: ['127.0.0.1/32'],
      now: t.tailor.now,
      openReader: async (body) => {
        const reader = await openSourceReader(body);
        return {
          page: (after, limit) => {
            if (++pages === 2)
              return Promise.reject(
                Object.assign(new Error('connection lost'), { code: 'ECONNRESET' }),
              );
            return reader.page(after, limit);
          },
          close: () => reader.close(),
        };
      },
    });
    await expect(failing.sync('crm')).rejects.toThrow(/source failed \(ECONNRESET\)/);
    const stopped = (await admin('GET', '/v1/sources/crm/status')).json<Record<string, unknown>>();
    expect(stopped).toMatchObject({
      rowsRead: 3,
      messagesStored: 3,
      lastError: 'the source failed (ECONNRESET)',
    });
    const resumed = await admin('POST', '/v1/sources/crm/sync');
    expect(resumed.json()).toMatchObject({
      rowsRead: 7,
      messagesStored: 7,
      duplicates: 0,
      lastError: null,
    });

    // Read again from the start (as after a lost cursor): the same rows get the same messageIds,
    // and collection stores none of them twice.
    await t.tailor.sources.setStatus('crm', { ...NEW_STATUS });
    const again = await admin('POST', '/v1/sources/crm/sync');
    expect(again.json()).toMatchObject({ rowsRead: 7, messagesStored: 0, duplicates: 7 });
  });
});

describe('tailor sources sync', () => {
  it('syncs a source defined over HTTP from the command line, printing the status', async () => {
    crm = await postgresCrm();
    t = await startTestTailor(webhookConfig());
    await crm.run(
      `INSERT INTO customers VALUES (1, 'ann@example.com', 'pro', 3, '2026-11-01 10:00:00')`,
    );
    expect((await admin('PUT', '/v1/sources/crm', definition(crm))).statusCode).toBe(200);
    // The command opens the data folder beside the running server, as `tailor import` does.
    const dir = t.dir;
    const printed = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const progress = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await sourcesSyncCommand('crm', { data: dir });
      expect(JSON.parse(String(printed.mock.calls.at(-1)?.[0]))).toMatchObject({
        rowsRead: 1,
        messagesStored: 1,
      });
    } finally {
      printed.mockRestore();
      progress.mockRestore();
    }
  });
});

describe('sources: bad input and failures', () => {
  it('refuses bad definitions with the reason, reports a source that is down, and keeps the password sealed', async () => {
    t = await startTestTailor(webhookConfig());
    const refused = async (payload: object) => {
      const res = await admin('PUT', '/v1/sources/bad', payload);
      expect(res.statusCode, res.body).toBe(400);
      return res.json<{ message: string }>().message;
    };
    const base = {
      kind: 'postgres',
      url: testPostgresUrl(),
      key: 'id',
      cursor: 'updated_at',
      mapping: MAPPING,
    };
    expect(await refused({ ...base })).toMatch(/exactly one/);
    expect(await refused({ ...base, table: 't', query: 'SELECT 1 AS id' })).toMatch(/exactly one/);
    expect(
      await refused({
        ...base,
        table: 't',
        mapping: { fields: { 'traits.__proto__.x': 'email' } },
      }),
    ).toMatch(/not allowed/);
    expect(await refused({ ...base, kind: 'mysql', table: 't' })).toMatch(/mysql:\/\//);
    expect(await refused({ ...base, url: 'postgres://10.2.3.4/x', table: 't' })).toMatch(
      /private address/,
    );
    expect(await refused({ ...base, table: 't', query: 'DELETE FROM t' })).toBeTruthy();

    const down = await admin('PUT', '/v1/sources/down', {
      ...base,
      url: 'postgres://postgres:secret-pw-7@127.0.0.1:1/nothing',
      table: 'customers',
    });
    expect(down.statusCode).toBe(200);
    expect(down.json<{ url: string }>().url).not.toContain('secret-pw-7');
    const sync = await admin('POST', '/v1/sources/down/sync');
    expect(sync.statusCode).toBe(503);
    expect(sync.json<{ message: string }>().message).toMatch(/refused the connection/);
    expect((await admin('GET', '/v1/sources/down')).json()).toMatchObject({
      status: { lastError: 'the source refused the connection (is it up?)' },
    });
    const files = readdirSync(t.dir).filter((f) => f.startsWith('state.sqlite'));
    for (const f of files)
      expect(readFileSync(join(t.dir, f)).includes('secret-pw-7'), f).toBe(false);
  });
});

describe('scheduled syncs', () => {
  it('syncs the sources that are due, tries a source that was down again on its next turn, and runs in the background', async () => {
    crm = await postgresCrm();
    let clock = Date.parse('2026-12-01T08:00:00Z');
    t = await startTestTailor(webhookConfig(), () => clock);
    await crm.run(
      `INSERT INTO customers VALUES (1, 'ann@example.com', 'pro', 3, '2026-11-01 10:00:00')`,
    );
    const body = definition(crm, { everyMinutes: 5 });
    expect((await admin('PUT', '/v1/sources/crm', body)).statusCode).toBe(200);
    expect(
      (await admin('PUT', '/v1/sources/on-request', { ...body, everyMinutes: undefined }))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await admin('PUT', '/v1/sources/down', {
          ...body,
          url: 'postgres://postgres@127.0.0.1:1/nothing',
          everyMinutes: 1,
        })
      ).statusCode,
    ).toBe(200);
    const status = async (name: string) =>
      (await admin('GET', `/v1/sources/${name}/status`)).json<Record<string, unknown>>();

    expect(await t.tailor.sourceSyncs.syncDue()).toBe(2); // crm and down; on-request is not scheduled
    expect(await status('crm')).toMatchObject({ rowsRead: 1, messagesStored: 1 });
    expect(await status('on-request')).toMatchObject({ rowsRead: 0 });
    expect(await status('down')).toMatchObject({
      lastError: 'the source refused the connection (is it up?)',
      lastAttemptAt: '2026-12-01T08:00:00.000Z',
    });
    expect(await t.tailor.sourceSyncs.syncDue()).toBe(0); // nothing due yet

    clock += 60_000; // the source that was down is due again, crm not yet
    await crm.run(
      `INSERT INTO customers VALUES (2, 'bo@example.com', 'free', 1, '2026-11-02 10:00:00')`,
    );
    expect(await t.tailor.sourceSyncs.syncDue()).toBe(1);
    expect(await status('crm')).toMatchObject({ rowsRead: 1 });
    expect(await status('down')).toMatchObject({ lastAttemptAt: '2026-12-01T08:01:00.000Z' });

    clock += 4 * 60_000; // five minutes after its last sync: crm reads the new row
    expect(await t.tailor.sourceSyncs.syncDue()).toBe(2);
    expect(await status('crm')).toMatchObject({ rowsRead: 2, messagesStored: 2 });

    // The embedded background runs the same work: started, it syncs what is due.
    clock += 5 * 60_000;
    await crm.run(
      `INSERT INTO customers VALUES (3, 'cy@example.com', 'pro', 9, '2026-11-03 10:00:00')`,
    );
    t.tailor.background.start();
    await vi.waitFor(
      async () => {
        expect(await status('crm')).toMatchObject({ rowsRead: 3 });
      },
      { timeout: 30_000, interval: 100 },
    );
  });
});

describe('a sync is a job', () => {
  it('reads a page per step, saving the cursor after each, and finishes after the last page', async () => {
    crm = await postgresCrm();
    t = await startTestTailor(webhookConfig());
    await crm.run(`INSERT INTO customers VALUES
      (1, 'ann@example.com', 'pro', 3, '2026-11-01 10:00:00'),
      (2, 'bo@example.com', 'free', 1, '2026-11-01 10:00:01'),
      (3, 'cy@example.com', 'pro', 9, '2026-11-01 10:00:02')`);
    expect(
      (await admin('PUT', '/v1/sources/crm', definition(crm, { pageSize: 2 }))).statusCode,
    ).toBe(200);
    const source = await t.tailor.sources.get('crm');
    if (source === undefined) throw new Error('not saved');
    const reader = await openSourceReader(source.body);
    const saved: unknown[] = [];
    const job = new SourceSyncJob(source, {
      reader,
      collector: t.tailor.collector,
      save: async (status) => {
        saved.push(structuredClone(status));
        await t?.tailor.sources.setStatus('crm', status);
      },
      now: t.tailor.now,
    });
    try {
      expect(await job.step()).toEqual({
        worked: 2,
        progress: { done: 2, total: 4 },
        finished: false,
      });
      expect(saved.at(-1)).toMatchObject({ rowsRead: 2, lastSyncAt: null });
      expect((await t.tailor.sources.get('crm'))?.status.cursor?.key).toBe('2');
      expect(await job.step()).toEqual({
        worked: 1,
        progress: { done: 3, total: 3 },
        finished: true,
      });
      expect(saved.at(-1)).toMatchObject({ rowsRead: 3, messagesStored: 3 });
      expect(job.status.lastSyncAt).not.toBeNull();
      expect(await job.step()).toEqual({ worked: 0, finished: true });
    } finally {
      await reader.close();
    }
  });
});

describe('rows that do not map', () => {
  it.each([
    ['PostgreSQL', postgresCrm],
    ['MariaDB', mariadbCrm],
  ])(
    'on %s: are skipped and named in the status by key and reason, never by value',
    async (_n, open) => {
      crm = await open();
      t = await startTestTailor(webhookConfig());
      await crm.run(`INSERT INTO customers VALUES
      (1, 'ann@example.com', 'pro', 3, '2026-11-01 10:00:00'),
      (2, 'bo@example.com', 'free', NULL, '2026-11-01 10:00:01')`);
      const mapping = {
        type: 'identify',
        fields: {
          userId: 'id',
          'traits.plan': { column: 'plan', as: 'number' },
          'traits.email': 'email',
        },
      };
      expect((await admin('PUT', '/v1/sources/crm', definition(crm, { mapping }))).statusCode).toBe(
        200,
      );
      const tried = (await admin('POST', '/v1/sources/crm/test')).json<{ rejected: unknown[] }>();
      expect(tried.rejected).toEqual([
        { key: '1', reason: 'column plan: not a number' },
        { key: '2', reason: 'column plan: not a number' },
      ]);
      const synced = await admin('POST', '/v1/sources/crm/sync');
      expect(synced.json()).toMatchObject({
        rowsRead: 2,
        messagesStored: 0,
        rejected: [
          { key: '1', reason: 'column plan: not a number' },
          { key: '2', reason: 'column plan: not a number' },
        ],
      });
      const status = (await admin('GET', '/v1/sources/crm/status')).body;
      expect(status).not.toMatch(/ann@example|bo@example|pro|free/);
    },
  );
});

describe('deletions at the source', () => {
  it.each([
    ['PostgreSQL', postgresCrm],
    ['MariaDB', mariadbCrm],
  ])('on %s: a soft-deleted row files an erasure request for its person', async (_n, open) => {
    crm = await open();
    t = await startTestTailor(webhookConfig());
    const tt = t;
    await crm.run('ALTER TABLE customers ADD COLUMN deleted_at timestamp NULL');
    await crm.run(`INSERT INTO customers VALUES
      (1, 'ann@example.com', 'pro', 3, '2026-11-01 10:00:00', NULL),
      (2, 'bo@example.com', 'free', 1, '2026-11-01 10:00:01', NULL),
      (3, 'cy@example.com', 'pro', 9, '2026-11-01 10:00:02', '2026-10-01 00:00:00')`);
    const deletes = { column: 'deleted_at', as: 'erasure' };
    const put = await admin('PUT', '/v1/sources/crm', definition(crm, { deletes }));
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ deletes });
    const profileStatus = async (id: string) =>
      (await tt.admin('GET', `/v1/profiles?identifier=userId:${id}`)).statusCode;

    // Row 3 was deleted before Tailor ever saw it: not imported, nobody to erase.
    expect((await admin('POST', '/v1/sources/crm/sync')).json()).toMatchObject({
      rowsRead: 3,
      messagesStored: 2,
    });
    await tt.collect([]);
    expect([await profileStatus('1'), await profileStatus('2'), await profileStatus('3')]).toEqual([
      200, 200, 404,
    ]);

    // Row 2 is deleted at the source: its person is erased, events and all.
    await crm.run(
      `UPDATE customers SET deleted_at = '2026-11-03 08:00:00', updated_at = '2026-11-03 08:00:00' WHERE id = 2`,
    );
    const second = (await admin('POST', '/v1/sources/crm/sync')).json<Record<string, unknown>>();
    expect(second).toMatchObject({ rowsRead: 4, messagesStored: 2, erasuresRequested: 1 });
    await tt.collect([]);
    expect(await profileStatus('2')).toBe(404);
    expect(await tt.eventsOf('2')).toEqual([]);
    expect(await profileStatus('1')).toBe(200);
    const audit = (await tt.admin('GET', '/v1/audit?limit=100')).body;
    expect(audit).toContain('source:crm');

    // The deleted row changes again: it is not imported, and the erased person stays suppressed.
    await crm.run(
      `UPDATE customers SET plan = 'team', updated_at = '2026-11-04 08:00:00' WHERE id = 2`,
    );
    expect((await admin('POST', '/v1/sources/crm/sync')).json()).toMatchObject({
      rowsRead: 5,
      messagesStored: 2,
      erasuresRequested: 1,
    });
    await tt.collect([]);
    expect(await profileStatus('2')).toBe(404);
  });

  it('mirrors deletions as a trait when asked, with an identify mapping only', async () => {
    crm = await postgresCrm();
    t = await startTestTailor(webhookConfig());
    await crm.run('ALTER TABLE customers ADD COLUMN is_deleted boolean NOT NULL DEFAULT false');
    await crm.run(`INSERT INTO customers VALUES
      (1, 'ann@example.com', 'pro', 3, '2026-11-01 10:00:00', false),
      (2, 'bo@example.com', 'free', 1, '2026-11-01 10:00:01', true)`);
    const deletes = { column: 'is_deleted', as: 'trait' };
    const track = { type: 'track', fields: { userId: 'id', event: { value: 'Seen' } } };
    const refused = await admin(
      'PUT',
      '/v1/sources/crm',
      definition(crm, { deletes, mapping: track }),
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ message: string }>().message).toMatch(/identify/);
    expect((await admin('PUT', '/v1/sources/crm', definition(crm, { deletes }))).statusCode).toBe(
      200,
    );
    expect((await admin('POST', '/v1/sources/crm/sync')).json()).toMatchObject({
      messagesStored: 2,
    });
    await t.collect([]);
    const traits = async (id: string) =>
      (await (t as TestTailor).admin('GET', `/v1/profiles?identifier=userId:${id}`)).json<{
        traits: Record<string, unknown>;
      }>().traits;
    expect(await traits('1')).toMatchObject({ deleted: false, plan: 'pro' });
    expect(await traits('2')).toMatchObject({ deleted: true, plan: 'free' });
  });
});

describe('several mappings', () => {
  it('makes a message of each mapping from every row, each stored once however often it syncs', async () => {
    crm = await postgresCrm();
    t = await startTestTailor(webhookConfig());
    await crm.run(`INSERT INTO customers VALUES
      (1, 'ann@example.com', 'pro', 3, '2026-11-01 10:00:00'),
      (2, 'bo@example.com', 'free', 1, '2026-11-01 10:00:01')`);
    const seats = {
      type: 'track',
      fields: {
        userId: 'id',
        event: { value: 'Seats Counted' },
        'properties.seats': { column: 'seats', as: 'number' },
        timestamp: 'updated_at',
      },
    };
    const put = await admin(
      'PUT',
      '/v1/sources/crm',
      definition(crm, { mapping: [MAPPING, seats] }),
    );
    expect(put.statusCode, put.body).toBe(200);
    const tried = (await admin('POST', '/v1/sources/crm/test')).json<{ messages: unknown[] }>();
    expect(tried.messages).toHaveLength(4);
    expect((await admin('POST', '/v1/sources/crm/sync')).json()).toMatchObject({
      rowsRead: 2,
      messagesStored: 4,
    });
    // Read again from the start (the cursor forgotten): the same messageIds, nothing stored twice.
    await t.tailor.sources.setStatus('crm', { ...NEW_STATUS });
    expect((await admin('POST', '/v1/sources/crm/sync')).json()).toMatchObject({
      rowsRead: 2,
      messagesStored: 0,
      duplicates: 4,
    });
    await t.collect([]);
    const events = await t.eventsOf('1');
    expect(events.map((e) => e.type).sort()).toEqual(['identify', 'track']);
    expect(events.find((e) => e.type === 'track')).toMatchObject({
      event: 'Seats Counted',
      properties: { seats: 3 },
    });
    const refused = await admin('PUT', '/v1/sources/crm', definition(crm, { mapping: [] }));
    expect(refused.statusCode).toBe(400);
  });
});
