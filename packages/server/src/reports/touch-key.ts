import {
  classifyChannel,
  DIRECT_KEY,
  type AttributionKey,
  type ChannelRule,
  type StoredMessage,
} from '@tailor/core';

export interface TouchKeyOptions {
  /** Channel rules tried before the default grouping (with `by` channel). */
  rules?: readonly ChannelRule[] | undefined;
  /** Key page events without the key `(direct)` instead of leaving them out. */
  unkeyedDirect?: boolean | undefined;
}

/**
 * A page event's touchpoint key, as attribution and the funnel breakdowns read it
 * (docs/attribution.md): `context.campaign.<by>` (`name` for `campaign`), or with `by` channel
 * its channel (core's classifyChannel). Undefined when the page is no touchpoint: it lacks the
 * key, or, by channel, it was reached from the site's own pages without a campaign (it continues
 * a visit).
 */
export function touchKey(
  message: StoredMessage,
  by: AttributionKey,
  options: TouchKeyOptions = {},
): string | undefined {
  if (message.type !== 'page') return undefined;
  if (by === 'channel') return channelOf(message, options.rules ?? []);
  const key = campaignField(message, by === 'campaign' ? 'name' : by);
  return key ?? (options.unkeyedDirect === true ? DIRECT_KEY : undefined);
}

/**
 * A page's channel: from its campaign's source and medium, else from the referring site; a page
 * without a campaign referred by the same site continues a visit (undefined).
 */
function channelOf(message: StoredMessage, rules: readonly ChannelRule[]): string | undefined {
  const source = campaignField(message, 'source');
  const medium = campaignField(message, 'medium');
  const page = message.context.page as Record<string, unknown> | undefined;
  const referrer = hostOf(page?.referrer ?? message.properties?.referrer);
  const own = hostOf(page?.url ?? message.properties?.url);
  if (source === undefined && medium === undefined && referrer !== undefined && referrer === own)
    return undefined;
  return classifyChannel(
    { source, medium, referrerHost: referrer === own ? undefined : referrer },
    rules,
  );
}

function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  try {
    return new URL(url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

function campaignField(message: StoredMessage, field: string): string | undefined {
  const campaign = message.context.campaign;
  if (typeof campaign !== 'object' || campaign === null) return undefined;
  const value = (campaign as Record<string, unknown>)[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
