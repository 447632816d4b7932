import {
  CHANNELS,
  TailorError,
  type ChannelRule,
  type ChannelRulesBody,
  type ChannelRulesResult,
} from '@tailor/core';
import type { ChannelRuleStore } from './channel-rule-store.js';

/**
 * The installation's channel rules (docs/attribution.md): read and replaced through the API, read
 * from the store by each report that groups by channel, so every node sees a change at once.
 */
export class ChannelRuleService {
  constructor(private readonly deps: { store: ChannelRuleStore; now: () => number }) {}

  async get(): Promise<ChannelRulesResult> {
    const stored = await this.deps.store.get();
    return {
      rules: stored?.rules ?? [],
      updatedAt: stored?.updatedAt ?? null,
      defaults: Object.values(CHANNELS),
    };
  }

  /** Replaces the rules; a rule that names no source and no medium matches nothing: refused. */
  async put(body: ChannelRulesBody): Promise<ChannelRulesResult> {
    body.rules.forEach((rule, i) => {
      if ((rule.sources?.length ?? 0) + (rule.mediums?.length ?? 0) === 0)
        throw new TailorError(
          'invalid_request',
          `rules[${i}] (${rule.channel}): name at least one source or medium, or the rule matches nothing`,
        );
    });
    const rules = body.rules.map(({ channel, sources, mediums }) => ({
      channel,
      ...(sources !== undefined && { sources }),
      ...(mediums !== undefined && { mediums }),
    }));
    await this.deps.store.put({ rules, updatedAt: new Date(this.deps.now()).toISOString() });
    return this.get();
  }

  /** The rules reports apply, in order. */
  async rules(): Promise<ChannelRule[]> {
    return (await this.deps.store.get())?.rules ?? [];
  }
}
