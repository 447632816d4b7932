import { LRUCache } from 'lru-cache';
import type { Template } from 'liquidjs';
import {
  inClusterOf,
  type ClusterModel,
  aggregateKey,
  aggregateValue,
  chooseItem,
  durationMs,
  hashToUnit,
  initialAggregateState,
  type Choice,
  type ChoiceInput,
  type CompiledItem,
  type Decision,
  type DecisionRecord,
  type EvaluationScope,
  type IdentifierRef,
  type RandomSource,
  type RecommendedItem,
} from '@tailor/core';
import { FULL_AUDIENCE, type Audience } from './audiences.js';
import { TEMPLATE_LIMITS } from './template-engine.js';
import type { BanditArms } from './bandit-arms.js';
import type { Person, PersonCache } from './person-cache.js';
import type { ExperimentScope, RenderMemo } from './render-memo.js';
import { capWindowMs, variantKey, type Placements, type ReadyPlacement } from './placements.js';

export interface DecideRequest {
  userId?: string | undefined;
  anonymousId?: string | undefined;
  placements: readonly string[];
  context: Record<string, unknown>;
  /** Who asks, and so what templates and reasons may show; everything by default (an admin key). */
  audience?: Audience;
}

export type { Decision };

export interface DeciderOptions {
  /** The trained clusterings `in_cluster(...)` in rules reads (none: it holds for nobody). */
  clusterings?: () => ReadonlyMap<string, ClusterModel>;
  placements: Placements;
  people: PersonCache;
  /** Renders templates (keeping recent outputs). */
  renders: RenderMemo;
  now: () => number;
  /** A decision that takes longer serves the default (ms). */
  budgetMs: number;
  /** People whose recent exposures are remembered (as many as the person cache holds). */
  remember: number;
  /** The global holdout: this share of people (by userId, else anonymousId) always get the default. */
  holdout: { share: number; seed: string };
  /** Assigns people in the experiments placement items name (sticky; records the exposure). */
  experiments: {
    assign(
      name: string,
      who: { userId?: string | undefined; anonymousId?: string | undefined },
      now: number,
    ): Promise<{ variant: string | null; reason?: string; factors?: Record<string, string> }>;
  };
  /**
   * Where exposures to capped items are counted. Without it the pipeline counts them (an exposure
   * counter in the profile, folded from every `Decision Made`), and decide adds the ones it made
   * since. With it decide counts them in memory as it decides, and a person it holds none for (a
   * restart, an eviction, a change to their profile, a merge) has theirs read back from their
   * decision records received after `since`.
   */
  exposureHistory?: (profileId: string, since: number) => Promise<readonly DecisionRecord[]>;
  /** The bandits' counts, for placements that optimize (without them such placements rank as usual). */
  arms?: Pick<BanditArms, 'of' | 'exposed'>;
  /** The bandits' draws; `Math.random` by default. */
  random?: RandomSource;
  /** Whether the person asked for is suppressed (erased): they are decided for as an unknown person, and nothing is recorded. */
  suppressed?: (who: { userId?: string | undefined; anonymousId?: string | undefined }) => boolean;
  /**
   * A recommender's items for a person (`recommendations.NAME` in templates), asked only for the
   * recommenders a template reads; `personal` false gives the popular items anyone may see.
   * Undefined for a name that is no recommender.
   */
  recommendations?: (
    name: string,
    who: RecommendationsFor,
  ) => readonly RecommendedItem[] | undefined;
  /**
   * Readies `recommendations(name, who)` (a large catalogue's content search, on another
   * thread): a promise to wait for before deciding, or undefined when it answers at once.
   */
  prepareRecommendations?: (name: string, who: RecommendationsFor) => Promise<void> | undefined;
  /**
   * Records the decisions made at `at` (a `Decision Made` event each), with the recommended items
   * each one's template was given (by recommender; undefined for none); not awaited by `decide`.
   */
  record: (
    request: DecideRequest,
    decisions: readonly Decision[],
    at: number,
    recommended: readonly (Recommended | undefined)[],
  ) => void;
}

/** Whose recommendations a template reads. */
export interface RecommendationsFor {
  profileId: string | undefined;
  personal: boolean;
  segments?: readonly string[] | undefined;
  /** The request's `context.items`: product ids the page is about (a product, a cart). */
  items?: readonly string[] | undefined;
}

/** The lists a template is given, by recommender name. */
type Lists = Record<string, readonly RecommendedItem[]>;

/** The recommended items a template was given, best first, by recommender name. */
export type Recommended = Record<string, string[]>;

/**
 * Real-time decisions: for each placement asked for, the person's eligible items are ranked and
 * capped (`chooseItem`), the winner's template is rendered with the person and the request's
 * context. Everything is read from memory (compiled placements, the person cache); an unknown
 * person, an unknown placement, a failing template or a blown time budget gives the default
 * item with `fallback: true`, never an error.
 */
export class Decider {
  /**
   * Exposures to capped items: profile → exposure counter key → decision times (each `Decision
   * Made` carries its time). Those decided here the pipeline may not have counted yet; with
   * `exposureHistory`, all of them within their caps' windows.
   */
  private readonly pending: LRUCache<string, Map<string, number[]>>;
  /**
   * The recommendation lists each decision's template was given when it was rendered, so that
   * recording its exposure reads them rather than asking the recommenders again (a content
   * recommender's search is most of a decision's cost). Set by `render`, read just after it.
   */
  private readonly given = new WeakMap<Decision, Lists | undefined>();
  private lastGiven: Lists | undefined;

  constructor(private readonly options: DeciderOptions) {
    this.pending = new LRUCache({ max: options.remember });
  }

  async decide(request: DecideRequest): Promise<Decision[]> {
    const started = performance.now();
    const suppressed = this.options.suppressed?.(request) === true;
    const known = suppressed ? undefined : this.person(request);
    const person = known instanceof Promise ? await known : known;
    // Without waiting unless a person's exposures must be read back (after a restart, a change).
    if (person !== undefined && this.mustRecall(person, request.placements))
      await this.recall(person.profileId);
    const holdout = this.inHoldout(request);
    const lists = holdout
      ? undefined
      : this.prepareLists(request.placements, person, request.audience, request.context);
    if (lists !== undefined) await lists;
    const now = this.options.now();
    const decisions = holdout
      ? request.placements.map((name) => this.holdoutDecision(name, started))
      : request.placements.map((name) => this.decideOne(name, person, request, now, started));
    // Only a winner that runs an experiment waits (for its assignment); the others go as they are.
    for (const [i, decision] of decisions.entries())
      if (this.experimentOf(decision) !== undefined)
        decisions[i] = await this.withVariant(decision, person, request, now, started);
    if (!suppressed) {
      this.options.record(request, decisions, now, this.recommendedIn(decisions, person, request));
      this.countExposures(request, decisions);
    }
    if (person !== undefined) this.remember(person, decisions, now);
    return decisions;
  }

  /**
   * What a person would see, without recording an exposure (the dashboard's preview): the decision,
   * or with `itemId` that item's content rendered for them whether or not it is eligible.
   */
  preview(
    person: Person | undefined,
    placement: string,
    context: Record<string, unknown>,
    itemId?: string,
    audience: Audience = FULL_AUDIENCE,
  ): Decision {
    const request: DecideRequest = { placements: [placement], context, audience };
    if (itemId === undefined)
      return this.decideOne(placement, person, request, this.options.now(), performance.now());
    const compiled = this.options.placements.compiled(placement);
    if (compiled === undefined)
      return {
        placement,
        itemId: null,
        content: null,
        fallback: true,
        reasons: [`no placement named ${placement}`],
      };
    if (!compiled.templates.has(itemId))
      return {
        placement,
        itemId: null,
        content: null,
        fallback: true,
        reasons: [`no item ${itemId} in ${placement}`],
      };
    const scope = scopeOf(person, context, this.options.clusterings?.());
    try {
      return {
        placement,
        itemId,
        content: this.render(compiled, itemId, scope, person, undefined, audience),
        fallback: false,
        reasons: [`${itemId}: previewed`],
      };
    } catch (error) {
      return {
        placement,
        itemId,
        content: null,
        fallback: true,
        reasons: [`${itemId}: template failed: ${(error as Error).message}`],
      };
    }
  }

  /**
   * When the winning item runs an experiment: the person's variant (assigned and recorded by the
   * experiments), and that variant's template if the item has one; not in the experiment, the
   * item's own template.
   */
  private async withVariant(
    decision: Decision,
    person: Person | undefined,
    request: DecideRequest,
    now: number,
    started: number,
  ): Promise<Decision> {
    const placement = this.options.placements.compiled(decision.placement);
    const experiment = this.experimentOf(decision);
    if (placement === undefined || experiment === undefined || decision.itemId === null)
      return decision;
    const audience = request.audience ?? FULL_AUDIENCE;
    const ids = audience.reasons === 'ids';
    let assigned: { variant: string | null; reason?: string; factors?: Record<string, string> };
    try {
      assigned = await this.options.experiments.assign(experiment, request, now);
    } catch (error) {
      const why = ids ? 'failed' : (error as Error).message;
      return {
        ...decision,
        experiment: { name: experiment, variant: null },
        reasons: [...decision.reasons, `experiment ${experiment}: ${why}`],
      };
    }
    const variant = assigned.variant;
    const notAssigned = ids
      ? `experiment ${experiment}: not assigned`
      : `experiment ${experiment}: not assigned (${assigned.reason ?? 'no variant'})`;
    if (variant === null)
      return {
        ...decision,
        experiment: { name: experiment, variant },
        reasons: [...decision.reasons, notAssigned],
      };
    const served: ExperimentScope = { name: experiment, variant };
    if (assigned.factors !== undefined) served.factors = assigned.factors;
    const reason = `experiment ${experiment}: variant ${variant}`;
    // The variant's template, else the item's own, rendered knowing the variant and factor levels
    // (a render that fails keeps the item's content as chosen).
    const key = variantKey(decision.itemId, variant);
    const templateId = placement.templates.has(key) ? key : decision.itemId;
    try {
      const content = this.render(
        placement,
        templateId,
        scopeOf(person, request.context, this.options.clusterings?.()),
        person,
        this.remaining(started),
        audience,
        served,
      );
      return this.withGiven({
        ...decision,
        content,
        experiment: served,
        reasons: [...decision.reasons, reason],
      });
    } catch (error) {
      return {
        ...decision,
        experiment: served,
        reasons: [
          ...decision.reasons,
          `${reason}: template failed${ids ? '' : `: ${(error as Error).message}`}`,
        ],
      };
    }
  }

  /** The experiment a decision's item runs, if it won (not a fallback) and runs one. */
  private experimentOf(decision: Decision): string | undefined {
    if (decision.fallback || decision.itemId === null) return undefined;
    return this.options.placements
      .compiled(decision.placement)
      ?.items.find((i) => i.id === decision.itemId)?.experiment;
  }

  /** Whether the asker is in the global holdout: a hash of the seed and their id, the same everywhere. */
  private inHoldout(request: DecideRequest): boolean {
    const { share, seed } = this.options.holdout;
    const unit = request.userId ?? request.anonymousId;
    return share > 0 && unit !== undefined && hashToUnit(seed, unit) < share;
  }

  private holdoutDecision(name: string, started: number): Decision {
    const placement = this.options.placements.compiled(name);
    if (placement === undefined)
      return {
        placement: name,
        itemId: null,
        content: null,
        fallback: true,
        reasons: [`no placement named ${name}`],
      };
    const decision = this.fallback(
      placement,
      scopeOf(undefined, {}),
      [`${placement.defaultId}: default, in the global holdout`],
      FULL_AUDIENCE,
      started,
    );
    return { ...decision, fallback: false, holdout: true };
  }

  /** The person asked for: by userId, else anonymousId; from memory when cached, else a promise. */
  private person(request: DecideRequest): Person | undefined | Promise<Person | undefined> {
    const ids: IdentifierRef[] = [];
    if (request.userId !== undefined) ids.push({ type: 'userId', value: request.userId });
    if (request.anonymousId !== undefined)
      ids.push({ type: 'anonymousId', value: request.anonymousId });
    // From memory when every id asked for is cached (the usual case), without waiting.
    let found = true;
    for (const id of ids) {
      const cached = this.options.people.cached(id);
      if (cached === undefined) found = false;
      else if (cached !== 'unknown' && found) return cached;
    }
    if (found) return undefined;
    return this.load(ids);
  }

  private async load(ids: readonly IdentifierRef[]): Promise<Person | undefined> {
    for (const id of ids) {
      const person = await this.options.people.get(id);
      if (person !== undefined) return person;
    }
    return undefined;
  }

  private decideOne(
    name: string,
    person: Person | undefined,
    request: DecideRequest,
    now: number,
    started: number,
  ): Decision {
    const placement = this.options.placements.compiled(name);
    if (placement === undefined)
      return {
        placement: name,
        itemId: null,
        content: null,
        fallback: true,
        reasons: [`no placement named ${name}`],
      };
    const scope = scopeOf(person, request.context, this.options.clusterings?.());
    const audience = request.audience ?? FULL_AUDIENCE;
    const ids = audience.reasons === 'ids';
    // To the write key a default names no cause: whether a person is known, or consents, is theirs.
    const choice: Choice =
      person === undefined
        ? {
            itemId: placement.defaultId,
            fallback: true,
            reasons: [
              ids
                ? `${placement.defaultId}: default`
                : `${placement.defaultId}: default, unknown person`,
            ],
          }
        : person.consent.personalization === false
          ? {
              itemId: placement.defaultId,
              fallback: true,
              reasons: [
                ids
                  ? `${placement.defaultId}: default`
                  : `${placement.defaultId}: default, no personalization consent`,
              ],
            }
          : chooseItem(placement, {
              scope,
              now,
              exposures: (item) => this.exposures(person, item, now),
              ...this.banditFor(placement),
              reasons: audience.reasons,
            });
    if (performance.now() - started > this.options.budgetMs) {
      return this.fallback(
        placement,
        scope,
        [`${placement.defaultId}: default, time budget of ${this.options.budgetMs} ms exceeded`],
        audience,
        started,
      );
    }
    try {
      const content = this.render(
        placement,
        choice.itemId,
        scope,
        person,
        this.remaining(started),
        audience,
      );
      return this.withGiven({
        placement: name,
        itemId: choice.itemId,
        content,
        fallback: choice.fallback,
        reasons: choice.reasons,
      });
    } catch (error) {
      const failed = ids
        ? `${choice.itemId}: template failed`
        : `${choice.itemId}: template failed: ${(error as Error).message}`;
      return this.fallback(placement, scope, [failed, ...choice.reasons], audience, started);
    }
  }

  /**
   * Adds the optimized items these decisions showed to the bandits' counts now, as their record
   * will when the pipeline folds it (not a default served as a fallback, not the holdout's).
   */
  private countExposures(request: DecideRequest, decisions: readonly Decision[]): void {
    const arms = this.options.arms;
    if (arms === undefined) return;
    for (const d of decisions) {
      if (d.itemId === null || d.fallback || d.holdout === true) continue;
      const bandit = this.options.placements.compiled(d.placement)?.bandit;
      if (bandit !== undefined) arms.exposed(bandit, d.itemId, request);
    }
  }

  /** What `chooseItem` needs to optimize a placement: its items' counts and the random draws. */
  private banditFor(placement: ReadyPlacement): Pick<ChoiceInput, 'bandit'> {
    const { bandit } = placement;
    const arms = this.options.arms;
    if (bandit === undefined || arms === undefined) return {};
    return {
      bandit: {
        arms: (item) => arms.of(bandit, item.id),
        random: this.options.random ?? Math.random,
      },
    };
  }

  /**
   * The placement's default, rendered for nobody. In a decision started at `started`, every default
   * of the request shares what is left of the budget plus one render's allowance
   * (`TEMPLATE_LIMITS.renderMs`), so however many placements fall back, a request holds the thread
   * about twice its budget at most; a default that cannot render in that time serves no content.
   */
  private fallback(
    placement: ReadyPlacement,
    scope: EvaluationScope,
    reasons: string[],
    audience: Audience,
    started: number,
  ): Decision {
    const { renderMs } = TEMPLATE_LIMITS;
    const limit = Math.max(1, Math.min(renderMs, this.remaining(started) + renderMs));
    let content: string | null;
    try {
      content = this.render(placement, placement.defaultId, scope, undefined, limit, audience);
    } catch {
      content = null;
    }
    return this.withGiven({
      placement: placement.name,
      itemId: placement.defaultId,
      content,
      fallback: true,
      reasons,
    });
  }

  /** The decision, remembering the lists its template was just given (`render` set them). */
  private withGiven(decision: Decision): Decision {
    this.given.set(decision, this.lastGiven);
    return decision;
  }

  /** What is left of the time budget of a request started at `started` (ms): a template's render ends there. */
  private remaining(started: number): number {
    return this.options.budgetMs - (performance.now() - started);
  }

  /**
   * Renders an item's template within the template limits, stopping after `renderLimitMs`; a render
   * over a limit throws, as a failing template does. Defaults get the limit of one render. The
   * template sees the traits the audience may see (rules saw them all); its output is kept per audience.
   */
  private render(
    placement: ReadyPlacement,
    itemId: string,
    scope: EvaluationScope,
    person: Person | undefined,
    renderLimitMs: number | undefined,
    audience: Audience,
    experiment?: ExperimentScope,
  ): string {
    this.lastGiven = undefined;
    const template = placement.templates.get(itemId);
    if (template === undefined) return '';
    const traits =
      audience.traits === undefined || scope.traits === undefined
        ? scope.traits
        : audience.traits(scope.traits, placement.browserTraits);
    const computed =
      audience.computed === undefined || scope.computed === undefined
        ? scope.computed
        : audience.computed(scope.computed);
    const renderScope = {
      profile:
        person === undefined
          ? null
          : { id: person.profileId, traits, computed, segments: person.segments },
      traits,
      computed,
      context: scope.context,
      experiment,
      recommendations: this.recommendationsFor(template, person, audience, scope.context),
    };
    this.lastGiven = renderScope.recommendations;
    return this.options.renders.render(template, renderScope, renderLimitMs, audience.key);
  }

  /**
   * The lists any template of the placements may read, readied for the person (their searches
   * waited for), so that rendering reads them at once; undefined when none is to wait for.
   */
  prepareLists(
    placements: readonly string[],
    person: Person | undefined,
    audience: Audience = FULL_AUDIENCE,
    context?: Record<string, unknown>,
  ): Promise<unknown> | undefined {
    const prepare = this.options.prepareRecommendations;
    if (prepare === undefined) return undefined;
    const names = new Set<string>();
    for (const placement of placements)
      for (const template of this.options.placements.compiled(placement)?.templates.values() ??
        []) {
        let read: readonly string[] | 'all';
        try {
          read = this.options.renders.namesUnder(template, 'recommendations');
        } catch {
          continue; // a template that cannot be read fails when rendered, with its reason
        }
        if (read !== 'all') for (const name of read) names.add(name);
      }
    if (names.size === 0) return undefined;
    const who = recommendationsWho(person, audience, context);
    let waits: Promise<void>[] | undefined;
    for (const name of names) {
      const wait = prepare(name, who);
      if (wait !== undefined) (waits ??= []).push(wait);
    }
    return waits === undefined ? undefined : Promise.all(waits);
  }

  /**
   * The recommenders a template reads, for the person: their own items when the audience may see
   * what they had (an admin, a reader's preview, or the write key with a valid `userHash`), else
   * the popular items, as for anyone (docs/recommendations.md). Undefined when it reads none.
   */
  private recommendationsFor(
    template: Template[],
    person: Person | undefined,
    audience: Audience,
    context: Record<string, unknown> | undefined,
  ): Lists | undefined {
    const recommend = this.options.recommendations;
    if (recommend === undefined) return undefined;
    const names = this.options.renders.namesUnder(template, 'recommendations');
    if (names === 'all' || names.length === 0) return undefined;
    const who = recommendationsWho(person, audience, context);
    const found: Record<string, readonly RecommendedItem[]> = {};
    for (const name of names) {
      const items = recommend(name, who);
      if (items !== undefined) found[name] = items;
    }
    return found;
  }

  /**
   * The recommended items each decision's template was given, by recommender (exposures): read
   * again as the template read them, from memory (the recommender's lists are deterministic
   * between trainings). Undefined for a decision with no content or a template reading none.
   */
  private recommendedIn(
    decisions: readonly Decision[],
    person: Person | undefined,
    request: DecideRequest,
  ): (Recommended | undefined)[] {
    const audience = request.audience ?? FULL_AUDIENCE;
    return decisions.map((d) => {
      if (this.options.recommendations === undefined || d.itemId === null || d.content === null)
        return undefined;
      if (this.given.has(d)) return idsOf(this.given.get(d));
      const placement = this.options.placements.compiled(d.placement);
      if (placement === undefined) return undefined;
      const variant = d.experiment?.variant;
      const key = variant == null ? d.itemId : variantKey(d.itemId, variant);
      const template = placement.templates.get(placement.templates.has(key) ? key : d.itemId);
      if (template === undefined) return undefined;
      // A fallback (the default) was rendered for nobody: the popular items.
      const lists = this.recommendationsFor(
        template,
        d.fallback ? undefined : person,
        audience,
        request.context,
      );
      return idsOf(lists);
    });
  }

  /** Makes sure the person's exposures to these placements' capped items are held (a preview's too). */
  async readExposures(person: Person, placements: readonly string[]): Promise<void> {
    if (this.mustRecall(person, placements)) await this.recall(person.profileId);
  }

  /** Forgets the exposures held for these profiles (all when undefined): read back when next needed. */
  forgetExposures(profileIds: readonly string[] | undefined): void {
    if (this.options.exposureHistory === undefined) return;
    if (profileIds === undefined) this.pending.clear();
    else for (const id of profileIds) this.pending.delete(id);
  }

  /** Whether a person's exposures must be read back before deciding these placements. */
  private mustRecall(person: Person, placements: readonly string[]): boolean {
    if (this.options.exposureHistory === undefined || this.pending.has(person.profileId))
      return false;
    return placements.some((name) =>
      this.options.placements.compiled(name)?.items.some((item) => item.cap !== undefined),
    );
  }

  /** Reads back a person's exposures to capped items within the longest cap's window. */
  private async recall(profileId: string): Promise<void> {
    const history = this.options.exposureHistory;
    if (history === undefined) return;
    const now = this.options.now();
    const records = await history(profileId, now - this.options.placements.longestCapMs());
    const byKey = new Map<string, number[]>();
    for (const record of records)
      for (const d of record.decisions) {
        const cap = this.options.placements
          .compiled(d.placement)
          ?.items.find((i) => i.id === d.itemId)?.cap;
        if (cap === undefined || record.at <= now - capWindowMs(cap.exposures)) continue;
        const key = cap.key ?? aggregateKey(cap.exposures);
        byKey.set(key, [...(byKey.get(key) ?? []), record.at]);
      }
    for (const times of byKey.values()) times.sort((a, b) => a - b);
    // A request for the same person that read them first has added its own since: keep that.
    if (!this.pending.has(profileId)) this.pending.set(profileId, byKey);
  }

  /**
   * Exposures within the item's cap window: those the pipeline counted, plus those decided since;
   * with `exposureHistory`, those held in memory.
   */
  private exposures(person: Person, item: CompiledItem, now: number): number {
    if (item.cap === undefined) return 0;
    const node = item.cap.exposures;
    const key = item.cap.key ?? aggregateKey(node);
    if (this.options.exposureHistory !== undefined) {
      const windowStart = now - capWindowMs(node);
      const held = this.pending.get(person.profileId)?.get(key) ?? [];
      return held.filter((t) => t > windowStart).length;
    }
    const state = person.aggregates[key] ?? initialAggregateState(node);
    const counted = Number(aggregateValue(state, node, now) ?? 0);
    const times = this.pending.get(person.profileId)?.get(key);
    if (times === undefined) return counted;
    const windowStart = now - durationMs(node.window ?? { amount: 0, unit: 's' });
    // A pending exposure the pipeline has already counted is in the state at the same time.
    const countedTimes = new Set(state.kind === 'window' ? state.entries.map(([at]) => at) : []);
    return counted + times.filter((t) => t > windowStart && !countedTimes.has(t)).length;
  }

  private remember(person: Person, decisions: readonly Decision[], now: number): void {
    for (const d of decisions) {
      const item =
        d.itemId === null
          ? undefined
          : this.options.placements.compiled(d.placement)?.items.find((i) => i.id === d.itemId);
      if (item?.cap === undefined) continue;
      let byKey = this.pending.get(person.profileId);
      if (byKey === undefined) this.pending.set(person.profileId, (byKey = new Map()));
      const node = item.cap.exposures;
      const key = item.cap.key ?? aggregateKey(node);
      const windowStart = now - durationMs(node.window ?? { amount: 0, unit: 's' });
      byKey.set(key, [...(byKey.get(key) ?? []).filter((t) => t > windowStart), now]);
    }
  }
}

/** What placement rules and templates read: the person's state and the request's context. */
function scopeOf(
  person: Person | undefined,
  context: Record<string, unknown>,
  clusterings: ReadonlyMap<string, ClusterModel> = new Map(),
): EvaluationScope {
  return {
    traits: person?.traits ?? {},
    computed: person?.computed ?? {},
    model: person?.scores ?? {},
    consent: person?.consent ?? {},
    context,
    inSegment: (segment) => person?.segments.includes(segment) ?? false,
    inCluster: (clustering, persona) =>
      person !== undefined && inClusterOf(clusterings, person)(clustering, persona),
    // Placement rules hold no aggregates or sequences (refused when saved).
    aggregate: () => null,
    sequence: () => false,
  };
}

/**
 * The product ids a decide request's `context.items` names (strings or numbers, as events'
 * product_id), for recommendation lists that go with them; anything else is ignored.
 */
/** The items of each list, by recommender: what an exposure records. */
function idsOf(lists: Lists | undefined): Recommended | undefined {
  if (lists === undefined) return undefined;
  const ids: Recommended = {};
  for (const [name, items] of Object.entries(lists)) ids[name] = items.map((i) => i.item);
  return ids;
}

function contextItems(context: Record<string, unknown> | undefined): string[] | undefined {
  const items = context?.items;
  if (!Array.isArray(items)) return undefined;
  const ids: string[] = [];
  for (const item of items as unknown[])
    if (typeof item === 'string' && item.length > 0 && item.length <= 256) ids.push(item);
    else if (typeof item === 'number' && Number.isFinite(item)) ids.push(String(item));
  return ids;
}

/** Whose recommendations a template reads: the person's own when they and the audience allow. */
function recommendationsWho(
  person: Person | undefined,
  audience: Audience,
  context: Record<string, unknown> | undefined,
): RecommendationsFor {
  return {
    profileId: person?.profileId,
    personal:
      person !== undefined && person.consent.personalization !== false && audience.key !== 'public',
    segments: person?.segments,
    items: contextItems(context),
  };
}
