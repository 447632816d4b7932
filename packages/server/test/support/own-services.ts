import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, constants, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * A nats-server or a PostgreSQL of one test's own, on a free loopback port, with its data in a
 * temporary folder that outlives a restart: fault tests stop and start it while Tailor nodes use
 * it. The machine's shared servers (127.0.0.1:4222 and :5432) are never touched: other test
 * files use them at the same time.
 */
export interface OwnServer {
  /** What a client connects to (`nats://…` or `postgres://…`); the same after a restart. */
  url: string;
  port: number;
  /**
   * Ends the server. `crash` is what a failing machine does to it (nats-server: SIGKILL;
   * PostgreSQL: immediate shutdown, crash recovery at the next start); `clean` is an operator's
   * stop (SIGTERM; PostgreSQL's fast shutdown). Resolves once the process has exited.
   */
  stop(how?: 'crash' | 'clean'): Promise<void>;
  /** Starts it again on the same port and data folder; resolves once it accepts clients. */
  start(): Promise<void>;
  /** What the server printed, for a failing test's message. */
  output(): string;
}

const STARTUP_TIMEOUT_MS = 30_000;
const NATS_READY = 'Server is ready';
const POSTGRES_READY = 'database system is ready to accept connections';

/** Debian puts nats-server in /usr/sbin, outside a normal user's PATH. */
const NATS_SERVER_PLACES = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];
/** Debian's PostgreSQL servers, one folder per major version. */
const DEBIAN_POSTGRES = '/usr/lib/postgresql';

const running = new Set<ChildProcess>();
const folders = new Set<string>();

// A last resort for a runner that ends without cleanup: never leave a server behind. SIGQUIT is
// PostgreSQL's immediate shutdown, which takes its backends with it (SIGKILL would orphan them).
process.once('exit', () => {
  for (const child of running)
    child.kill(child.spawnfile.endsWith('postgres') ? 'SIGQUIT' : 'SIGKILL');
});

/** Why this machine cannot run a nats-server of the test's own, or undefined when it can. */
export function natsServerMissing(): string | undefined {
  return natsServerBinary() === undefined
    ? 'nats-server is not installed (Debian: apt-get install nats-server; scripts/start-services.sh does it)'
    : undefined;
}

/** Why this machine cannot run a PostgreSQL of the test's own, or undefined when it can. */
export function postgresMissing(): string | undefined {
  if (postgresBinaries() === undefined)
    return 'PostgreSQL server binaries (initdb, postgres) are not installed (Debian: apt-get install postgresql)';
  if (isRoot() && postgresAccount() === undefined)
    return 'running as root, and there is no `postgres` account to run PostgreSQL as (it refuses root)';
  return undefined;
}

/** Starts a nats-server with JetStream on file storage in a temporary folder. */
export async function startOwnNats(): Promise<OwnServer> {
  const binary = natsServerBinary();
  if (binary === undefined) throw new Error(natsServerMissing());
  const port = await freePort();
  const folder = temporaryFolder('tailor-own-nats-');
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', folder];
  const server = new OwnProcess(() => spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  await server.start(NATS_READY);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: (how = 'crash') => server.stop(how === 'crash' ? 'SIGKILL' : 'SIGTERM'),
    start: () => server.start(NATS_READY),
    output: () => server.output,
  };
}

/**
 * Makes a new PostgreSQL cluster in a temporary folder (trust authentication, user `postgres`)
 * and starts it. As root, both run as the `postgres` account, which owns the folder. `settings`:
 * more server settings (`-c NAME=VALUE`).
 */
export async function startOwnPostgres(settings: Record<string, string> = {}): Promise<OwnServer> {
  const why = postgresMissing();
  const binaries = postgresBinaries();
  if (why !== undefined || binaries === undefined) throw new Error(why);
  const account = isRoot() ? postgresAccount() : undefined;
  const port = await freePort();
  const folder = temporaryFolder('tailor-own-postgres-');
  if (account !== undefined) chownSync(folder, account.uid, account.gid);
  const data = join(folder, 'data');
  execFileSync(
    binaries.initdb,
    ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync'],
    { cwd: folder, stdio: 'pipe', ...account },
  );
  const args = [
    ...['-D', data, '-p', String(port), '-k', folder],
    ...['-c', 'listen_addresses=127.0.0.1', '-c', 'shared_buffers=32MB'],
    // A stopped process loses nothing the kernel holds; these tests never crash the machine.
    ...['-c', 'fsync=off'],
    ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
  const server = new OwnProcess(() =>
    spawn(binaries.postgres, args, { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'], ...account }),
  );
  await server.start(POSTGRES_READY);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: (how = 'crash') => server.stop(how === 'crash' ? 'SIGQUIT' : 'SIGINT'),
    start: () => server.start(POSTGRES_READY),
    output: () => server.output,
  };
}

/** Kills every server started here and removes their folders; call it in afterEach or afterAll. */
export async function cleanupOwnServices(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(child.spawnfile.endsWith('postgres') ? 'SIGQUIT' : 'SIGKILL');
      return exited;
    }),
  );
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

/** One server process, started again and again with the same command. */
class OwnProcess {
  output = '';
  private child: ChildProcess | undefined;

  constructor(private readonly launch: () => ChildProcess) {}

  /** Launches it and resolves when it printed `ready` (a restart reads only its own lines). */
  start(ready: string): Promise<void> {
    if (this.child !== undefined) throw new Error('the server is running already');
    const child = this.launch();
    this.child = child;
    running.add(child);
    let printed = '';
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(new Error(`it did not print "${ready}" within ${STARTUP_TIMEOUT_MS} ms`));
      }, STARTUP_TIMEOUT_MS);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`${child.spawnfile}: ${error.message}\n--- its output ---\n${printed}`));
      };
      const read = (chunk: string): void => {
        this.output += chunk;
        printed += chunk;
        if (printed.includes(ready)) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const stream of [child.stdout, child.stderr]) {
        stream?.setEncoding('utf8');
        stream?.on('data', read);
      }
      child.once('error', fail);
      child.once('exit', (code, signal) => {
        running.delete(child);
        if (this.child === child) this.child = undefined;
        fail(new Error(`it exited (code ${String(code)}, signal ${String(signal)})`));
      });
    });
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

function natsServerBinary(): string | undefined {
  const places = [...(process.env.PATH ?? '').split(delimiter), ...NATS_SERVER_PLACES];
  return places.map((place) => join(place, 'nats-server')).find(isExecutable);
}

/** The newest Debian PostgreSQL, else initdb and postgres on the PATH. */
function postgresBinaries(): { initdb: string; postgres: string } | undefined {
  let versions: string[] = [];
  try {
    versions = readdirSync(DEBIAN_POSTGRES).sort((a, b) => Number(b) - Number(a));
  } catch {
    // Not Debian's layout: look on the PATH.
  }
  const places = [
    ...versions.map((version) => join(DEBIAN_POSTGRES, version, 'bin')),
    ...(process.env.PATH ?? '').split(delimiter),
  ];
  const place = places.find(
    (p) => isExecutable(join(p, 'initdb')) && isExecutable(join(p, 'postgres')),
  );
  return place === undefined
    ? undefined
    : { initdb: join(place, 'initdb'), postgres: join(place, 'postgres') };
}

function postgresAccount(): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string): number =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function temporaryFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.add(folder);
  return folder;
}

/** A port free now on loopback (the server binds it a moment later; a clash fails its start). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}
