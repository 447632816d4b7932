import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKGROUND_NICENESS } from '../../src/background/lower-thread-priority.js';
import { ADMIN_AUTH, cleanupTailors, postCollect, spawnTailor } from './support/spawn-tailor.js';

afterAll(async () => {
  await cleanupTailors();
});

interface Received {
  event: string;
  properties: { segment?: string; note?: string; email?: string };
  userId?: string;
}

/** A webhook receiver on loopback that keeps every body it gets. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

async function admin(url: string, method: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method,
    headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function until<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Each thread of a process: its id and nice value (`/proc/PID/task/TID/stat`, field 19). */
function threadNiceness(pid: number): { tid: number; nice: number }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the third on
    return { tid: Number(tid), nice: Number(fields[16]) };
  });
}

describe('the background worker thread of tailor serve', () => {
  it('runs the background threads at a lower priority than the request thread', async () => {
    // Tailor runs on Linux, and the test needs room below its own priority (at nice 15 or more a
    // thread cannot go 5 lower): a machine without either fails here, saying so, rather than skipping.
    expect(existsSync('/proc/thread-self'), 'thread priorities are read from /proc (Linux)').toBe(
      true,
    );
    expect(
      getPriority(),
      `the tests run at nice ${getPriority()}: run them at nice 14 or less`,
    ).toBeLessThanOrEqual(14);
    const server = await spawnTailor({ logLevel: 'warn' });
    try {
      const pid = server.process.pid!;
      // The request thread (the process's first, its id the pid) keeps the process's priority;
      // the pipeline and the checkpointer yield to it.
      const base = threadNiceness(pid).find((t) => t.tid === pid)!.nice;
      const nicer = base + BACKGROUND_NICENESS;
      const threads = await until(() => {
        const now = threadNiceness(pid);
        return now.filter((t) => t.nice === nicer).length >= 2 ? now : undefined;
      });
      expect(threads.filter((t) => t.nice === nicer)).toHaveLength(2);
      expect(threads.filter((t) => t.nice === base).length).toBeGreaterThan(0);
      expect(
        (await postCollect(server.url, '/v1/track', { userId: 'nice-1', event: 'Signed Up' }))
          .status,
      ).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('folds, evaluates segments and delivers webhooks, following definition changes made while it runs', async () => {
    // The receiver listens on loopback, which destinations reach only when the operator allows it.
    const config = join(mkdtempSync(join(tmpdir(), 'tailor-e2e-config-')), 'tailor.config.json');
    writeFileSync(config, JSON.stringify({ destinations: { allowInternal: ['127.0.0.1/32'] } }));
    const server = await spawnTailor({ logLevel: 'warn', env: { TAILOR_CONFIG: config } });
    const receiver = await startReceiver();
    try {
      expect(
        (
          await admin(`${server.url}/v1/segments/buyers`, 'PUT', {
            definition: 'count("Order Completed", ever) >= 1',
          })
        ).status,
      ).toBe(200);
      const hook = await admin(`${server.url}/v1/destinations/hook`, 'PUT', {
        type: 'webhook',
        url: receiver.url,
        events: ['Segment Entered', 'Segment Exited'],
        secret: 'a-secret-of-sixteen',
      });
      expect(hook.status, await hook.clone().text()).toBe(200);

      await postCollect(server.url, '/v1/track', {
        userId: 'bg-1',
        event: 'Order Completed',
        properties: { revenue: 30 },
      });
      const entered = await until(() =>
        receiver.received.find((r) => r.event === 'Segment Entered' && r.userId === 'bg-1'),
      );
      expect(entered.properties.segment).toBe('buyers');

      // A changed definition reaches the worker: bg-1 no longer qualifies and leaves.
      expect(
        (
          await admin(`${server.url}/v1/segments/buyers`, 'PUT', {
            definition: 'count("Order Completed", ever) >= 2',
          })
        ).status,
      ).toBe(200);
      const exited = await until(() =>
        receiver.received.find((r) => r.event === 'Segment Exited' && r.userId === 'bg-1'),
      );
      expect(exited.properties.segment).toBe('buyers');

      // A tracking plan's personal-data marks reach the worker's dispatcher.
      const plan = await admin(`${server.url}/v1/tracking-plans/events/Note%20Left`, 'PUT', {
        mode: 'allow',
        schema: { properties: { note: { type: 'string', pii: true } } },
      });
      expect(plan.status).toBe(200);
      const notes = await admin(`${server.url}/v1/destinations/notes`, 'PUT', {
        type: 'webhook',
        url: receiver.url,
        events: ['Note Left'],
        secret: 'a-secret-of-sixteen',
      });
      expect(notes.status).toBe(200);
      await postCollect(server.url, '/v1/track', {
        userId: 'bg-1',
        event: 'Note Left',
        properties: { note: 'call me', email: 'bg@example.com' },
      });
      const note = await until(() => receiver.received.find((r) => r.event === 'Note Left'));
      expect(note.properties).toEqual({ note: '[masked]', email: '[masked]' });

      // The worker's batches are counted in the request thread's metrics.
      const metrics = await (
        await fetch(`${server.url}/metrics`, { headers: { authorization: ADMIN_AUTH } })
      ).text();
      const folded = Number(/^tailor_pipeline_events_total (\d+)/m.exec(metrics)?.[1]);
      expect(folded).toBeGreaterThanOrEqual(1);
      expect(await server.stop('SIGTERM')).toBe(0);
    } finally {
      await receiver.close();
    }
  }, 30_000);

  it('keeps the reports projection current from the worker: merged people count once, refusals leave', async () => {
    const server = await spawnTailor({ logLevel: 'warn' });
    try {
      const at = (minutes: number) => new Date(Date.UTC(2026, 10, 2, 9, minutes)).toISOString();
      const track = (who: object, event: string, minutes: number) => ({
        type: 'track',
        ...who,
        event,
        timestamp: at(minutes),
      });
      const batch = [
        // r-1 signs up anonymously and subscribes once identified: one person.
        track({ anonymousId: 'r-anon-1' }, 'Signed Up', 0),
        { type: 'identify', userId: 'r-1', anonymousId: 'r-anon-1', timestamp: at(1) },
        track({ userId: 'r-1' }, 'Subscribed', 2),
        track({ userId: 'r-2' }, 'Signed Up', 0),
        track({ userId: 'r-2' }, 'Subscribed', 3),
        track({ userId: 'r-3' }, 'Signed Up', 0),
      ];
      expect((await postCollect(server.url, '/v1/batch', { batch })).status).toBe(200);
      const counts = async (): Promise<number[]> => {
        const res = await admin(`${server.url}/v1/reports/funnel`, 'POST', {
          steps: [{ event: 'Signed Up' }, { event: 'Subscribed' }],
          windowDays: 1,
        });
        expect(res.status).toBe(200);
        return ((await res.json()) as { steps: { count: number }[] }).steps.map((s) => s.count);
      };
      const settle = async (expected: number[]): Promise<void> => {
        const end = Date.now() + 30_000;
        let last = await counts();
        while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < end) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          last = await counts();
        }
        expect(last).toEqual(expected);
      };
      await settle([3, 2]);
      const profile = (await (
        await fetch(`${server.url}/v1/profiles?identifier=userId:r-2`, {
          headers: { authorization: ADMIN_AUTH },
        })
      ).json()) as { id: string };
      const refused = await admin(`${server.url}/v1/profiles/${profile.id}/consent`, 'PUT', {
        purposes: { analytics: false },
      });
      expect(refused.status).toBe(200);
      await settle([2, 1]);
      expect(await server.stop('SIGTERM')).toBe(0);
    } finally {
      await server.stop('SIGKILL').catch(() => undefined);
    }
  }, 120_000);
});
