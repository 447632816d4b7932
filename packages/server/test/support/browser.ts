import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startTestTailor, type TestTailor } from './test-tailor.js';

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

/**
 * Relays a POST the page made to Tailor (as text/plain, the way sendBeacon sends) and writes
 * Tailor's answer back to the page; resolves with its status.
 */
export async function relayToTailor(
  response: ServerResponse,
  serverOrigin: string,
  url: string,
  body: string,
): Promise<number> {
  const forwarded = await fetch(`${serverOrigin}${url}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'text/plain' },
  });
  response
    .writeHead(forwarded.status, { 'content-type': 'application/json' })
    .end(await forwarded.text());
  return forwarded.status;
}

/** Stops a page server, dropping the connections the browser keeps alive. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

/** What a browser test runs against: Tailor listening, the page's own server (another origin), Chromium. */
export interface BrowserSuite<Shop> {
  t: TestTailor;
  serverOrigin: string;
  shop: Shop;
  browser: Browser;
  close(): Promise<void>;
}

export async function startBrowserSuite<Shop extends { close(): Promise<void> }>(
  startPageServer: (serverOrigin: string) => Promise<Shop>,
): Promise<BrowserSuite<Shop>> {
  buildSdk();
  const t = await startTestTailor();
  const serverOrigin = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const shop = await startPageServer(serverOrigin);
  const browser = await launchChromium();
  return {
    t,
    serverOrigin,
    shop,
    browser,
    async close() {
      await browser.close();
      await shop.close();
      await t.close();
    },
  };
}
