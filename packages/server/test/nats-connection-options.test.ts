import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJetStreamEventLog } from '../src/log/jetstream/jetstream-event-log.js';
import { natsConnectionOptions } from '../src/scale-out/nats-connection-options.js';
import { freshNatsPrefix } from './support/nats.js';
import { openTestDatabase } from './support/postgres.js';
import { storedMessage } from './support/stored-message.js';

describe('NATS URLs', () => {
  it('take credentials out of the URLs into the connection options', () => {
    expect(natsConnectionOptions('nats://127.0.0.1:4222')).toMatchObject({
      servers: ['nats://127.0.0.1:4222'],
      maxReconnectAttempts: -1,
    });
    expect(natsConnectionOptions(' nats://tailor:p%40ss@a:4222 , nats://b:4222 ')).toMatchObject({
      user: 'tailor',
      pass: 'p@ss',
      servers: ['nats://a:4222', 'nats://b:4222'],
    });
    expect(natsConnectionOptions(['nats://s3cret@a:4222'])).toMatchObject({
      token: 's3cret',
      servers: ['nats://a:4222'],
    });
    expect(() => natsConnectionOptions('nats://u:one@a:4222,nats://u:two@b:4222')).toThrow(
      /same credentials/,
    );
    expect(() => natsConnectionOptions(' , ')).toThrow(/none given/);
  });
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A nats-server of this test's own that requires a user and password. */
async function natsWithPassword(user: string, pass: string): Promise<number> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tailor-nats-auth-'));
  const child: ChildProcess = spawn(
    '/usr/sbin/nats-server',
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir, '--user', user, '--pass', pass],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.push(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`nats-server did not start: ${output}`));
    }, 20_000);
    const listen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', listen);
    child.stderr?.on('data', listen);
  });
  return port;
}

describe('a NATS server that requires a password', () => {
  it('takes the event log of a URL with the credentials, and refuses a wrong password', async () => {
    const port = await natsWithPassword('tailor', 'p@ss word');
    const db = await openTestDatabase();
    cleanups.push(() => db.close());
    const prefix = freshNatsPrefix();
    const log = await openJetStreamEventLog({
      servers: `nats://tailor:${encodeURIComponent('p@ss word')}@127.0.0.1:${String(port)}`,
      prefix,
      db,
    });
    cleanups.push(() => log.close());
    expect(await log.append([storedMessage(1, 'u1')])).toEqual([true]);
    expect((await log.read(0, 10)).map((e) => e.message.messageId)).toEqual(['m-1']);
    await expect(
      openJetStreamEventLog({
        servers: `nats://tailor:wrong@127.0.0.1:${String(port)}`,
        prefix,
        db,
      }),
    ).rejects.toThrow(/authoriz/i);
  });
});
