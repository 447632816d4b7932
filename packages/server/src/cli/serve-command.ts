import { createServer } from 'node:net';
import { TailorError } from '@tailor/core';
import { bootstrapKeys } from '../keys/key-registry.js';
import { buildApp } from '../http/build-app.js';
import { loadDemo } from '../demo/load-demo.js';
import { openTailor } from '../open-tailor.js';
import { makeDataFolder } from '../privacy/private-files.js';
import { readConfig } from './read-config.js';
import { lockForServe } from './serve-lock.js';

interface ServeFlags {
  port?: number;
  host?: string;
  data?: string;
  config?: string;
  defaultRegion?: string;
  logLevel?: string;
  demo?: boolean;
  postgres?: string;
  nats?: string;
}

export async function serveCommand(flags: ServeFlags): Promise<void> {
  const config = readConfig(
    {
      port: flags.port,
      host: flags.host,
      dataDir: flags.data,
      defaultRegion: flags.defaultRegion,
      logLevel: flags.logLevel,
      demo: flags.demo,
      storage: { postgres: { url: flags.postgres }, nats: { url: flags.nats } },
    },
    flags.config,
  );
  await checkPortFree(config.host, config.port); // before anything is made: keys printed by a start that then fails are lost
  const folderWarning = makeDataFolder(config.dataDir);
  const tailor = await openTailor(config, Date.now, { backgroundThread: true });
  const unlock = lockForServe(config.dataDir);
  const { created } = await bootstrapKeys(
    tailor.keys,
    { writeKey: config.writeKey, adminKey: config.adminKey },
    new Date(),
  );
  if (created.length > 0) {
    console.log('Created API keys. They are shown this once and stored hashed:');
    for (const k of created) console.log(`  ${k.role.padEnd(6)} ${k.name.padEnd(14)} ${k.key}`);
  } else if (config.adminKey === undefined) {
    console.log(LOST_KEYS_HINT(config.dataDir));
  }
  if (config.demo) {
    const { loaded, problems = [] } = await loadDemo(tailor);
    if (loaded > 0)
      console.log(
        `Loaded ${loaded} demo events (a small shop's visitors over 45 days), with a journey, a model, a recommender and a clustering trained over them.`,
      );
    for (const problem of problems) console.log(`Demo: not trained: ${problem}`);
  }
  tailor.background.start();
  // The worker thread opens the folder and starts the pipeline and dispatcher: wait for it, so the
  // first event after `listening on` is folded at once instead of after the worker's start.
  await tailor.background.ready();
  const app = await buildApp({ tailor });
  if (folderWarning !== undefined) app.log.warn(folderWarning);
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      app.log.info({ signal }, 'already shutting down');
      return;
    }
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // Stop taking requests and let in-flight ones finish (their commits included). A keep-alive
    // connection becomes idle only once its response is sent, after close() swept the idle ones, so
    // keep sweeping until the server is closed; otherwise a client could hold shutdown open.
    const sweeper = setInterval(() => {
      app.server.closeIdleConnections();
    }, 50);
    app
      .close()
      .then(() => tailor.close())
      .then(() => {
        unlock();
        clearInterval(sweeper);
        process.exit(0);
      })
      .catch((error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`listening on http://${config.host}:${port}`);
  if (config.demo) printDemoGuide(`http://${config.host}:${port}`, created, config);
}

/** Keys are shown once, when made: how to get in again. */
const LOST_KEYS_HINT = (dataDir: string): string =>
  `API keys were shown when they were made. A new admin key: npx tailor keys create NAME --role admin --data ${dataDir} ` +
  '(the server accepts it once restarted), or start with TAILOR_ADMIN_KEY set to a long random key.';

/** Fails with a clear message when the port is taken (probed by listening on it once; 0 picks a free one). */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(
          new TailorError(
            'conflict',
            `port ${port} on ${host} is in use (another tailor serve?): stop it, or choose another port with --port`,
          ),
        );
      else if (error.code === 'EACCES')
        reject(
          new TailorError(
            'invalid_request',
            `port ${port} on ${host} needs privileges this process lacks: choose another with --port`,
          ),
        );
      else reject(error);
    });
    probe.listen({ host, port, exclusive: true }, () => {
      probe.close(() => {
        resolve();
      });
    });
  });
}

function printDemoGuide(
  url: string,
  created: { role: string; key: string }[],
  config: { writeKey?: string | undefined; adminKey?: string | undefined },
): void {
  const write = config.writeKey ?? created.find((k) => k.role === 'write')?.key ?? 'WRITE_KEY';
  const admin = config.adminKey ?? created.find((k) => k.role === 'admin')?.key ?? 'ADMIN_KEY';
  console.log(`
Open the dashboard: ${url}/  (sign in with the admin key; search for user-1001)
Try it:
  curl -u '${write}:' -H 'content-type: application/json' \\
       -d '{"userId":"user-1001","event":"Product Viewed","properties":{"sku":"SHOE-RUN-01"}}' ${url}/v1/track
  curl -H 'authorization: Bearer ${admin}' '${url}/v1/events?userId=user-1001&limit=5'
  curl -H 'authorization: Bearer ${admin}' '${url}/v1/profiles?identifier=userId:user-1001&provenance=true'
  curl -H 'authorization: Bearer ${admin}' '${url}/v1/segments/repeat%20buyers/members'
  curl ${url}/metrics        curl ${url}/openapi.json
`);
  if (write === 'WRITE_KEY' || admin === 'ADMIN_KEY')
    console.log(
      'WRITE_KEY and ADMIN_KEY: the keys printed at the first start (see above for a new one).\n',
    );
}
