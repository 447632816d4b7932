import { RefusedAddressError } from './channels/webhook-agent.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * What a failed attempt's readers are told (a delivery's `lastError`, which viewers read): a
 * class of failure, never the network details (errno, address, port) that would let a key that
 * defines destinations map what the server can reach. The details go to the server log.
 */
export function failureClass(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof RefusedAddressError) return 'refused: private address';
    const code = (e as { code?: unknown }).code;
    if (e.name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT.has(code)))
      return 'timed out';
    if (typeof code === 'string' && UNREACHABLE.has(code))
      return 'connection refused or unreachable';
    if (
      typeof code === 'string' &&
      (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT'))
    )
      return 'TLS error';
  }
  return 'delivery failed';
}

/** The class of an answer that is not a success: a status, or a redirect (never followed). */
export function statusClass(status: number): string {
  return status >= 300 && status < 400
    ? `redirect not followed (HTTP ${status})`
    : `HTTP ${status}`;
}

/** The whole story of a failure, causes included, for the server log only. */
export function failureDetail(error: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = error, depth = 0;
    e !== undefined && depth < 8;
    e = e instanceof Error ? e.cause : undefined, depth++
  ) {
    if (!(e instanceof Error)) {
      parts.push(typeof e === 'string' ? e : `a thrown ${typeof e}`);
      break;
    }
    const code = (e as { code?: unknown }).code;
    parts.push(`${e.name}: ${e.message}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  return parts.join(' <- ');
}
