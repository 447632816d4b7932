import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { mayConnect, type InternalAllowlist } from '../address-policy.js';

/** A connection refused because the host is, or resolves to, an internal address. */
export class RefusedAddressError extends Error {
  override readonly name = 'RefusedAddressError';
}

export type Resolve = (host: string) => Promise<string[]>;

const resolveAll: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * The HTTP agent webhooks are POSTed through. Every connection it opens resolves the host itself,
 * keeps only the addresses the policy allows (public ones, or the operator's allowlist), and
 * connects to one of those by address: the check is on the address the socket connects to, at
 * connect time, so a name that resolves (or comes to resolve) to loopback or a private network is
 * refused, and DNS cannot change between the check and the connection. TLS still verifies the
 * certificate against the host name.
 */
export function webhookAgent(
  allow: InternalAllowlist,
  options: { connectTimeoutMs: number; resolve?: Resolve },
): Agent {
  const connect = buildConnector({ timeout: options.connectTimeoutMs });
  const resolve = options.resolve ?? resolveAll;
  return new Agent({
    connect: (target, callback) => {
      allowedAddress(target.hostname, allow, resolve).then(
        (address) => {
          connect({ ...target, hostname: address }, callback);
        },
        (error: unknown) => {
          callback(error instanceof Error ? error : new Error(String(error)), null);
        },
      );
    },
  });
}

async function allowedAddress(
  hostname: string,
  allow: InternalAllowlist,
  resolve: Resolve,
): Promise<string> {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  const addresses = isIP(host) === 0 ? await resolve(host) : [host];
  const allowed = addresses.find((address) => mayConnect(address, host, allow));
  if (allowed === undefined)
    throw new RefusedAddressError(
      `${host} resolves to ${addresses.join(', ')}: internal, not in destinations.allowInternal`,
    );
  return allowed;
}
