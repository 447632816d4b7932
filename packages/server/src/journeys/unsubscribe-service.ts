import { TailorError } from '@tailor/core';
import type { ProfileService } from '../profiles/profile-service.js';
import type { EmailLinks } from './email-links.js';

/**
 * Unsubscribing through the signed link of a journey email: the person's refusal of the
 * `marketing` purpose is recorded in the log as a `Consent Updated` event (as `setConsent` or
 * `PUT /v1/profiles/ID/consent` record it), so the profile, journeys and destinations follow.
 */
export class UnsubscribeService {
  constructor(
    private readonly deps: {
      links: EmailLinks;
      profiles: Pick<ProfileService, 'recordConsent'>;
    },
  ) {}

  /**
   * Records the refusal for the token's person. A token Tailor did not sign is a 400 naming no one;
   * a person no longer there (erased) has nothing to refuse and is answered the same as anyone.
   * Repeating it records the same answer again, harmlessly.
   */
  async unsubscribe(token: string): Promise<void> {
    const subject = this.deps.links.verifyUnsubscribe(token);
    if (subject === undefined)
      throw new TailorError('invalid_request', 'this unsubscribe link is not valid');
    await this.deps.profiles.recordConsent(
      subject.person,
      { marketing: false },
      `unsubscribe:${subject.journey}`,
    );
  }
}
