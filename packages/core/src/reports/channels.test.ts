import { describe, expect, it } from 'vitest';
import { classifyChannel } from './channels.js';

describe('classifyChannel', () => {
  it.each([
    [{}, 'Direct'],
    [{ source: '(direct)', medium: '(none)' }, 'Direct'],
    [{ source: 'google', medium: 'cpc' }, 'Paid Search'],
    [{ source: 'google', medium: 'organic' }, 'Organic Search'],
    [{ referrerHost: 'www.google.com' }, 'Organic Search'],
    [{ referrerHost: 'duckduckgo.com' }, 'Organic Search'],
    [{ source: 'facebook', medium: 'paid_social' }, 'Paid Social'],
    [{ source: 'facebook', medium: 'cpc' }, 'Paid Social'],
    [{ referrerHost: 'l.facebook.com' }, 'Organic Social'],
    [{ referrerHost: 't.co' }, 'Organic Social'],
    [{ source: 'mastodon', medium: 'social' }, 'Organic Social'],
    [{ source: 'newsletter', medium: 'email' }, 'Email'],
    [{ source: 'crm', medium: 'e-mail' }, 'Email'],
    [{ source: 'partner', medium: 'affiliate' }, 'Affiliates'],
    [{ source: 'dsp', medium: 'banner' }, 'Display'],
    [{ source: 'dsp', medium: 'cpm' }, 'Display'],
    [{ source: 'podcast', medium: 'ppc' }, 'Paid Other'],
    [{ referrerHost: 'blog.example.org' }, 'Referral'],
    [{ source: 'blog.example.org', medium: 'referral' }, 'Referral'],
    [{ source: 'print', medium: 'qr' }, 'Other'],
  ])('%j is %s', (input, channel) => {
    expect(classifyChannel(input)).toBe(channel);
  });

  it('tries the user’s rules first, exact and in any case', () => {
    const rules = [
      { channel: 'Partners', sources: ['PartnerX'] },
      { channel: 'Podcasts', mediums: ['audio'] },
    ];
    expect(classifyChannel({ source: 'partnerx', medium: 'affiliate' }, rules)).toBe('Partners');
    expect(classifyChannel({ source: 'spotify', medium: 'Audio' }, rules)).toBe('Podcasts');
    expect(classifyChannel({ source: 'partnerxy', medium: 'affiliate' }, rules)).toBe('Affiliates');
  });
});
