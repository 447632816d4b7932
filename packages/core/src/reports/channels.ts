import type { ChannelRule } from './channels.schema.js';

/** The default channel names, as marketers know them from web analytics. */
export const CHANNELS = {
  direct: 'Direct',
  organicSearch: 'Organic Search',
  paidSearch: 'Paid Search',
  organicSocial: 'Organic Social',
  paidSocial: 'Paid Social',
  paidOther: 'Paid Other',
  email: 'Email',
  affiliates: 'Affiliates',
  display: 'Display',
  referral: 'Referral',
  other: 'Other',
  /** Clicks on Tailor's own decisions (on-site personalization), when attribution counts them. */
  personalization: 'Personalization',
} as const;

/** The channel a user's rule gives a source and medium (exact, any case), or undefined. */
export function ruleChannel(
  source: string,
  medium: string,
  rules: readonly ChannelRule[],
): string | undefined {
  const s = source.toLowerCase();
  const m = medium.toLowerCase();
  for (const rule of rules) {
    if (rule.sources?.some((x) => x.toLowerCase() === s)) return rule.channel;
    if (rule.mediums?.some((x) => x.toLowerCase() === m)) return rule.channel;
  }
  return undefined;
}

/** What a touchpoint's channel is read from: its UTM source and medium, and the referrer's host. */
export interface ChannelInput {
  source?: string | undefined;
  medium?: string | undefined;
  /** The referring page's host, when it is another site (not the page's own). */
  referrerHost?: string | undefined;
}

const SEARCH = [
  'google',
  'bing',
  'yahoo',
  'duckduckgo',
  'baidu',
  'yandex',
  'ecosia',
  'naver',
  'seznam',
  'qwant',
  'startpage',
  'ask',
  'aol',
  'search',
];
const SOCIAL = [
  'facebook',
  'fb',
  'instagram',
  'ig',
  'twitter',
  't.co',
  'x.com',
  'linkedin',
  'lnkd.in',
  'pinterest',
  'reddit',
  'tiktok',
  'youtube',
  'snapchat',
  'quora',
  'tumblr',
  'vk',
  'weibo',
  'whatsapp',
  'telegram',
  'threads',
  'mastodon',
  'discord',
];
const PAID_MEDIUM = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const SOCIAL_MEDIUM = /^(social|social[-_ ]network|social[-_ ]media|sm|social[-_ ]paid)$/;
const EMAIL = /(^|[^a-z])e[-_ ]?mail([^a-z]|$)|^newsletter$/;
const DISPLAY_MEDIUM = /^(display|banner|expandable|interstitial|cpm)$/;

/** Whether a source or host names one of the sites (its name as a dot-separated label). */
function isOneOf(value: string, sites: readonly string[]): boolean {
  const labels = value.split('.');
  return sites.some(
    (site) =>
      value === site ||
      (!site.includes('.') && labels.includes(site)) ||
      value.endsWith(`.${site}`),
  );
}

/**
 * A touchpoint's channel: the user's rules first (exact source or medium, any case), then a
 * default grouping in the spirit of web analytics' default channel groups, from the UTM source
 * and medium, else the referrer's host: paid and organic search, paid and organic social, other
 * paid, email, affiliates, display, referral, direct (no campaign, no other site referring), else other.
 */
export function classifyChannel(input: ChannelInput, rules: readonly ChannelRule[] = []): string {
  const source = (input.source ?? input.referrerHost ?? '').trim().toLowerCase();
  const medium = (
    input.medium ??
    (input.source === undefined && input.referrerHost !== undefined ? 'referral' : '')
  )
    .trim()
    .toLowerCase();
  const ruled = ruleChannel(source, medium, rules);
  if (ruled !== undefined) return ruled;
  if (source === '' && medium === '') return CHANNELS.direct;
  if (source === '(direct)' && (medium === '' || medium === '(none)' || medium === '(not set)'))
    return CHANNELS.direct;
  const search = isOneOf(source, SEARCH);
  const social = isOneOf(source, SOCIAL) || SOCIAL_MEDIUM.test(medium);
  const paid = PAID_MEDIUM.test(medium);
  if (EMAIL.test(source) || EMAIL.test(medium)) return CHANNELS.email;
  if (medium === 'affiliate' || medium === 'affiliates') return CHANNELS.affiliates;
  if (search && paid) return CHANNELS.paidSearch;
  if (social && paid) return CHANNELS.paidSocial;
  if (DISPLAY_MEDIUM.test(medium)) return CHANNELS.display;
  if (search || medium === 'organic') return CHANNELS.organicSearch;
  if (social) return CHANNELS.organicSocial;
  if (paid) return CHANNELS.paidOther;
  if (medium === 'referral' || medium === '(referral)' || medium === 'link')
    return CHANNELS.referral;
  return CHANNELS.other;
}
