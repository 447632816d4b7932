import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedEmail {
  to: string;
  /** The message as it came, headers and body. */
  raw: string;
  /** When the receiver had the whole message (ms since the epoch). */
  at: number;
  /** Whether the session was encrypted (TLS from the start or after STARTTLS). */
  secure: boolean;
  /** The user who logged in, when one did. */
  user?: string;
}

export interface SmtpReceiver {
  /** `smtp://127.0.0.1:PORT`, for TAILOR_SMTP_URL. */
  url: string;
  received: ReceivedEmail[];
  close(): Promise<void>;
}

/** How the receiver takes connections: plain by default. */
export interface SmtpReceiverOptions {
  /** TLS from the start (`smtps://`), with smtp-server's own self-signed certificate. */
  secure?: boolean;
  /** Offer STARTTLS (the same certificate) on a plain connection. */
  starttls?: boolean;
  /** Require this login (over TLS only, as smtp-server does). */
  login?: { user: string; pass: string };
}

/** A real SMTP server on loopback (by default no TLS, no authentication) that keeps every message it is given. */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const received: ReceivedEmail[] = [];
  const { login } = options;
  const server = new SMTPServer({
    secure: options.secure === true,
    authOptional: login === undefined,
    disabledCommands: [
      ...(options.starttls === true || options.secure === true ? [] : ['STARTTLS']),
      ...(login === undefined ? ['AUTH'] : []),
    ],
    onAuth(auth, _session, callback) {
      if (login !== undefined && auth.username === login.user && auth.password === login.pass)
        callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address).join(','),
          raw: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
          secure: session.secure,
          ...(typeof session.user === 'string' && { user: session.user }),
        });
        callback();
      });
    },
  });
  // A client that gives up (a certificate it refuses, a wrong password) is the client's failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `${options.secure === true ? 'smtps' : 'smtp'}://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
