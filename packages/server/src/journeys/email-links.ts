import { createHmac, timingSafeEqual } from 'node:crypto';

/** Who an unsubscribe link is for: a person (by profile id) and the journey whose email carried it. */
export interface UnsubscribeSubject {
  person: string;
  journey: string;
}

/** One email: a journey's step, sent to a person. */
export interface EmailRef {
  person: string;
  journey: string;
  step: string;
}

/**
 * Signed links in journey emails. A token is `PAYLOAD.SIGNATURE`, both base64url: the payload
 * names the person (by profile id) and the journey, the signature is its HMAC-SHA256 under a key
 * derived from the installation's secret (the identity-verification secret, which every node
 * holds alike), so only Tailor makes tokens and one person's link says nothing about another's.
 */
export class EmailLinks {
  private readonly key: Buffer;

  constructor(installationSecret: string) {
    this.key = createHmac('sha256', installationSecret).update('tailor email links').digest();
  }

  unsubscribeToken(subject: UnsubscribeSubject): string {
    const payload = Buffer.from(JSON.stringify([subject.person, subject.journey])).toString(
      'base64url',
    );
    return `${payload}.${this.sign('unsubscribe', payload)}`;
  }

  /** The subject of a token Tailor made, or undefined for anything else (forged, altered, malformed). */
  verifyUnsubscribe(token: string): UnsubscribeSubject | undefined {
    const [payload, signature, extra] = token.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign('unsubscribe', payload), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [person, journey] = parsed as unknown[];
    if (typeof person !== 'string' || typeof journey !== 'string') return undefined;
    return { person, journey };
  }

  /** A token for the tracking pixel of one email (a step of a journey, for a person). */
  openToken(email: EmailRef): string {
    return this.make('open', [email.person, email.journey, email.step]);
  }

  verifyOpen(token: string): EmailRef | undefined {
    const parts = this.read('open', token, 3);
    return parts && { person: parts[0] ?? '', journey: parts[1] ?? '', step: parts[2] ?? '' };
  }

  /** A token for a link of one email: the URL is signed with it, so only that URL is redirected to. */
  clickToken(email: EmailRef, url: string): string {
    return this.make('click', [email.person, email.journey, email.step, url]);
  }

  verifyClick(token: string): (EmailRef & { url: string }) | undefined {
    const parts = this.read('click', token, 4);
    return (
      parts && {
        person: parts[0] ?? '',
        journey: parts[1] ?? '',
        step: parts[2] ?? '',
        url: parts[3] ?? '',
      }
    );
  }

  private make(purpose: string, fields: string[]): string {
    const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
    return `${payload}.${this.sign(purpose, payload)}`;
  }

  /** The fields of a token signed for `purpose`, else undefined. */
  private read(purpose: string, token: string, count: number): string[] | undefined {
    const [payload, signature, extra] = token.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(purpose, payload), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== count) return undefined;
    if (!parsed.every((f): f is string => typeof f === 'string')) return undefined;
    return parsed;
  }

  private sign(purpose: string, payload: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\0${payload}`).digest('base64url');
  }
}
