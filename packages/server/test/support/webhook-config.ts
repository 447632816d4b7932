import { Value } from 'typebox/value';
import { Config } from '../../src/config/config.schema.js';

/**
 * Config overrides for tests whose webhook receivers listen on loopback, which destinations refuse
 * unless allowed (`destinations.allowInternal`): the given options over the defaults.
 */
export function webhookConfig(
  options: Partial<Config['destinations']> = {},
): Pick<Config, 'destinations'> {
  return {
    destinations: Value.Default(Config.properties.destinations, {
      allowInternal: ['127.0.0.1/32'],
      ...options,
    }) as Config['destinations'],
  };
}
