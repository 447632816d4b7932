import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/**
 * What the browser tests share: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), the SDK built fresh, and small loopback HTTP helpers for the pages' own origin.
 */

/** Headless, and quiet: without the background-networking flags Chromium calls out at every start. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Builds the SDK bundle (`npm test` type-checks but does not run esbuild), about 0.1 s. */
export function buildSdk(): void {
  execFileSync(process.execPath, [
    fileURLToPath(new URL('../../../sdk/build.js', import.meta.url)),
    '--quiet',
  ]);
}

export async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const origin = await listenOnLoopback(server);
  await new Promise((resolve) => server.close(resolve));
  return Number(new URL(origin).port);
}
