import type { ConnectionOptions } from '@nats-io/transport-node';

/**
 * Connection options from Tailor's NATS setting: one URL or several separated by commas (servers of
 * one cluster). Credentials in a URL (`nats://user:password@host:4222`, or `nats://token@host`)
 * become the connection's user and password or token: the client sends none it finds in a URL.
 * The connection reconnects for as long as it takes (by default nats.js gives up after 10 attempts
 * 2 s apart, and a node whose connection closed would refuse every event until restarted), and
 * makes no stack trace per request for an error that is almost never thrown (measured: a fifth of
 * a node's CPU under ingestion went to building them, a JetStream publish being a request).
 */
export function natsConnectionOptions(setting: string | readonly string[]): ConnectionOptions {
  const urls = (typeof setting === 'string' ? setting.split(',') : setting)
    .map((url) => url.trim())
    .filter((url) => url !== '');
  const options: ConnectionOptions = {};
  let credentials: string | undefined;
  const servers: string[] = [];
  for (const url of urls) {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (parsed === undefined || (parsed.username === '' && parsed.password === '')) {
      servers.push(url);
      continue;
    }
    if (credentials !== undefined && credentials !== `${parsed.username}:${parsed.password}`)
      throw new Error('NATS URLs: give the same credentials in each URL, or in one only');
    credentials = `${parsed.username}:${parsed.password}`;
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    Object.assign(options, password === '' ? { token: user } : { user, pass: password });
    parsed.username = '';
    parsed.password = '';
    servers.push(parsed.toString().replace(/\/$/, ''));
  }
  if (servers.length === 0) throw new Error('NATS URL: none given');
  return { ...options, servers, maxReconnectAttempts: -1, noAsyncTraces: true };
}
