import { afterEach, describe, expect, it } from 'vitest';
import { smtpSender } from '../src/journeys/smtp-sender.js';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtp-receiver.js';

/**
 * TAILOR_SMTP_URL as nodemailer reads it, against a real SMTP server on loopback: TLS from the
 * start (`smtps://`), STARTTLS required, a login, and the certificate checked unless told not to
 * (the receiver's certificate is smtp-server's own self-signed one). docs/journeys.md, "SMTP".
 */
const receivers: SmtpReceiver[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  for (const receiver of receivers.splice(0)) await receiver.close();
});

function sender(url: string): ReturnType<typeof smtpSender> {
  const made = smtpSender(url, 'Tailor <news@example.com>');
  closers.push(made.close);
  return made;
}

const MESSAGE = { to: 'ada@example.com', subject: 'Hi', html: '<p>Hi</p>', headers: {} };

describe('the SMTP sender', () => {
  it('sends over TLS from the start, refusing a certificate it cannot verify unless told', async () => {
    const receiver = await startSmtpReceiver({ secure: true });
    receivers.push(receiver);
    expect(receiver.url).toMatch(/^smtps:/);
    await expect(sender(receiver.url).send(MESSAGE)).rejects.toThrow(/certificate/i);
    expect(receiver.received).toEqual([]);
    await sender(`${receiver.url}?tls.rejectUnauthorized=false`).send(MESSAGE);
    expect(receiver.received.map((m) => [m.to, m.secure])).toEqual([['ada@example.com', true]]);
  });

  it('upgrades with STARTTLS and logs in with the credentials in the URL; a wrong password is refused', async () => {
    const receiver = await startSmtpReceiver({
      starttls: true,
      login: { user: 'tailor', pass: 's3cret/pass' },
    });
    receivers.push(receiver);
    const at = receiver.url.replace('smtp://', '');
    const options = '?requireTLS=true&tls.rejectUnauthorized=false';
    await expect(sender(`smtp://tailor:wrong@${at}${options}`).send(MESSAGE)).rejects.toThrow(
      /Invalid username or password/,
    );
    // Reserved characters of the password are percent-encoded in the URL.
    await sender(`smtp://tailor:${encodeURIComponent('s3cret/pass')}@${at}${options}`).send(
      MESSAGE,
    );
    expect(receiver.received.map((m) => [m.to, m.secure, m.user])).toEqual([
      ['ada@example.com', true, 'tailor'],
    ]);
  });
});
