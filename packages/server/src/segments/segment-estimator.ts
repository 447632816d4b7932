import {
  compileUnsaved,
  consentValues,
  estimateShare,
  holdsAnew,
  maskComputed,
  maskLeaf,
  maskMessage,
  maskTraits,
  traitValues,
  type Condition,
  type PiiPolicy,
  type StoredMessage,
} from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { ProfileReader, StoredProfile } from '../store/profile-store.js';
import type { SegmentEstimate } from './definition.schema.js';
import type { Definitions } from './definitions.js';

export interface EstimateOptions {
  /** People evaluated at most; a population this size or smaller is counted exactly. */
  sampleSize: number;
  /** Time given to evaluating people, after which the people evaluated so far are the sample. */
  budgetMs: number;
  /** How long a drawn sample is reused (typing asks again every few hundred milliseconds). */
  sampleTtlMs: number;
}

export const ESTIMATE_OPTIONS: EstimateOptions = {
  sampleSize: 1000,
  budgetMs: 2000,
  sampleTtlMs: 60_000,
};

export interface SegmentEstimatorDeps {
  definitions: Pick<Definitions, 'check' | 'compiled'>;
  profiles: Pick<ProfileReader, 'sampleLive' | 'byId' | 'eventPositions'>;
  log: Pick<EventLog, 'readPositions'>;
  /** What is personal (masked for readers who do not see personal data). */
  pii: () => PiiPolicy;
  purposes: readonly string[];
  now: () => number;
  /** A clock for the time budget (ms). */
  clock?: () => number;
  options?: Partial<EstimateOptions>;
}

/** Events read at once for one person. */
const EVENT_PAGE = 5000;

/**
 * How many people a segment definition not yet saved would hold: every live profile when there
 * are few, else a uniform random sample of them with a 95 % interval. Each person is evaluated as
 * a backfill would once saved (`holdsAnew`), read only: nothing is written, no event appended.
 */
export class SegmentEstimator {
  private readonly options: EstimateOptions;
  private drawn: { ids: string[]; total: number; at: number } | undefined;

  constructor(private readonly deps: SegmentEstimatorDeps) {
    this.options = { ...ESTIMATE_OPTIONS, ...deps.options };
  }

  /**
   * Checks the definition as `PUT /v1/segments/NAME` would (400 with the position), then counts.
   * `personal`: whether the asker sees personal data; if not, personal traits and properties are
   * evaluated masked, as the profile API shows them to that key, so no condition can probe them.
   */
  async estimate(input: unknown, name: string, personal: boolean): Promise<SegmentEstimate> {
    const checked = await this.deps.definitions.check('segment', name, input);
    const unsaved = compileUnsaved(
      checked.tree as Condition,
      this.deps.definitions.compiled?.clusterings,
    );
    const clock = this.deps.clock ?? (() => performance.now());
    const started = clock();
    const { ids, total } = await this.sample();
    const now = this.deps.now();
    const policy = personal ? undefined : this.deps.pii();
    let sampled = 0;
    let hits = 0;
    let gone = 0;
    let timedOut = false;
    for (const id of ids) {
      if (clock() - started > this.options.budgetMs) {
        timedOut = true;
        break;
      }
      const profile = await this.deps.profiles.byId(id);
      // Erased or merged away since the sample was drawn: no longer one of the population.
      if (profile === undefined || profile.id !== id) {
        gone++;
        continue;
      }
      const events = unsaved.readsEvents ? await this.events(id, policy) : [];
      sampled++;
      if (holdsAnew(unsaved, personNow(profile, policy), events, now, this.deps.purposes)) hits++;
    }
    const population = total - gone;
    const exact = !timedOut && ids.length >= total;
    const share = estimateShare(hits, sampled, population);
    return {
      definition: checked.text,
      estimate: share.estimate,
      share: share.share,
      interval: { low: share.low, high: share.high, level: 0.95 },
      sampled,
      matched: hits,
      total: population,
      exact,
      timedOut,
    };
  }

  /** The sample, drawn again once it is older than `sampleTtlMs`. */
  private async sample(): Promise<{ ids: string[]; total: number }> {
    const at = this.deps.now();
    if (this.drawn === undefined || at - this.drawn.at > this.options.sampleTtlMs) {
      const { ids, total } = await this.deps.profiles.sampleLive(this.options.sampleSize);
      this.drawn = { ids, total, at };
    }
    return this.drawn;
  }

  private async events(id: string, policy: PiiPolicy | undefined): Promise<StoredMessage[]> {
    const messages: StoredMessage[] = [];
    for (let after = 0; ;) {
      const page = await this.deps.profiles.eventPositions(id, after, EVENT_PAGE);
      for (const e of await this.deps.log.readPositions(page.positions))
        messages.push(policy === undefined ? e.message : maskMessage(e.message, policy, maskLeaf));
      if (page.next === null) return messages;
      after = page.next;
    }
  }
}

function personNow(profile: StoredProfile, policy: PiiPolicy | undefined) {
  const traits = traitValues(profile.traits);
  return {
    traits: policy === undefined ? traits : maskTraits(traits, policy, maskLeaf),
    consent: consentValues(profile.consent),
    computed:
      policy === undefined ? profile.computed : maskComputed(profile.computed, policy, maskLeaf),
    scores: profile.scores,
    segments: profile.segments,
  };
}
