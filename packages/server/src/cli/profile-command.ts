import { TailorError } from '@tailor/core';
import { openTailor } from '../open-tailor.js';
import { buildServices } from '../build-services.js';
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
        `an identifier is TYPE:VALUE, e.g. email:ann@example.com; ${typesAre(config.identity.identifiers.map((r) => r.type))}`,
      );
    await tailor.pipeline.catchUp();
    const profile = await buildServices(tailor).profiles.find(
      identifier,
      flags.provenance === true,
    );
    if (profile === undefined)
      throw new TailorError(
        'not_found',
        notFound(
          identifier,
          config.identity.identifiers.map((r) => r.type),
        ),
      );
    console.log(JSON.stringify(profile, null, 2));
  } finally {
    await tailor.close();
  }
}

function typesAre(types: string[]): string {
  return `the identifier types are ${types.join(', ')} (identity.identifiers in the config)`;
}

/** Why nothing was found: a type this installation does not have (a typo, as often as not) is named as such. */
function notFound(identifier: string, types: string[]): string {
  const type = identifier.slice(0, identifier.indexOf(':')).trim();
  if (!types.includes(type))
    return `no profile holds ${identifier}: ${type} is not an identifier type here; ${typesAre(types)}`;
  return `no profile holds ${identifier}`;
}
