import type { ProfileReader } from '../store/profile-store.js';

/** The ids a message about a profile carries: its userId, else its anonymousId; undefined when it has neither. */
export async function personIds(
  profiles: Pick<ProfileReader, 'identifiers'>,
  profileId: string,
): Promise<{ userId: string | null; anonymousId: string | null } | undefined> {
  const identifiers = await profiles.identifiers(profileId);
  const userId = identifiers.find((i) => i.type === 'userId')?.value ?? null;
  const anonymousId =
    userId === null ? (identifiers.find((i) => i.type === 'anonymousId')?.value ?? null) : null;
  return userId === null && anonymousId === null ? undefined : { userId, anonymousId };
}
