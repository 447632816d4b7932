import {
  DEFAULT_RECOMMENDATIONS,
  applyServingRules,
  boostFactor,
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
  RecommenderTrainingJob,
  type TrainedRecommender,
  type TrainingDeps,
} from './recommender-training.js';
import { addCatalogItems } from './add-catalog-items.js';
import { contentParameters, defaultFitter, type Fitter } from './fit-recommender.js';
import { followRecentItems } from './follow-recent-items.js';
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
 * 20 MB a model at most. A content list through a million-item index costs about 2.3 ms of CPU
 * (the search), served again from here while what it is made of is unchanged.
 */
export const LISTS_KEPT = 10_000;

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
  private lists = new WeakMap<TrainedRecommender, LRUCache<string, Recommendations>>();

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
        for (const name of this.models.keys()) if (!read.has(name)) this.models.delete(name);
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
    this.models.delete(name);
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
   */
  recommend(name: string, who: RecommendFor, k: number): Recommendations | undefined {
    const trained = this.models.get(name);
    if (trained === undefined) return undefined;
    const { rows } = trained;
    let row = -1;
    const recent: number[] = [];
    if (who.personal)
      for (const key of who.keys) {
        const found = rows.get(key);
        if (row < 0 && found !== undefined) row = found;
        recent.push(...(trained.recent.get(key) ?? []));
      }
    const personKnown = row >= 0 || recent.length > 0;
    const own = recent.length;
    for (const id of (who.items ?? []).slice(0, MAX_REQUEST_ITEMS)) {
      const item = trained.itemIndex.get(id);
      if (item !== undefined) recent.push(item);
    }
    const segments = who.personal ? (who.segments ?? []) : [];
    let kept = this.lists.get(trained);
    if (kept === undefined) this.lists.set(trained, (kept = new LRUCache({ max: LISTS_KEPT })));
    const key = listKey(k, row, own, recent, segments);
    const found = kept.get(key);
    if (found !== undefined) return found;
    const made = this.makeList(trained, row, recent, segments, k, personKnown);
    kept.set(key, made);
    return made;
  }

  /** `recommend`'s list: the model's ranking for the row and the items had since, the rules applied. */
  private makeList(
    trained: TrainedRecommender,
    row: number,
    recent: readonly number[],
    segments: readonly string[],
    k: number,
    personKnown: boolean,
  ): Recommendations {
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
        item: matrix.itemIds[item] as string,
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
  forTemplate(
    name: string,
    who: {
      profileId: string | undefined;
      personal: boolean;
      segments?: readonly string[] | undefined;
      items?: readonly string[] | undefined;
    },
  ): readonly RecommendedItem[] | undefined {
    const definition = this.definitions.get(name);
    if (definition === undefined) return undefined;
    const keys = who.profileId === undefined ? [] : [`p:${who.profileId}`];
    const k = definition.k ?? DEFAULT_RECOMMENDATIONS;
    const { personal, segments, items } = who;
    return this.recommend(name, { keys, personal, segments, items }, k)?.items ?? [];
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
      for (const trained of this.models.values())
        if (!this.stopped()) await followRecentItems(trained, this.options.training);
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
    // Availability, categories, boosts and the items themselves are what lists are made of.
    this.lists.delete(trained);
    const touched = addCatalogItems(trained, items);
    if (touched.length > 0) this.queueIndexing(trained, touched);
    else if (trained.contentIndex === undefined) this.trainWhenExactIsTooSlow(name, trained);
    const boosts = trained.definition.rules?.boosts ?? [];
    for (const item of items) {
      const index = trained.itemIndex.get(item.id);
      if (index === undefined) continue;
      const unavailable = item.available ? 0 : 1;
      trained.unavailableCount += unavailable - (trained.facts.unavailable[index] ?? 0);
      trained.facts.unavailable[index] = unavailable;
      if (trained.definition.rules?.availableOnly ?? true)
        trained.contentIndex?.setLeftOut(index, unavailable === 1);
      (trained.facts.category as (string | undefined)[])[index] = item.category;
      if (trained.facts.boost !== undefined) trained.facts.boost[index] = boostFactor(item, boosts);
    }
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
        this.lists.delete(trained); // the items taken in are found from now on
        await this.options.pause();
      }
    } catch (error) {
      this.options.onError('adding catalogue items to a content index failed', error);
    } finally {
      this.indexing.delete(trained);
    }
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
  }

  private stopped(): boolean {
    return this.abort.signal.aborted;
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
      if (trained === undefined || this.definitions.get(name)?.version !== definition.version)
        return undefined;
      this.models.set(name, trained);
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
