import { randomUUID } from 'node:crypto';
import { TailorError } from '@tailor/core';
import type { EmailEventRecorder } from './email-events.js';
import type { EmailLinks } from './email-links.js';

/**
 * Opens and clicks of journey emails, through the signed pixel and link URLs the runner put in
 * them: each is appended to the log as the person's `Email Opened` or `Email Link Clicked`.
 */
export class EmailTrackingService {
  constructor(private readonly deps: { links: EmailLinks; record: EmailEventRecorder }) {}

  /** Records an open; a token Tailor did not sign is a 400. */
  async opened(token: string): Promise<void> {
    const email = this.deps.links.verifyOpen(token);
    if (email === undefined) throw new TailorError('invalid_request', 'this link is not valid');
    await this.deps.record({
      person: email.person,
      name: 'Email Opened',
      properties: { journey: email.journey, step: email.step },
      messageId: `email-opened:${randomUUID()}`,
    });
  }

  /**
   * Records a click and answers where to send the browser: only the URL signed into the token, which
   * was in the email as rendered; anything else is a 400 and goes nowhere (never an open redirect).
   */
  async clicked(token: string): Promise<string> {
    const click = this.deps.links.verifyClick(token);
    if (click === undefined || !/^https?:\/\//i.test(click.url))
      throw new TailorError('invalid_request', 'this link is not valid');
    await this.deps.record({
      person: click.person,
      name: 'Email Link Clicked',
      properties: { journey: click.journey, step: click.step, url: click.url },
      messageId: `email-clicked:${randomUUID()}`,
    });
    return click.url;
  }
}
