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

/** What kind of touchpoint an event can be: a page, or one of Tailor's own. */
export type TouchKind = 'page' | 'email_click' | 'decision_click';

/**
 * All a touchpoint's key is made of (touchKey reads nothing else): for a page, its campaign's
 * fields (`context.campaign`, non-empty strings) and the hosts of its referrer and of the page
 * itself (hosts only: the projection stores these, docs/reports.md); for Tailor's own
 * touchpoints, `name` the journey or placement and `content` the step or item (non-empty
 * strings). Undefined: not there.
 */
export interface TouchFields {
  kind: TouchKind;
  source?: string | undefined;
  medium?: string | undefined;
  name?: string | undefined;
  content?: string | undefined;
  term?: string | undefined;
  referrerHost?: string | undefined;
  pageHost?: string | undefined;
}

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
  const fields = touchFields(message);
  return fields === undefined ? undefined : touchKeyOf(fields, by, options);
}

/**
 * What of an event can make it a touchpoint (undefined: it never is one): every page event, and
 * Tailor's own touchpoints whatever a request counts: a journey email's link clicked (recorded
 * by the click route, source `journeys`) and a decision clicked (`Decision Clicked` with a
 * string `placement`).
 */
export function touchFields(message: StoredMessage): TouchFields | undefined {
  if (message.type === 'page') {
    const page = message.context.page as Record<string, unknown> | undefined;
    return {
      kind: 'page',
      source: campaignField(message, 'source'),
      medium: campaignField(message, 'medium'),
      name: campaignField(message, 'name'),
      content: campaignField(message, 'content'),
      term: campaignField(message, 'term'),
      referrerHost: hostOf(page?.referrer ?? message.properties?.referrer),
      pageHost: hostOf(page?.url ?? message.properties?.url),
    };
  }
  if (message.type !== 'track') return undefined;
  const properties = message.properties ?? {};
  if (message.event === 'Email Link Clicked' && message.tailor.source === EMAIL_EVENT_SOURCE)
    return {
      kind: 'email_click',
      name: text(properties.journey),
      content: text(properties.step),
    };
  if (message.event === DEFAULT_CLICK_EVENT && typeof properties.placement === 'string')
    return {
      kind: 'decision_click',
      name: text(properties.placement),
      content: text(properties.itemId),
    };
  return undefined;
}

/** touchKey over an event's touch fields (the projection keeps these, not the events). */
export function touchKeyOf(
  fields: TouchFields,
  by: AttributionKey,
  options: TouchKeyOptions = {},
): string | undefined {
  if (fields.kind !== 'page') return ownTouchKey(fields, by, options);
  if (by === 'channel') return channelOf(fields, options.rules ?? []);
  const key = by === 'campaign' ? fields.name : fields[by];
  return key ?? (options.unkeyedDirect === true ? DIRECT_KEY : undefined);
}

/**
 * A Tailor touchpoint's key: a journey email's link clicked (source `tailor`, medium `email`,
 * campaign the journey, content the step; channel Email) or a decision clicked (medium
 * `personalization`, campaign the placement, content the item; channel Personalization), when
 * the request counts them. By channel, the user's rules come first.
 */
function ownTouchKey(
  fields: TouchFields,
  by: AttributionKey,
  options: TouchKeyOptions,
): string | undefined {
  const own = options.own ?? [];
  const email = fields.kind === 'email_click';
  if (!own.includes(email ? 'email_clicks' : 'decision_clicks')) return undefined;
  const medium = email ? 'email' : 'personalization';
  switch (by) {
    case 'source':
      return OWN_SOURCE;
    case 'medium':
      return medium;
    case 'campaign':
      return fields.name;
    case 'content':
      return fields.content;
    case 'term':
      return undefined;
    case 'channel':
      return (
        ruleChannel(OWN_SOURCE, medium, options.rules ?? []) ??
        (email ? CHANNELS.email : CHANNELS.personalization)
      );
  }
}

/**
 * A page's channel: from its campaign's source and medium, else from the referring site; a page
 * without a campaign referred by the same site continues a visit (undefined).
 */
function channelOf(fields: TouchFields, rules: readonly ChannelRule[]): string | undefined {
  const { source, medium, referrerHost: referrer, pageHost: own } = fields;
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
  return text((campaign as Record<string, unknown>)[field]);
}

/** A non-empty string, else undefined. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
