import {
  CHANNELS,
  classifyChannel,
  DEFAULT_CLICK_EVENT,
  DIRECT_KEY,
  ruleChannel,
  type AttributionKey,
  type ChannelRule,
  type OwnTouchpoint,
  type StoredMessage,
} from '@tailor/core';
import { EMAIL_EVENT_SOURCE } from '../journeys/email-events.js';

export interface TouchKeyOptions {
  /** Channel rules tried before the default grouping (with `by` channel). */
  rules?: readonly ChannelRule[] | undefined;
  /** Key page events without the key `(direct)` instead of leaving them out. */
  unkeyedDirect?: boolean | undefined;
  /** Tailor's own touchpoints counted besides page events. */
  own?: readonly OwnTouchpoint[] | undefined;
}

/** The source Tailor's own touchpoints carry. */
export const OWN_SOURCE = 'tailor';

/**
 * A touchpoint's key, as attribution and the funnel breakdowns read it (docs/attribution.md):
 * a page event's `context.campaign.<by>` (`name` for `campaign`), or with `by` channel its
 * channel (core's classifyChannel); or, when asked, one of Tailor's own touchpoints. Undefined
 * when the event is no touchpoint: a page that lacks the key, or, by channel, was reached from
 * the site's own pages without a campaign (it continues a visit).
 */
export function touchKey(
  message: StoredMessage,
  by: AttributionKey,
  options: TouchKeyOptions = {},
): string | undefined {
  if (message.type === 'track') return ownTouchKey(message, by, options);
  if (message.type !== 'page') return undefined;
  if (by === 'channel') return channelOf(message, options.rules ?? []);
  const key = campaignField(message, by === 'campaign' ? 'name' : by);
  return key ?? (options.unkeyedDirect === true ? DIRECT_KEY : undefined);
}

/**
 * A Tailor touchpoint's key: a journey email's link clicked (recorded by the click route, source
 * `tailor`, medium `email`, campaign the journey, content the step; channel Email) or a decision
 * clicked (`Decision Clicked`: medium `personalization`, campaign the placement, content the
 * item; channel Personalization), when the request counts them. By channel, the user's rules
 * come first.
 */
function ownTouchKey(
  message: StoredMessage,
  by: AttributionKey,
  options: TouchKeyOptions,
): string | undefined {
  const own = options.own ?? [];
  const properties = message.properties ?? {};
  let fields: { medium: string; name: unknown; content: unknown; channel: string };
  if (
    own.includes('email_clicks') &&
    message.event === 'Email Link Clicked' &&
    message.tailor.source === EMAIL_EVENT_SOURCE
  )
    fields = {
      medium: 'email',
      name: properties.journey,
      content: properties.step,
      channel: CHANNELS.email,
    };
  else if (
    own.includes('decision_clicks') &&
    message.event === DEFAULT_CLICK_EVENT &&
    typeof properties.placement === 'string'
  )
    fields = {
      medium: 'personalization',
      name: properties.placement,
      content: properties.itemId,
      channel: CHANNELS.personalization,
    };
  else return undefined;
  switch (by) {
    case 'source':
      return OWN_SOURCE;
    case 'medium':
      return fields.medium;
    case 'campaign':
    case 'content': {
      const value = by === 'campaign' ? fields.name : fields.content;
      return typeof value === 'string' && value !== '' ? value : undefined;
    }
    case 'term':
      return undefined;
    case 'channel':
      return ruleChannel(OWN_SOURCE, fields.medium, options.rules ?? []) ?? fields.channel;
  }
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
