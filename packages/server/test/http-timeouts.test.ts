import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await t?.close();
  t = undefined;
});

/** Starts a listening app with small limits; its port. */
async function listening(http: Record<string, number>): Promise<number> {
  t = await startTestTailor({ http });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('not listening');
  return address.port;
}

interface Watched {
  socket: Socket;
  /** Everything the server sent. */
  received: () => string;
  /** Resolves when the server closed the connection, or with 'still open' after `ms`. */
  closedWithin: (ms: number) => Promise<'closed' | 'still open'>;
}

async function open(port: number): Promise<Watched> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) =>
    socket.once('connect', resolve).once('error', reject),
  );
  let received = '';
  let closed = false;
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('error', () => undefined); // a reset is a close too
  const whenClosed = new Promise<'closed'>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve('closed');
    }),
  );
  return {
    socket,
    received: () => received,
    closedWithin: (ms) =>
      closed
        ? Promise.resolve('closed')
        : Promise.race([
            whenClosed,
            new Promise<'still open'>((resolve) =>
              setTimeout(() => {
                resolve('still open');
              }, ms),
            ),
          ]),
  };
}

/** Writes one byte every `everyMs` until the socket closes. */
function dribble(socket: Socket, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write('x');
  }, everyMs);
  return () => {
    clearInterval(timer);
  };
}

describe('the HTTP server closes connections of slow and idle clients', { timeout: 15_000 }, () => {
  it('a body sent a byte at a time past the request timeout: 408 and closed', async () => {
    const port = await listening({ headersTimeoutMs: 300, requestTimeoutMs: 500 });
    const c = await open(port);
    c.socket.write(
      `POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: ${t?.writeAuth ?? ''}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
    );
    const stop = dribble(c.socket, 100);
    // Without a request timeout the client could keep it open for ever; 5 s is ten times the limit.
    expect(await c.closedWithin(5_000)).toBe('closed');
    stop();
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('headers sent a line at a time past the headers timeout: closed', async () => {
    const port = await listening({ headersTimeoutMs: 300, requestTimeoutMs: 500 });
    const c = await open(port);
    c.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const timer = setInterval(() => c.socket.destroyed || c.socket.write('X-Slow: 1\r\n'), 100);
    expect(await c.closedWithin(5_000)).toBe('closed');
    clearInterval(timer);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout, a request in time is answered', async () => {
    const port = await listening({ keepAliveTimeoutMs: 300 });
    const c = await open(port);
    c.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await c.closedWithin(5_000)).toBe('closed');
    expect(c.received()).toMatch(/^HTTP\/1\.1 200/);
  });

  it('refuses connections past maxConnections', async () => {
    const port = await listening({ maxConnections: 2 });
    const held = [await open(port), await open(port)];
    const third = await open(port);
    expect(await third.closedWithin(5_000)).toBe('closed');
    for (const c of held) {
      c.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(await c.closedWithin(5_000)).toBe('closed');
      expect(c.received()).toMatch(/^HTTP\/1\.1 200/);
    }
    expect(third.received()).toBe('');
  });
});
