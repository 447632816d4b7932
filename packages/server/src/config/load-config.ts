import { existsSync, readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { checkIdentityRules, TailorError } from '@tailor/core';
import { Config } from './config.schema.js';

const checker = Compile(Config);

/** Environment variables and the config key each sets. */
const ENV_KEYS: Record<string, keyof Config> = {
  TAILOR_PORT: 'port',
  TAILOR_HOST: 'host',
  TAILOR_DATA: 'dataDir',
  TAILOR_DEFAULT_REGION: 'defaultRegion',
  TAILOR_LOG_LEVEL: 'logLevel',
  TAILOR_WRITE_KEY: 'writeKey',
  TAILOR_ADMIN_KEY: 'adminKey',
  TAILOR_SMTP_URL: 'smtpUrl',
  TAILOR_EMAIL_FROM: 'emailFrom',
  TAILOR_PUBLIC_URL: 'publicUrl',
};

export interface ConfigSources {
  /** `--postgres` and `--nats` give `storage: { postgres: { url } , nats: { url } }`. */
  flags: Partial<Record<keyof Config, unknown>>;
  env: Record<string, string | undefined>;
  /** An explicit config file (--config or TAILOR_CONFIG); otherwise ./tailor.config.json if present. */
  file?: string | undefined;
  cwd: string;
}

/**
 * Reads the configuration once, at the entry point: defaults, then the config file, then
 * TAILOR_* variables, then flags. Fails fast with every problem named; the result is frozen.
 */
export function loadConfig(sources: ConfigSources): Readonly<Config> {
  const fromFile = readConfigFile(sources);
  const fromEnv: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(ENV_KEYS)) {
    const value = sources.env[variable];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const flags = Object.fromEntries(
    Object.entries(sources.flags).filter(([, v]) => v !== undefined),
  );
  const merged: Record<string, unknown> = {
    ...fromFile,
    ...fromEnv,
    ...flags,
    limits: { ...(fromFile.limits as object | undefined) },
  };
  const encryption = encryptionFromEnv(sources.env);
  if (encryption !== undefined) {
    const privacy = (fromFile.privacy ?? {}) as Record<string, unknown>;
    merged.privacy = {
      ...privacy,
      encryption: { ...(privacy.encryption as object | undefined), ...encryption },
    };
  }
  const identitySecret = sources.env.TAILOR_IDENTITY_SECRET;
  if (identitySecret !== undefined && identitySecret !== '') {
    merged.decide = { ...(merged.decide as object | undefined), identitySecret };
  }
  merged.storage = storageSettings(fromFile.storage, sources.env, sources.flags.storage);
  const value = Value.Default(Config, Value.Convert(Config, merged));
  // Before the schema's checks, whose message would not say where the key came from.
  const keyProblem = checkGivenKeys(value as Partial<Config>);
  if (keyProblem !== undefined)
    throw new TailorError('invalid_request', `invalid configuration: ${keyProblem}`);
  if (!checker.Check(value)) {
    const problems = checker
      .Errors(value)
      .map((e) => `${e.instancePath.slice(1) || 'config'}: ${e.message}`);
    throw new TailorError('invalid_request', `invalid configuration: ${problems.join('; ')}`);
  }
  const serverProblem = checkServerSettings(value);
  if (serverProblem !== undefined)
    throw new TailorError('invalid_request', `invalid configuration: ${serverProblem}`);
  const storage = value.storage;
  if ((storage.postgres === undefined) !== (storage.nats === undefined)) {
    const missing =
      storage.postgres === undefined
        ? 'a PostgreSQL URL (--postgres or TAILOR_POSTGRES_URL)'
        : 'a NATS URL (--nats or TAILOR_NATS_URL)';
    throw new TailorError(
      'invalid_request',
      `invalid configuration: running on PostgreSQL and NATS JetStream needs both; ${missing} is missing`,
    );
  }
  const atRest = value.privacy.encryption;
  if (
    storage.postgres !== undefined &&
    atRest.enabled &&
    atRest.keys === undefined &&
    atRest.keyFile === undefined
  ) {
    throw new TailorError(
      'invalid_request',
      'invalid configuration: nodes on PostgreSQL and NATS share one encryption keyring: make it once with `tailor keys init FILE` and start every node with TAILOR_ENCRYPTION_KEY_FILE=FILE',
    );
  }
  if (!value.privacy.purposes.includes(value.models.purpose)) {
    throw new TailorError(
      'invalid_request',
      `invalid configuration: models.purpose: "${value.models.purpose}" is not one of privacy.purposes (${value.privacy.purposes.join(', ')}), so no one's consent to it would be kept`,
    );
  }
  const identityProblem = checkIdentityRules(value.identity.identifiers);
  if (identityProblem !== undefined) {
    throw new TailorError(
      'invalid_request',
      `invalid configuration: identity.identifiers: ${identityProblem}`,
    );
  }
  return Object.freeze(value);
}

/** Keys registered at start are guessable when short: at least this many characters. */
export const MIN_GIVEN_KEY_LENGTH = 16;

/** A key given in the config or environment that is too short, named without showing it. */
function checkGivenKeys(value: Partial<Config>): string | undefined {
  for (const [name, variable] of [
    ['writeKey', 'TAILOR_WRITE_KEY'],
    ['adminKey', 'TAILOR_ADMIN_KEY'],
  ] as const) {
    const key = value[name];
    if (typeof key === 'string' && key.length < MIN_GIVEN_KEY_LENGTH) {
      return `${name} (${variable}) has ${key.length} characters; a key needs at least ${MIN_GIVEN_KEY_LENGTH} (make one with: openssl rand -hex 16)`;
    }
  }
  return undefined;
}

/** Node refuses a headers timeout longer than the request timeout; say so in the config's terms. */
function checkServerSettings(value: Config): string | undefined {
  const { headersTimeoutMs, requestTimeoutMs } = value.http;
  return headersTimeoutMs > requestTimeoutMs
    ? `http.headersTimeoutMs (${headersTimeoutMs}) must not exceed http.requestTimeoutMs (${requestTimeoutMs})`
    : undefined;
}

/** The keyring is given in the environment, not on the command line (flags show in process lists). */
function encryptionFromEnv(env: ConfigSources['env']): Record<string, string> | undefined {
  const given = { keys: env.TAILOR_ENCRYPTION_KEYS, keyFile: env.TAILOR_ENCRYPTION_KEY_FILE };
  const set = Object.entries(given).filter(
    (e): e is [string, string] => e[1] !== undefined && e[1] !== '',
  );
  return set.length === 0 ? undefined : Object.fromEntries(set);
}

function readConfigFile(sources: ConfigSources): Record<string, unknown> {
  const explicit = sources.file ?? sources.env.TAILOR_CONFIG;
  const file = explicit ?? `${sources.cwd}/tailor.config.json`;
  if (!existsSync(file)) {
    if (explicit) throw new TailorError('invalid_request', `config file not found: ${file}`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (cause) {
    throw new TailorError('invalid_request', `config file ${file}: ${(cause as Error).message}`);
  }
}

/** The storage section: the file's, then TAILOR_POSTGRES_* and TAILOR_NATS_* variables, then flags, key by key. */
function storageSettings(
  file: unknown,
  env: ConfigSources['env'],
  flags: unknown,
): Record<string, unknown> {
  const section = (value: unknown, key: string): Record<string, unknown> => {
    const inner = (value as Record<string, unknown> | undefined)?.[key];
    if (typeof inner !== 'object' || inner === null) return {};
    return Object.fromEntries(Object.entries(inner).filter(([, v]) => v !== undefined));
  };
  const given = (entries: Record<string, string | undefined>): Record<string, string> =>
    Object.fromEntries(
      Object.entries(entries).filter(
        (e): e is [string, string] => e[1] !== undefined && e[1] !== '',
      ),
    );
  const storage =
    typeof file === 'object' && file !== null ? (file as Record<string, unknown>) : {};
  const postgres = {
    ...section(storage, 'postgres'),
    ...given({ url: env.TAILOR_POSTGRES_URL, schema: env.TAILOR_POSTGRES_SCHEMA }),
    ...section(flags, 'postgres'),
  };
  const nats = {
    ...section(storage, 'nats'),
    ...given({ url: env.TAILOR_NATS_URL, prefix: env.TAILOR_NATS_PREFIX }),
    ...section(flags, 'nats'),
  };
  // A schema or prefix alone (from the environment, say) does not choose the backend: a URL does.
  return {
    ...storage,
    ...(postgres.url !== undefined && { postgres }),
    ...(nats.url !== undefined && { nats }),
  };
}

/** A connection URL fit to print: its password replaced. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unreadable URL)';
  }
}
