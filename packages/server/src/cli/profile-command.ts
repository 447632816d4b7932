import { TailorError } from '@tailor/core';
import { openTailor } from '../open-tailor.js';
import { buildServices } from '../build-services.js';
import { identifierTypesAre, notHeldMessage } from '../profiles/profile-service.js';
import { readConfig } from './read-config.js';

interface ProfileFlags {
  data?: string;
  config?: string;
  provenance?: boolean;
}

/**
 * Prints the profile holding TYPE:VALUE as JSON, the same shape as `GET /v1/profiles`. Events not
 * yet folded (an import with no server running) are folded first; a running server's pipeline and
 * this one never fold an event twice, as the log position moves in the same transaction as state.
 */
export async function profileCommand(identifier: string, flags: ProfileFlags): Promise<void> {
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const tailor = await openTailor(config);
  try {
    if (!identifier.includes(':'))
      throw new TailorError(
        'invalid_request',
        `an identifier is TYPE:VALUE, e.g. email:ann@example.com; ${identifierTypesAre(config.identity.identifiers.map((r) => r.type))}`,
      );
    await tailor.pipeline.catchUp();
    const profile = await buildServices(tailor).profiles.find(
      identifier,
      flags.provenance === true,
    );
    if (profile === undefined)
      throw new TailorError(
        'not_found',
        notHeldMessage(
          identifier,
          config.identity.identifiers.map((r) => r.type),
        ),
      );
    console.log(JSON.stringify(profile, null, 2));
  } finally {
    await tailor.close();
  }
}
