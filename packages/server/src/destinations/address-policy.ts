import ipaddr from 'ipaddr.js';
import { TailorError } from '@tailor/core';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * What webhooks may reach although it is internal (`destinations.allowInternal`): address ranges
 * (`10.0.0.0/8`, `::1/128`, or one address) and host names (`hooks.internal`, matched exactly).
 */
export interface InternalAllowlist {
  ranges: readonly [Address, number][];
  hosts: ReadonlySet<string>;
}

export const NO_INTERNAL: InternalAllowlist = { ranges: [], hosts: new Set() };

/** Reads the config's entries; a malformed one is a configuration error, named. */
export function parseAllowlist(entries: readonly string[]): InternalAllowlist {
  const ranges: [Address, number][] = [];
  const hosts = new Set<string>();
  for (const entry of entries) {
    const text = entry.trim();
    if (text.includes('/')) {
      try {
        const [address, bits] = ipaddr.parseCIDR(unbracket(text));
        const v4 = bits >= 96 ? embeddedIPv4(address) : undefined;
        ranges.push(v4 === undefined ? [address, bits] : [v4, bits - 96]);
      } catch {
        throw new TailorError(
          'invalid_request',
          `invalid configuration: destinations.allowInternal: ${entry} is not a CIDR range`,
        );
      }
    } else if (ipaddr.isValid(unbracket(text))) {
      const address = normalize(ipaddr.parse(unbracket(text)));
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^[A-Za-z0-9.-]+$/.test(text)) {
      hosts.add(hostKey(text));
    } else {
      throw new TailorError(
        'invalid_request',
        `invalid configuration: destinations.allowInternal: ${entry} is neither an address range nor a host name`,
      );
    }
  }
  return { ranges, hosts };
}

/**
 * True when an address is a public unicast one. Refused: loopback, private (RFC 1918), carrier-grade
 * NAT, unique-local, link-local, multicast, unspecified, broadcast and reserved ranges, as ipaddr.js
 * classifies them; IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64) are judged by it.
 */
export function isPublicAddress(text: string): boolean {
  if (!ipaddr.isValid(unbracket(text))) return false;
  return normalize(ipaddr.parse(unbracket(text))).range() === 'unicast';
}

/** May a webhook connect to `address`, reached through the URL's `host`? */
export function mayConnect(address: string, host: string, allow: InternalAllowlist): boolean {
  if (allow.hosts.has(hostKey(host)) || isPublicAddress(address)) return true;
  if (!ipaddr.isValid(unbracket(address))) return false;
  const parsed = normalize(ipaddr.parse(unbracket(address)));
  return allow.ranges.some(
    ([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits),
  );
}

/**
 * Why a destination URL is refused when it is defined, or undefined: a scheme other than http(s),
 * or a host that is plainly internal (an address literal in any of the forms URLs accept, which the
 * URL parser normalizes, or `localhost`) and not allowed. Names are checked again, resolved, at
 * every connection.
 */
export function urlRefusal(url: string, allow: InternalAllowlist): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url is not a valid URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return 'url must be http or https';
  const host = unbracket(parsed.hostname);
  if (ipaddr.isValid(host)) {
    return mayConnect(host, host, allow)
      ? undefined
      : 'url refused: private address (loopback, private, link-local or reserved); see destinations.allowInternal';
  }
  const name = hostKey(host);
  if ((name === 'localhost' || name.endsWith('.localhost')) && !allow.hosts.has(name)) {
    return 'url refused: private address (localhost); see destinations.allowInternal';
  }
  return undefined;
}

/** The well-known NAT64 prefix, whose last 32 bits are an IPv4 address (RFC 6052). */
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number];

/** The IPv4 address inside an IPv6 one that carries it (mapped, compatible, NAT64), as IPv4. */
function embeddedIPv4(address: Address): ipaddr.IPv4 | undefined {
  if (address.kind() !== 'ipv6') return undefined;
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  const parts = v6.parts;
  const compatible =
    parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || (parts[7] ?? 0) > 1);
  const nat64 = range === 'rfc6052' && v6.match(NAT64);
  if (range !== 'ipv4Mapped' && range !== 'rfc6145' && !nat64 && !compatible) return undefined;
  return new ipaddr.IPv4(v6.toByteArray().slice(12));
}

function normalize(address: Address): Address {
  return embeddedIPv4(address) ?? address;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Host names compare lower-cased and without a final dot (`Hooks.Internal.` is `hooks.internal`). */
function hostKey(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}
