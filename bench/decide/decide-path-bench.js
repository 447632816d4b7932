// The per-request cost of Tailor's HTTP path, in one process, without sockets: `POST /v1/decide`
// for placements that do not exist (authentication, rate limiting, audit, metrics, CORS, logging,
// body parsing and validation, the decider's lookups; nothing decided or recorded) beside the
// floor (floor-server.js's app: the same Fastify, JSON parsed, a fixed answer), both through
// Fastify's `inject` so neither pays for a client or the kernel. CPU per request is the process's
// user + system time over a phase; the phases alternate, so both see the same machine.
//
//   npm run build && node bench/decide/decide-path-bench.js
//
// Env: BENCH_REQUESTS (20000 a phase), BENCH_ROUNDS (5). Tailor runs as `tailor serve` does: logs
// at warn (to nowhere), encryption at rest on, the write key's per-address limit off (one address).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { loadConfig } from '../../packages/server/dist/config/load-config.js';
import { buildApp } from '../../packages/server/dist/http/build-app.js';
import { openTailor } from '../../packages/server/dist/open-tailor.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 32;
const WRITE_KEY = 'bench-write-key-0001';
const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;

const ANSWER = {
  decisions: ['p1', 'p2', 'p3'].map((placement, i) => ({
    placement,
    itemId: `item-${i}`,
    content: `Welcome back Ann, we picked something for you in ${placement}`,
    fallback: false,
    reasons: [
      `item-${i}: chosen (traits.plan = "pro")`,
      'item-9: rule did not hold (context.device = "mobile")',
    ],
  })),
};
const floor = Fastify({ logger: false });
floor.post('/v1/decide', async () => ANSWER);
await floor.ready();

const dir = mkdtempSync(join(tmpdir(), 'tailor-bench-decide-path-'));
const config = loadConfig({
  flags: { dataDir: dir, logLevel: 'warn', keys: { writeRateLimitPerIp: null } },
  env: {},
  cwd: dir,
});
const tailor = await openTailor(config);
await tailor.keys.create('bench-write', 'write', new Date(), WRITE_KEY);
const app = await buildApp({ tailor, logger: { level: 'warn', stream: { write() {} } } });
await app.ready();

let n = 0;
const body = () =>
  JSON.stringify({
    userId: `user-${n++ % 1000}`,
    placements: ['no-such-1', 'no-such-2', 'no-such-3'],
    context: { page: { path: '/shoes' }, device: 'mobile' },
  });

/** CPU microseconds per request for `count` requests, IN_FLIGHT at a time. */
async function phase(target, count) {
  const before = process.cpuUsage();
  for (let done = 0; done < count; done += IN_FLIGHT) {
    const answers = await Promise.all(
      Array.from({ length: IN_FLIGHT }, () =>
        target.inject({
          method: 'POST',
          url: '/v1/decide',
          headers: { 'content-type': 'application/json', authorization: auth },
          payload: body(),
        }),
      ),
    );
    if (answers.some((a) => a.statusCode !== 200)) throw new Error(answers[0]?.body);
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

try {
  await phase(floor, REQUESTS / 4); // JIT warm-up
  await phase(app, REQUESTS / 4);
  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const floorUs = await phase(floor, REQUESTS);
    const tailorUs = await phase(app, REQUESTS);
    rounds.push(floorUs / tailorUs);
    console.log(
      `round ${round} (load ${loadavg()[0].toFixed(1)}): floor ${floorUs.toFixed(1)} us, tailor unknown placement ${tailorUs.toFixed(1)} us a request: ratio ${(floorUs / tailorUs).toFixed(2)}`,
    );
  }
  rounds.sort((a, b) => a - b);
  console.log(
    `median ratio (floor CPU / Tailor CPU): ${rounds[Math.floor(ROUNDS / 2)].toFixed(2)}`,
  );
} finally {
  await app.close();
  await tailor.close();
  await floor.close();
  rmSync(dir, { recursive: true, force: true });
}
