import type { ChannelRule } from '@tailor/core';

/** The channel rules as stored: the list, and when it was last replaced. */
export interface StoredChannelRules {
  rules: ChannelRule[];
  updatedAt: string;
}

/**
 * The installation's channel rules (docs/attribution.md), one list in state.sqlite or
 * PostgreSQL: attribution and the funnel breakdowns read them before the default grouping.
 */
export interface ChannelRuleStore {
  /** Undefined before any rules were stored. */
  get(): Promise<StoredChannelRules | undefined>;
  /** Replaces the list. */
  put(rules: StoredChannelRules): Promise<void>;
  close(): Promise<void>;
}
