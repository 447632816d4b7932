import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/config.schema.js';

/** The CLI's one place that reads flags, environment and the config file. */
export function readConfig(
  flags: Partial<Record<keyof Config, unknown>>,
  configFile: string | undefined,
): Readonly<Config> {
  return loadConfig({ flags, env: process.env, file: configFile, cwd: process.cwd() });
}
