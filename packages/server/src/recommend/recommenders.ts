import {
  DEFAULT_RECOMMENDATIONS,
  applyServingRules,
  boostFactor,
  idAt,
  indexOfId,
  recommendItems,
  scoreBySegments,
  type CatalogItem,
  type RecommendedItem,
  type RecommenderBody,
  type RecommenderModel,
  type RecommenderTraining,
  type Recommendations,
} from '@tailor/core';
import { LRUCache } from 'lru-cache';
import type { RecommenderStore, StoredRecommender } from '../store/recommender-store.js';
import {
  EXACT_SEARCH_UP_TO,
  categoryNumber,
  RecommenderTrainingJob,
  type TrainedRecommender,
  type TrainingDeps,
} from './recommender-training.js';
import { addCatalogItems } from './add-catalog-items.js';
import { contentParameters, defaultFitter, type Fitter } from './fit-recommender.js';
import { followRecentItems } from './follow-recent-items.js';
import type { AskedSearch } from './relayed-search.js';
import type { FoundItems } from './search-thread.js';
import { ReadOrder } from '../store/read-order.js';

export interface RecommendersOptions {
  store: RecommenderStore;
  training: TrainingDeps;
  /** How often every recommender is trained again. */
  retrainMs: number;
  /** Whether this thread trains and serves (not `tailor serve`'s worker thread, which only folds). */
  serves: boolean;
  /** Lets requests run between training steps. */
  pause: () => Promise<void>;
  /** How often what people had since training is read from the log (default 1 s). */
  followMs?: number;
  onError: (message: string, error: unknown) => void;
}

/** Who recommendations are for: the keys of their row (profile, userId, anonymousId), or nobody known. */
export interface RecommendFor {
  /** `p:PROFILE_ID`, `u:USERID`, `a:ANONYMOUSID`, in that order of preference. */
  keys: readonly string[];
  /** false: popular items only (unknown, erased, or refused personalization). */
  personal: boolean;
  /** The person's segments now: a person the model does not know gets their segments' popular items. */
  segments?: readonly string[] | undefined;
  /**
   * Product ids the request is about (a product page, a cart): counted as had just now, so the
   * list is what goes with them, and none of them is recommended. Request input, not the
   * person's: used whether or not the list may be personal.
   */
  items?: readonly string[] | undefined;
}

/** Catalogue items kept for a training under way (beyond, it is trained again when it ends). */
const MAX_CHANGES_DURING_TRAINING = 100_000;

/** Items put in a content index per turn (about 20 ms at efConstruction 64 on a million items). */
const INDEX_PER_TURN = 50;

/** Product ids a request may name (`items`): a cart or a page, not a history. */
export const MAX_REQUEST_ITEMS = 50;

/**
 * Lists kept per model, the least recently served dropped first: about 2 kB each at k 20, so
 * 20 MB a model at most. A content list through a million-item index costs 3 to 5 ms of CPU
 * (the search), served again from here while what it is made of is unchanged. As many searches'
 * answers are kept for a model searched on the search thread (about 4 kB each), and as many
 * people's lists are made ahead there (`AHEAD_KEPT`).
 */
export const LISTS_KEPT = 10_000;

/**
 * People whose lists a model searched on the search thread makes ahead, at most: after training,
 * the most recently active; then whoever the log shows had something new. Past it the longest
 * waiting are dropped (their list is made when asked for).
 */
export const AHEAD_KEPT = LISTS_KEPT;

/**
 * For how long after a person had something new their last list stands in while the new one is
 * made ahead (docs/recommendations.md, "Serving a large catalogue"): past it, a decision waits
 * for the search.
 */
export const STAND_IN_MS = 5000;

/**
 * Searches waiting on the search thread past which a list is not waited for: the person's last
 * list, else the popular items, stand in (a flood of product pages must not queue every decision).
 */
export const MAX_SEARCHES_WAITED = 32;

/** What a list is asked for, from the request and the model: its inputs and its keys. */
interface ListInputs {
  row: number;
  recent: number[];
  segments: readonly string[];
  personKnown: boolean;
  k: number;
  /** The kept list's (`listKey`). */
  key: string;
  /** What its content search is for (the row and the items had since), whatever k and segments. */
  searchKey: string;
  /** The person's first row key when the list is theirs (personal): whose last list may stand in. */
  people: readonly string[];
}

/** A model's lists, and, searched on the search thread, the searches they are made from. */
interface ModelLists {
  kept: LRUCache<string, Recommendations>;
  /** The search thread's answers, by `searchKey`: a list is made from one on this thread. */
  found: LRUCache<string, FoundItems[]>;
  /** Counts the times `found` was emptied: an answer asked for before is not kept after. */
  generation: number;
  /** Each person's last answered `searchKey` (by row key). */
  latest: LRUCache<string, string>;
  /** Searches posted, by `searchKey`: asking again waits for the same. */
  searching: Map<string, Promise<void>>;
  /** People whose list is to be made ahead (by row key), and since when, longest waiting first. */
  ahead: Map<string, number>;
  /** Whether lists are being made ahead. */
  makingAhead: boolean;
}

/**
 * Recommenders: definitions read from the store and kept in memory, each with the model its last
 * training made. Training is a `RecommenderTrainingJob` run here a step at a time (requests run
 * between steps, the fit itself on a worker thread when built), one recommender at a time: at
 * open, on a change of a definition, on an erasure and every `retrainMs`. A recommendation reads
 * memory only.
 */
export class Recommenders {
  private definitions = new Map<string, StoredRecommender>();
  /** Readings of the store and changes made here, in order (another node or thread changes them too). */
  private readonly order = new ReadOrder();
  private readonly models = new Map<string, TrainedRecommender>();
  private readonly running = new Map<string, RecommenderTrainingJob>();
  /** Trainings asked for and not begun, by name: asking again joins them. */
  private readonly waiting = new Map<string, Promise<RecommenderModel | undefined>>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private follower: NodeJS.Timeout | undefined;
  /** The log follower's turn under way, if any (one at a time; close waits for it). */
  private following: Promise<void> | undefined;
  /** The fit runs on a worker thread of its own where the built worker is there (`tailor serve`). */
  private readonly fit: Fitter;
  /** Catalogue items given while each training runs, applied to its model when it ends. */
  private readonly changedDuringTraining = new Map<string, CatalogItem[]>();
  /** Trainings that missed too many catalogue changes to keep: trained again when they end. */
  private readonly trainAgain = new Set<string>();
  /** Items each model's content index is still to take in (new, re-embedded, without text now). */
  private readonly indexing = new Map<TrainedRecommender, Set<number>>();
  /** Lists each model made, by what they are made of (`listKey`); a new model starts with none. */
  private lists = new WeakMap<TrainedRecommender, ModelLists>();

  private constructor(private readonly options: RecommendersOptions) {
    this.fit = options.training.fit ?? defaultFitter();
  }

  static async open(options: RecommendersOptions): Promise<Recommenders> {
    const recommenders = new Recommenders(options);
    await recommenders.reload();
    if (options.serves) {
      recommenders.timer = setInterval(() => {
        recommenders.retrainAll();
      }, options.retrainMs);
      recommenders.timer.unref();
      recommenders.follower = setInterval(() => {
        void recommenders.followLog();
      }, options.followMs ?? 1000);
      recommenders.follower.unref();
    }
    return recommenders;
  }

  /** Reads the definitions again (another node changed one): new and changed ones are trained. */
  async reload(): Promise<void> {
    await this.order.read(
      () => this.options.store.list(),
      (list) => {
        const read = new Map(list.map((r) => [r.name, r]));
        const before = this.definitions;
        this.definitions = read;
        for (const name of [...this.models.keys()])
          if (!read.has(name)) this.serve(name, undefined);
        for (const [name, r] of read)
          if (before.get(name)?.version !== r.version) void this.train(name);
      },
    );
  }

  async put(name: string, body: RecommenderBody, at: Date): Promise<StoredRecommender> {
    const previous = await this.options.store.get(name);
    const now = at.toISOString();
    const stored: StoredRecommender = {
      ...body,
      name,
      version: (previous?.version ?? 0) + 1,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    };
    await this.options.store.put(stored);
    this.definitions.set(name, stored);
    this.order.changed();
    void this.train(name);
    return stored;
  }

  get(name: string): StoredRecommender | undefined {
    return this.definitions.get(name);
  }

  list(): StoredRecommender[] {
    return [...this.definitions.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async delete(name: string): Promise<boolean> {
    const deleted = await this.options.store.delete(name);
    this.definitions.delete(name);
    this.serve(name, undefined);
    this.order.changed();
    return deleted;
  }

  /** The model served now (absent before the first training ends), and a training under way. */
  status(name: string): { model?: RecommenderModel; training?: RecommenderTraining } {
    const model = this.models.get(name)?.info;
    const training = this.running.get(name)?.progress;
    return { ...(model && { model }), ...(training && { training }) };
  }

  /** Trains every recommender again (on the schedule, and after an erasure): no list made before is served again. */
  retrainAll(): void {
    this.lists = new WeakMap();
    for (const name of this.definitions.keys()) void this.train(name);
  }

  /**
   * Trains a recommender from the log as it is now (after the trainings already asked for);
   * resolves with the new model, or undefined when the definition is gone or training failed.
   */
  train(name: string): Promise<RecommenderModel | undefined> {
    if (!this.options.serves) return Promise.resolve(undefined);
    const waiting = this.waiting.get(name);
    if (waiting !== undefined) return waiting;
    const run = this.queue.then(() => {
      this.waiting.delete(name);
      return this.run(name);
    });
    this.waiting.set(name, run);
    this.queue = run;
    return run;
  }

  /**
   * Up to `k` items for a person, best first, none of those the model saw them have; popular
   * items for anyone not `personal` or not in the model. Undefined before the first training.
   * Never waits: for a model searched on the search thread, a list whose search has not been
   * answered yet is stood in for (`prepare` first, to wait for it).
   */
  recommend(name: string, who: RecommendFor, k: number): Recommendations | undefined {
    const trained = this.models.get(name);
    if (trained === undefined) return undefined;
    const lists = this.listsOf(trained);
    const asked = inputsOf(trained, who, k);
    const kept = lists.kept.get(asked.key);
    if (kept !== undefined) return kept;
    const { relay } = trained;
    if (relay === undefined) return this.keep(lists, asked, this.makeList(trained, asked));
    const found = lists.found.get(asked.searchKey);
    if (found !== undefined)
      return this.keep(
        lists,
        asked,
        relay.withAnswers(found, () => this.makeList(trained, asked)),
      );
    const probe = relay.probe(() => this.makeList(trained, asked));
    if (probe.asked.length === 0) return this.keep(lists, asked, probe.made);
    // Posted for the next request, unless the thread is too busy: a flood of pages naming items
    // (the write key may send them) must not queue searches without end.
    if (relay.index.backlog() < MAX_SEARCHES_WAITED)
      void this.search(trained, lists, asked, probe.asked);
    return this.standIn(trained, lists, asked);
  }

  /**
   * Makes sure `recommend` answers the list itself (not a stand-in), for a model searched on the
   * search thread: undefined when it will (kept, answered, or needing no search), or when the
   * person's last list may stand in (they had something new within STAND_IN_MS: theirs is being
   * made ahead) or the thread is too busy to wait for; else the search, posted, to wait for.
   */
  prepare(name: string, who: RecommendFor, k: number): Promise<void> | undefined {
    const trained = this.models.get(name);
    const relay = trained?.relay;
    if (trained === undefined || relay === undefined) return undefined;
    const lists = this.listsOf(trained);
    const asked = inputsOf(trained, who, k);
    if (lists.kept.has(asked.key) || lists.found.has(asked.searchKey)) return undefined;
    const probe = relay.probe(() => this.makeList(trained, asked));
    if (probe.asked.length === 0) {
      this.keep(lists, asked, probe.made);
      return undefined;
    }
    const mayStandIn = asked.people.some((person) => {
      const since = lists.ahead.get(person);
      const last = lists.latest.get(person);
      return (
        since !== undefined &&
        this.options.training.now() - since <= STAND_IN_MS &&
        last !== undefined &&
        lists.found.has(last)
      );
    });
    if (!mayStandIn && relay.index.backlog() >= MAX_SEARCHES_WAITED) return undefined;
    const searching = this.search(trained, lists, asked, probe.asked);
    return mayStandIn ? undefined : searching;
  }

  /** `recommend`, after waiting for the list's search where it may be waited for (`prepare`). */
  async recommendNow(
    name: string,
    who: RecommendFor,
    k: number,
  ): Promise<Recommendations | undefined> {
    await this.prepare(name, who, k);
    return this.recommend(name, who, k);
  }

  private listsOf(trained: TrainedRecommender): ModelLists {
    let lists = this.lists.get(trained);
    if (lists === undefined)
      this.lists.set(
        trained,
        (lists = {
          kept: new LRUCache({ max: LISTS_KEPT }),
          found: new LRUCache({ max: LISTS_KEPT }),
          generation: 0,
          latest: new LRUCache({ max: LISTS_KEPT }),
          searching: new Map(),
          ahead: new Map(),
          makingAhead: false,
        }),
      );
    return lists;
  }

  private keep(lists: ModelLists, asked: ListInputs, list: Recommendations): Recommendations {
    lists.kept.set(asked.key, list);
    return list;
  }

  /**
   * Posts a list's searches to the search thread (once: asked again, the same) and keeps their
   * answer, unless the model's answers were dropped meanwhile (items joined its index).
   */
  private search(
    trained: TrainedRecommender,
    lists: ModelLists,
    asked: ListInputs,
    searches: readonly AskedSearch[],
  ): Promise<void> {
    const under = lists.searching.get(asked.searchKey);
    if (under !== undefined || trained.relay === undefined) return under ?? Promise.resolve();
    const { generation } = lists;
    const run = trained.relay
      .answer(searches)
      .then(
        (found) => {
          if (lists.generation !== generation) return;
          lists.found.set(asked.searchKey, found);
          for (const person of asked.people) lists.latest.set(person, asked.searchKey);
        },
        (error: unknown) => {
          this.searchFailed(trained, error);
        },
      )
      .finally(() => lists.searching.delete(asked.searchKey));
    lists.searching.set(asked.searchKey, run);
    return run;
  }

  /** A search the thread did not answer: reported, and the model trained again (its index read again). */
  private searchFailed(trained: TrainedRecommender, error: unknown): void {
    const { name } = trained.definition;
    // Once per failure of the thread: the searches failing until the training ends say nothing new.
    if (
      this.stopped() ||
      !this.serving(trained) ||
      this.waiting.has(name) ||
      this.running.has(name)
    )
      return;
    this.options.onError(`recommender ${name}: a search on the search thread failed`, error);
    void this.train(name);
  }

  /**
   * A list while its search is under way (not kept): the person's last list (their last search's
   * answer, with what they had since left out), else the popular items.
   */
  private standIn(
    trained: TrainedRecommender,
    lists: ModelLists,
    asked: ListInputs,
  ): Recommendations {
    const { relay } = trained;
    for (const person of asked.people) {
      const last = lists.latest.get(person);
      const found = last === undefined ? undefined : lists.found.get(last);
      if (found !== undefined && relay !== undefined)
        return relay.withAnswers(found, () => this.makeList(trained, asked));
    }
    // The list of anyone the model knows nothing of, kept as such: a ranking of every item,
    // which a million-item model must not make again for each request stood in for.
    const popular: ListInputs = {
      ...asked,
      row: -1,
      recent: [],
      personKnown: false,
      key: listKey(asked.k, -1, 0, [], asked.segments),
      searchKey: '-1|',
      people: [],
    };
    return (
      lists.kept.get(popular.key) ?? this.keep(lists, popular, this.makeList(trained, popular))
    );
  }

  /** Whether the model is the one its recommender serves now. */
  private serving(trained: TrainedRecommender): boolean {
    return this.models.get(trained.definition.name) === trained;
  }

  /**
   * Queues people's lists to be made ahead on the search thread (a model searched there only):
   * their searches are posted one at a time, so a decision's own search waits behind one at most.
   */
  private queueAhead(trained: TrainedRecommender, people: Iterable<string>, at: number): void {
    if (trained.relay === undefined) return;
    const lists = this.listsOf(trained);
    for (const person of people) {
      lists.ahead.delete(person);
      lists.ahead.set(person, at);
    }
    for (const person of lists.ahead.keys()) {
      if (lists.ahead.size <= AHEAD_KEPT) break;
      lists.ahead.delete(person);
    }
    if (!lists.makingAhead) void this.makeAhead(trained, lists);
  }

  private async makeAhead(trained: TrainedRecommender, lists: ModelLists): Promise<void> {
    const { relay } = trained;
    if (relay === undefined) return;
    lists.makingAhead = true;
    try {
      const k = trained.definition.k ?? DEFAULT_RECOMMENDATIONS;
      // Entries queued again meanwhile move to the end, and are visited again there.
      for (const [person, since] of lists.ahead) {
        if (this.stopped() || !this.serving(trained) || this.lists.get(trained) !== lists) return;
        const asked = inputsOf(trained, { keys: [person], personal: true }, k);
        if (!lists.found.has(asked.searchKey)) {
          const probe = relay.probe(() => this.makeList(trained, asked));
          if (probe.asked.length > 0) await this.search(trained, lists, asked, probe.asked);
        }
        if (lists.ahead.get(person) === since) lists.ahead.delete(person);
      }
    } finally {
      lists.makingAhead = false;
    }
  }

  /**
   * Drops a model's lists after a change of what they read (the catalogue's facts), and its
   * searches' answers too when items joined its index (they may be found now).
   */
  private forget(trained: TrainedRecommender, joined: boolean): void {
    const lists = this.lists.get(trained);
    if (lists === undefined) return;
    lists.kept.clear();
    if (!joined) return;
    lists.found.clear();
    lists.latest.clear();
    lists.generation++;
  }

  /** `recommend`'s list: the model's ranking for the row and the items had since, the rules applied. */
  private makeList(trained: TrainedRecommender, asked: ListInputs): Recommendations {
    const { row, recent, segments, k, personKnown } = asked;
    const { matrix, recommender, info, scratch } = trained;
    // The rules drop candidates: rank more (the unavailable, and room for a category cap), then keep k.
    const rules = trained.definition.rules ?? {};
    const extra = (rules.availableOnly ?? true) ? trained.unavailableCount : 0;
    const wanted = rules.maxPerCategory === undefined ? k + extra : 10 * k + extra;
    // Set by the cold-user scoring when it runs (a person the model does not know).
    const cold = { bySegments: false };
    const ranked = applyServingRules(
      recommendItems(
        matrix,
        recommender,
        row,
        Math.min(wanted, matrix.itemIds.length),
        scratch,
        recent,
        {
          boost: trained.facts.boost,
          coldUser: (into) =>
            (cold.bySegments = scoreBySegments(trained.segmentPopular, segments, into)),
        },
      ),
      trained.facts,
      rules,
      k,
    );
    const known = row >= 0 || recent.length > 0;
    const personalized = (known && recommender.method !== 'popularity') || cold.bySegments;
    return {
      items: ranked.map(({ item, score }, i) => ({
        item: idAt(matrix.itemIds, item) as string,
        score,
        rank: i + 1,
      })),
      method: recommender.method,
      personalized,
      basis: cold.bySegments
        ? 'segments'
        : !personalized
          ? 'popular'
          : personKnown
            ? 'person'
            : 'items',
      trainedAt: info.trainedAt,
    };
  }

  /**
   * A placement template's `recommendations.NAME`: the recommender's `k` items (default 10) for
   * a person by profile id, popular ones when not `personal`. Undefined for no such recommender;
   * empty before its first training.
   */
  forTemplate(name: string, who: TemplateAsk): readonly RecommendedItem[] | undefined {
    const asked = this.templateAsk(name, who);
    if (asked === undefined) return undefined;
    return this.recommend(name, asked.who, asked.k)?.items ?? [];
  }

  /** `prepare` for a placement template's `recommendations.NAME` (`forTemplate`). */
  prepareTemplate(name: string, who: TemplateAsk): Promise<void> | undefined {
    const asked = this.templateAsk(name, who);
    return asked === undefined ? undefined : this.prepare(name, asked.who, asked.k);
  }

  private templateAsk(
    name: string,
    { profileId, personal, segments, items }: TemplateAsk,
  ): { who: RecommendFor; k: number } | undefined {
    const definition = this.definitions.get(name);
    if (definition === undefined) return undefined;
    const keys = profileId === undefined ? [] : [`p:${profileId}`];
    return {
      who: { keys, personal, segments, items },
      k: definition.k ?? DEFAULT_RECOMMENDATIONS,
    };
  }

  /**
   * Reads what people had since each model was trained (a few pages of the log per model), so
   * their lists move before the next training. Skipped while the last call still runs.
   */
  followLog(): Promise<void> {
    // `finally` runs after the assignment, even when a turn has nothing to await.
    this.following ??= this.followTurn().finally(() => {
      this.following = undefined;
    });
    return this.following;
  }

  private async followTurn(): Promise<void> {
    try {
      for (const trained of this.models.values()) {
        if (this.stopped()) return;
        const changed = new Set<string>();
        await followRecentItems(trained, this.options.training, (person) => changed.add(person));
        // Their lists, made ahead (a model searched on the search thread), before they are asked for.
        if (changed.size > 0) this.queueAhead(trained, changed, this.options.training.now());
      }
    } catch (error) {
      this.options.onError('following the log for recommendations failed', error);
    }
  }

  /**
   * Items the catalog API just gave: their availability, category and boosts apply to every model
   * now, and content models take new items and new text in at once (their index a few items a
   * turn). A training under way gets them when it ends (it may have read the catalogue before).
   */
  catalogChanged(items: readonly CatalogItem[]): void {
    for (const [name, changed] of this.changedDuringTraining) {
      if (changed.length + items.length > MAX_CHANGES_DURING_TRAINING) {
        // Too many to keep: the model that training makes is trained again after it.
        this.changedDuringTraining.delete(name);
        this.trainAgain.add(name);
      } else changed.push(...items);
    }
    for (const [name, trained] of this.models) this.applyCatalog(name, trained, items);
  }

  /** The catalogue's items given since `trained` was trained, taken into it. */
  private applyCatalog(
    name: string,
    trained: TrainedRecommender,
    items: readonly CatalogItem[],
  ): void {
    const touched = addCatalogItems(trained, items);
    if (touched.length > 0) this.queueIndexing(trained, touched);
    else if (trained.contentIndex === undefined) this.trainWhenExactIsTooSlow(name, trained);
    const boosts = trained.definition.rules?.boosts ?? [];
    const leavesOut = trained.definition.rules?.availableOnly ?? true;
    let back = false;
    for (const item of items) {
      const index = indexOfId(trained.matrix.itemIds, item.id);
      if (index < 0) continue;
      const unavailable = item.available ? 0 : 1;
      if (unavailable === 0 && trained.facts.unavailable[index] === 1) back = true;
      trained.unavailableCount += unavailable - (trained.facts.unavailable[index] ?? 0);
      trained.facts.unavailable[index] = unavailable;
      if (leavesOut) trained.contentIndex?.setLeftOut(index, unavailable === 1);
      trained.facts.category[index] = categoryNumber(trained.facts.categories, item.category);
      if (trained.facts.boost !== undefined) trained.facts.boost[index] = boostFactor(item, boosts);
    }
    // Availability, categories, boosts and the items themselves are what lists are made of; a
    // search's answer still holds unless an item came back into the index (the rules drop those
    // that left it). Items added or re-embedded drop the answers as they join (`drainIndexing`).
    this.forget(trained, back && leavesOut);
  }

  /**
   * Puts the items' vectors in the model's HNSW index (new, re-embedded or without text now), a
   * few at a time with requests served between: an addition costs about 0.4 ms of CPU at
   * efConstruction 64 on a million items, so a feed of thousands would hold the thread for seconds.
   */
  private queueIndexing(trained: TrainedRecommender, items: readonly number[]): void {
    const queue = this.indexing.get(trained);
    if (queue !== undefined) {
      for (const item of items) queue.add(item);
      return;
    }
    const started = new Set(items);
    this.indexing.set(trained, started);
    void this.drainIndexing(trained, started);
  }

  private async drainIndexing(trained: TrainedRecommender, queue: Set<number>): Promise<void> {
    const index = trained.contentIndex;
    const content = contentParameters(trained.parameters);
    try {
      const serving = (): boolean => [...this.models.values()].includes(trained);
      while (queue.size > 0 && index !== undefined && content !== undefined && serving()) {
        if (this.stopped()) return;
        const { dimensions } = content;
        let n = 0;
        for (const item of queue) {
          queue.delete(item);
          if (content.known[item] === 1)
            index.upsert(
              item,
              content.vectors.subarray(item * dimensions, (item + 1) * dimensions),
            );
          else index.remove(item);
          if (++n === INDEX_PER_TURN) break;
        }
        this.forget(trained, true); // the items taken in are found from now on
        await this.options.pause();
      }
    } catch (error) {
      this.options.onError('adding catalogue items to a content index failed', error);
    } finally {
      this.indexing.delete(trained);
    }
  }

  /**
   * People whose lists are still to be made ahead on the search thread, for one recommender or
   * all of them (0 for a model searched here).
   */
  aheadBacklog(name?: string): number {
    let backlog = 0;
    for (const [named, trained] of this.models)
      if (name === undefined || named === name) backlog += this.lists.get(trained)?.ahead.size ?? 0;
    return backlog;
  }

  /** Items still to be put in the model's content index (0 when there is none). */
  indexingBacklog(name: string): number {
    const trained = this.models.get(name);
    return trained === undefined ? 0 : (this.indexing.get(trained)?.size ?? 0);
  }

  /**
   * A model searched exactly (few items with text at training) that has gained many: trained
   * again, which builds its HNSW index, rather than every request comparing every item.
   */
  private trainWhenExactIsTooSlow(name: string, trained: TrainedRecommender): void {
    const content = contentParameters(trained.parameters);
    if (content === undefined) return;
    const limit = this.options.training.exactSearchUpTo ?? EXACT_SEARCH_UP_TO;
    let known = 0;
    for (let i = 0; i < content.known.length; i++) known += content.known[i] ?? 0;
    if (known > 2 * limit && !this.waiting.has(name) && !this.running.has(name))
      void this.train(name);
  }

  /** Stops the schedule and a training under way (between its steps). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.follower);
    this.abort.abort();
    await this.following;
    await this.queue.catch(() => undefined);
    await this.options.training.searchThread?.close();
  }

  private stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Serves `trained` for the recommender (undefined: none); the search thread drops the index of the model it replaces. */
  private serve(name: string, trained: TrainedRecommender | undefined): void {
    const before = this.models.get(name);
    if (trained === undefined) this.models.delete(name);
    else this.models.set(name, trained);
    if (before !== trained) before?.relay?.index.close();
  }

  private async run(name: string): Promise<RecommenderModel | undefined> {
    const definition = this.definitions.get(name);
    if (definition === undefined || this.abort.signal.aborted) return undefined;
    const job = new RecommenderTrainingJob(definition, {
      ...this.options.training,
      fit: this.fit,
      signal: this.abort.signal,
    });
    this.running.set(name, job);
    this.changedDuringTraining.set(name, []);
    try {
      for (;;) {
        if (this.stopped()) return undefined;
        const step = await job.step();
        if (step.finished) break;
        await this.options.pause();
      }
      const trained = job.result;
      // A definition changed or deleted meanwhile: its own training is asked for already.
      if (trained === undefined || this.definitions.get(name)?.version !== definition.version) {
        trained?.relay?.index.close();
        return undefined;
      }
      this.serve(name, trained);
      this.queueAhead(trained, mostRecent(trained.matrix, AHEAD_KEPT), this.options.training.now());
      // What the catalog API gave while it trained, which its reading of the catalogue may have missed.
      const changed = this.changedDuringTraining.get(name) ?? [];
      if (changed.length > 0) this.applyCatalog(name, trained, changed);
      if (this.trainAgain.delete(name)) void this.train(name);
      return trained.info;
    } catch (error) {
      if (!this.stopped()) this.options.onError(`training recommender ${name} failed`, error);
      return undefined;
    } finally {
      this.running.delete(name);
      this.changedDuringTraining.delete(name);
    }
  }
}

/** A placement template's person: their profile, whether their list may be personal, and the page's items. */
export interface TemplateAsk {
  profileId: string | undefined;
  personal: boolean;
  segments?: readonly string[] | undefined;
  items?: readonly string[] | undefined;
}

/**
 * What a list for `who` is made of in the model: the person's row, the items had since training
 * (theirs, `own` of them, then those the request names), their segments; and its keys.
 */
function inputsOf(trained: TrainedRecommender, who: RecommendFor, k: number): ListInputs {
  const { userIds, itemIds } = trained.matrix;
  let row = -1;
  const recent: number[] = [];
  if (who.personal)
    for (const key of who.keys) {
      if (row < 0) row = indexOfId(userIds, key);
      recent.push(...(trained.recent.get(key) ?? []));
    }
  const personKnown = row >= 0 || recent.length > 0;
  const own = recent.length;
  for (const id of (who.items ?? []).slice(0, MAX_REQUEST_ITEMS)) {
    const item = indexOfId(itemIds, id);
    if (item >= 0) recent.push(item);
  }
  const segments = who.personal ? (who.segments ?? []) : [];
  return {
    row,
    recent,
    segments,
    personKnown,
    k,
    key: listKey(k, row, own, recent, segments),
    searchKey: `${row}|${recent.join(',')}`,
    // Their first key only (their profile's when known): a request naming ids of two people
    // (a reader's userId and another's anonymousId) must not leave one's list as the other's.
    people: who.personal && who.keys[0] !== undefined ? [who.keys[0]] : [],
  };
}

/** The row keys of the `n` people of the matrix who had something last, the latest first. */
function mostRecent(matrix: TrainedRecommender['matrix'], n: number): string[] {
  const { userIds, userStart, lastTime } = matrix;
  const latest = new Float64Array(userIds.length).fill(-Infinity);
  for (let row = 0; row < userIds.length; row++)
    for (let p = userStart[row] ?? 0; p < (userStart[row + 1] ?? 0); p++)
      if ((lastTime[p] ?? -Infinity) > (latest[row] ?? -Infinity)) latest[row] = lastTime[p] ?? 0;
  // The n-th latest time, from a numeric sort of the times alone (a million people: tens of ms).
  const times = latest.slice().sort();
  const threshold = times[Math.max(0, times.length - n)] ?? -Infinity;
  const rows: number[] = [];
  latest.forEach((at, row) => {
    if (at >= threshold) rows.push(row);
  });
  rows.sort((a, b) => (latest[b] ?? 0) - (latest[a] ?? 0) || a - b);
  return rows.slice(0, n).map((row) => idAt(userIds, row) as string);
}

/**
 * What a list is made of, besides its model and the catalogue (a change of either drops the kept
 * lists): k, the person's row, the items had since training (the person's `own` first, then
 * those the request names), and their segments where they count (a person the model knows
 * nothing of). Not a time: the same inputs make the same list until the model or catalogue changes.
 */
function listKey(
  k: number,
  row: number,
  own: number,
  recent: readonly number[],
  segments: readonly string[],
): string {
  const key = `${k}|${row}|${own}|${recent.join(',')}`;
  return row < 0 && recent.length === 0 ? `${key}|${segments.join('\u0000')}` : key;
}
