import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';

/** An email as the journeys hand it to SMTP. */
export interface EmailMessage {
  to: string;
  subject: string;
  html: string;
  /** The plain-text alternative, when the step has one. */
  text?: string;
  headers: Record<string, string>;
}

/** A pooled SMTP sender for `TAILOR_SMTP_URL` from `TAILOR_EMAIL_FROM`. */
export function smtpSender(
  url: string,
  from: string,
): { send: (message: EmailMessage) => Promise<void>; close: () => void } {
  const transport: Transporter = nodemailer.createTransport(
    `${url}${url.includes('?') ? '&' : '?'}pool=true`,
  );
  return {
    send: async (message) => {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        html: message.html,
        ...(message.text !== undefined && { text: message.text }),
        headers: message.headers,
      });
    },
    close: () => {
      transport.close();
    },
  };
}
