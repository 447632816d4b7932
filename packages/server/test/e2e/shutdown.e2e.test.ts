import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupTailors,
  postCollect,
  readAllEvents,
  spawnTailor,
  startLoad,
  WRITE_AUTH,
  type Exit,
} from './support/spawn-tailor.js';

afterEach(cleanupTailors);

describe('tailor serve shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s: exits with code 0, and what was acknowledged is there after a restart',
    { timeout: 60_000 },
    async (signal) => {
      const server = await spawnTailor();
      const userId = `shutdown-${signal}-${randomUUID().slice(0, 8)}`;
      const ids = Array.from({ length: 6 }, () => randomUUID());

      const one = await postCollect(server.url, '/v1/track', {
        messageId: ids[0],
        userId,
        event: 'Before Shutdown',
      });
      expect(one.status).toBe(200);
      expect(await one.json()).toMatchObject({ stored: 1 });
      const batch = await postCollect(server.url, '/v1/batch', {
        batch: ids.slice(1).map((messageId, i) => ({
          type: 'track',
          messageId,
          userId,
          event: 'Batched',
          properties: { i },
        })),
      });
      expect(batch.status).toBe(200);
      expect(await batch.json()).toMatchObject({ stored: 5, duplicates: 0, rejected: [] });

      expect(await server.stop(signal)).toBe(0);
      expect(server.output()).not.toMatch(/shutdown failed/);

      const restarted = await spawnTailor({ dir: server.dir });
      const events = await readAllEvents(restarted.url, { userId });
      expect(events.map((e) => e.messageId)).toEqual(ids);
      expect(events[0]).toMatchObject({ type: 'track', event: 'Before Shutdown' });
      expect(await restarted.stop(signal)).toBe(0);
    },
  );

  it(
    'SIGTERM under load: exit code 0, and every acknowledged batch is there after a restart',
    { timeout: 60_000 },
    async () => {
      const server = await spawnTailor();
      // One connection per request: see the next test for what pooled keep-alive connections do.
      const load = startLoad(server.url, {
        concurrency: 6,
        batchSize: 20,
        label: 'sigterm-load',
        keepAlive: false,
      });
      await sleep(700);
      expect(await server.stop('SIGTERM')).toBe(0);
      expect(server.output()).not.toMatch(/shutdown failed/);
      const result = await load.done;
      expect(result.acknowledged.length).toBeGreaterThan(5);

      const restarted = await spawnTailor({ dir: server.dir });
      const acked = result.acknowledged.flat();
      const users = [...new Set(acked.map((m) => m.userId as string))];
      const stored = new Map<string, number>();
      for (const userId of users) {
        for (const e of await readAllEvents(restarted.url, { userId })) {
          const id = e.messageId as string;
          stored.set(id, (stored.get(id) ?? 0) + 1);
        }
      }
      const lost = acked.filter((m) => stored.get(m.messageId) !== 1).map((m) => m.messageId);
      expect(lost).toEqual([]);
      expect(await restarted.stop('SIGTERM')).toBe(0);
    },
  );

  // A keep-alive connection whose request is in flight when SIGTERM arrives stays open after its
  // response; every pooled HTTP client (fetch, analytics-node, a load balancer) holds such
  // connections. Shutdown must still finish promptly rather than wait for the keep-alive timeout.
  it(
    'SIGTERM with a request in flight on a keep-alive connection: answered, then exit within 5 s',
    { timeout: 30_000 },
    async () => {
      const server = await spawnTailor({ logLevel: 'info' });
      const socket = connect(server.port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve).once('error', reject);
      });
      let received = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        received += chunk;
      });
      try {
        const body = JSON.stringify({
          messageId: randomUUID(),
          userId: 'keep-alive-user',
          event: 'In Flight',
        });
        const half = Math.floor(body.length / 2);
        socket.write(
          'POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n' +
            `Authorization: ${WRITE_AUTH}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
            body.slice(0, half),
        );
        await sleep(200); // the server has the headers: the request is in flight
        server.process.kill('SIGTERM');
        await waitFor(() => server.output().includes('shutting down'), 5_000);
        socket.write(body.slice(half));
        await waitFor(() => /\r\n\r\n\{.*\}/s.test(received), 5_000);
        expect(received).toMatch(/^HTTP\/1\.1 200 /);

        // The client keeps its connection in the pool, as clients do. The server should still exit.
        expect(await exitWithin(server.exited, 5_000)).toEqual({ code: 0, signal: null });
      } finally {
        socket.destroy();
      }
    },
  );
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function exitWithin(
  exited: Promise<Exit>,
  timeoutMs: number,
): Promise<Exit | 'still running'> {
  const timeout = sleep(timeoutMs, 'still running' as const, { ref: false });
  return Promise.race([exited, timeout]);
}
