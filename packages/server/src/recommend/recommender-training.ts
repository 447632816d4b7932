import { randomInt, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  boostFactor,
  catalogFacts,
  exactSearch,
  addId,
  idAt,
  idTable,
  idsOf,
  interactionItems,
  recommenderFrom,
  segmentPopularity,
  DEFAULT_RECOMMENDER_EVENTS,
  DEFAULT_RECOMMENDER_OPTIONS,
  type BlendSpec,
  type Boost,
  type CatalogItem,
  type RecommenderMethod,
  type CatalogItemInput,
  type ItemFacts,
  type IdList,
  type IdTable,
  type InteractionMatrix,
  type ItemContent,
  type PopularInSegment,
  type FittedParameters,
  type Recommender,
  type RecommenderModel,
  type RecommenderOptions,
  type StoredMessage,
  type VectorSearch,
} from '@tailor/core';
import type { Job, JobStep } from '../jobs/job.js';
import type { EventLog } from '../log/event-log.js';
import type { ProfileReader, StoredProfile } from '../store/profile-store.js';
import type { StoredRecommender } from '../store/recommender-store.js';
import { contentParameters, fitHere, type Fitted, type Fitter } from './fit-recommender.js';
import { readHnswIndex, type HnswIndex, type HnswOptions } from './hnsw-search.js';
import { RelayedSearch } from './relayed-search.js';
import type { SearchThread } from './search-thread.js';

/** The consent purpose a recommender serves: people who refused it are neither learnt from nor served personally. */
export const RECOMMEND_PURPOSE = 'personalization';

export interface TrainingDeps {
  log: Pick<EventLog, 'read' | 'readNamed' | 'stats'>;
  profiles: Pick<ProfileReader, 'byIdentifier'>;
  /** Messages naming an erased (suppressed) person: never learnt from, whether or not the log still holds them. */
  suppressed: (message: StoredMessage) => boolean;
  now: () => number;
  /** Log events read per step (default 5,000). */
  pageSize?: number;
  /** Where the costly part of the fit runs (default: this thread). */
  fit?: Fitter;
  /** Learns the catalogue from the products the e-commerce events read name (docs/recommendations.md). */
  learnCatalog?: (facts: CatalogItemInput[]) => Promise<unknown>;
  /** The catalogue's items among ids, for the serving rules (availability, categories, boosts). */
  catalogOf?: (ids: readonly string[]) => Promise<Map<string, CatalogItem>>;
  /** The catalogue a page at a time, in id order (content-based recommenders read all of it). */
  catalogPage?: (after: string | undefined, limit: number) => Promise<CatalogItem[]>;
  /** Content vectors of more items than this are searched through the HNSW index, fewer exactly. */
  exactSearchUpTo?: number;
  /** Where HNSW indexes are searched (none: on this thread, each list's search holding it). */
  searchThread?: SearchThread | undefined;
  /** Stops a fit under way (the server closing). */
  signal?: AbortSignal;
}

/** A trained recommender as served: the matrix it learnt, the model and each person's row. */
export interface TrainedRecommender {
  definition: StoredRecommender;
  /**
   * Its ids as tables: a person's row is `indexOfId(matrix.userIds, key)` by `p:PROFILE_ID`, or
   * `u:USERID` / `a:ANONYMOUSID` for people with no profile yet; an item's number `indexOfId(matrix.itemIds, id)`.
   */
  matrix: InteractionMatrix<IdTable>;
  recommender: Recommender;
  /** What the fit learnt, and the options and search the recommender was made with (to make it again over more items). */
  parameters: FittedParameters;
  options: Partial<RecommenderOptions>;
  search?: VectorSearch | undefined;
  info: RecommenderModel;
  /** Reused by every recommendation (scores are written then ranked, synchronously). */
  scratch: Float64Array<ArrayBuffer>;
  /** The log position training read to: what people have had since is followed from there. */
  followedTo: number;
  /** Items people had since training (by their row keys), most recent last, a few per person. */
  recent: Map<string, number[]>;
  /** What the catalogue said of the model's items when it was trained (the serving rules read it). */
  facts: ServedFacts;
  /** How many of its items are unavailable now (kept, not counted per request: catalogues are large). */
  unavailableCount: number;
  /** The popular items of each segment its people were in (new people's lists). */
  segmentPopular: ReadonlyMap<string, PopularInSegment>;
  /**
   * Content searched through an HNSW index: the index, whose unavailable items are left out of
   * searches (when serving available items only) and which new items join between trainings.
   */
  contentIndex?: Omit<HnswIndex, 'search'>;
  /**
   * The index is on the search thread: `search` relays to it, and a list that searches is made
   * from the thread's answer (`Recommenders.prepare`), never by waiting on this thread.
   */
  relay?: RelayedSearch;
}

/** Content vectors up to this many items are searched exactly (about 2 ms for 5,000), more through HNSW. */
export const EXACT_SEARCH_UP_TO = 5000;

/** Catalogue items read per step by a content recommender's training. */
const CATALOGUE_PAGE = 1000;

/** Identifiers resolved per step. */
const RESOLVE_CHUNK = 500;

/**
 * Trains one recommender from the log, in steps: a page of the log per step (the events that
 * name items, with their userId and anonymousId), then the identifiers resolved to profiles in
 * chunks, then the fit. As the reports do, an event belongs to its userId's profile, else its
 * anonymousId's, else to the identifier itself (not folded yet). People who refused
 * personalization (or analytics: their events are not to be used) and messages refusing it are
 * left out, and so is every message naming a suppressed (erased) person. The run is in memory:
 * a restart trains again from the start.
 */
export class RecommenderTrainingJob implements Job {
  readonly name: string;
  private readonly events: ReadonlySet<string>;
  private readonly started: number;
  private phase: 'read' | 'resolve' | 'catalogue' | 'fit' | 'done' = 'read';
  private position = 0;
  private total: number | undefined;
  private read = 0;
  private readonly identifiers = new Map<string, number>();
  /**
   * Per kept interaction: the userId's and anonymousId's identifier numbers (-1: none), item,
   * time, and its order ('' for none): the messageId of an event listing `products[]`.
   */
  private readonly rows: {
    user: number;
    anonymous: number;
    item: string;
    at: number;
    basket: string;
  }[] = [];
  private readonly keys: string[] = [];
  private resolved = 0;
  /** Per identifier number: its person (a profile's key or the identifier's), null when refused. */
  private readonly person: (string | null | undefined)[] = [];
  private trained: TrainedRecommender | undefined;
  /** The segments of each profile (`p:ID`) when resolved. */
  private readonly segmentsOf = new Map<string, readonly string[]>();
  /** Content only: the whole catalogue, read a page per step; `after` is the last id read. */
  private readonly catalogue = new Map<string, CatalogItem>();
  private after: string | undefined;

  constructor(
    private readonly definition: StoredRecommender,
    private readonly deps: TrainingDeps,
  ) {
    this.name = `recommender:${definition.name}`;
    this.events = new Set(definition.events ?? DEFAULT_RECOMMENDER_EVENTS);
    this.started = deps.now();
  }

  /** The model, once the last step fitted it. */
  get result(): TrainedRecommender | undefined {
    return this.trained;
  }

  /** How far the reading is: log positions read of those there were when it started. */
  get progress(): { done: number; total: number } {
    const total = this.total ?? 0;
    return { done: this.phase === 'read' ? Math.min(this.position, total) : total, total };
  }

  async step(): Promise<JobStep> {
    switch (this.phase) {
      case 'read':
        return this.readPage();
      case 'resolve':
        return this.resolveChunk();
      case 'catalogue':
        return this.readCatalogue();
      case 'fit':
        await this.fit();
        this.phase = 'done';
        return { worked: 1, progress: this.progress, finished: true };
      case 'done':
        return { worked: 0, finished: true };
    }
  }

  private async readPage(): Promise<JobStep> {
    this.total ??= (await this.deps.log.stats()).lastPosition;
    const page = await this.deps.log.read(this.position, this.deps.pageSize ?? 5000);
    const facts: CatalogItemInput[] = [];
    for (const { message } of page) {
      this.take(message);
      if (this.deps.learnCatalog !== undefined && message.type === 'track') {
        if (!this.deps.suppressed(message))
          facts.push(...catalogFacts(message.event, message.properties));
      }
    }
    if (facts.length > 0) await this.deps.learnCatalog?.(facts);
    this.read += page.length;
    this.position = page[page.length - 1]?.position ?? this.position;
    if (page.length === 0 || this.position >= this.total) {
      this.keys.push(...this.identifiers.keys());
      this.phase = 'resolve';
    }
    return { worked: Math.max(page.length, 1), progress: this.progress, finished: false };
  }

  private take(message: StoredMessage): void {
    const items = itemsHad(message, this.events, this.deps.suppressed);
    if (items.length === 0) return;
    const at = Date.parse(message.timestamp);
    const user = message.userId === null ? -1 : this.idOf(`u:${message.userId}`);
    const anonymous = message.anonymousId === null ? -1 : this.idOf(`a:${message.anonymousId}`);
    // An event listing products (Order Completed) is one order: its items were bought together.
    const basket = Array.isArray(message.properties?.products) ? message.messageId : '';
    for (const item of items) this.rows.push({ user, anonymous, item, at, basket });
  }

  private idOf(key: string): number {
    let id = this.identifiers.get(key);
    if (id === undefined) this.identifiers.set(key, (id = this.identifiers.size));
    return id;
  }

  private async resolveChunk(): Promise<JobStep> {
    const chunk = this.keys.slice(this.resolved, this.resolved + RESOLVE_CHUNK);
    const found = await Promise.all(
      chunk.map((key) =>
        this.deps.profiles.byIdentifier({
          type: key.startsWith('u:') ? 'userId' : 'anonymousId',
          value: key.slice(2),
        }),
      ),
    );
    chunk.forEach((key, j) => {
      const profile = found[j];
      this.person[this.resolved + j] =
        profile === undefined ? undefined : refused(profile) ? null : `p:${profile.id}`;
      if (profile !== undefined && !refused(profile))
        this.segmentsOf.set(`p:${profile.id}`, profile.segments);
    });
    this.resolved += chunk.length;
    if (this.resolved >= this.keys.length)
      this.phase = usesMethod(this.definition, 'content') ? 'catalogue' : 'fit';
    return { worked: Math.max(chunk.length, 1), progress: this.progress, finished: false };
  }

  /** Content only: a page of the catalogue, whose items' text the content vectors are made of. */
  private async readCatalogue(): Promise<JobStep> {
    const page = (await this.deps.catalogPage?.(this.after, CATALOGUE_PAGE)) ?? [];
    for (const item of page) this.catalogue.set(item.id, item);
    this.after = page[page.length - 1]?.id ?? this.after;
    if (page.length < CATALOGUE_PAGE) this.phase = 'fit';
    return { worked: Math.max(page.length, 1), progress: this.progress, finished: false };
  }

  /**
   * The interactions by person (a refused person's left out), then the matrix and the parameters
   * (by the fitter: on a worker thread under `tailor serve`) and the model.
   */
  private async fit(): Promise<void> {
    const users: string[] = [];
    const items: string[] = [];
    const times: number[] = [];
    const baskets: string[] = [];
    const orders = usesMethod(this.definition, 'bought-together');
    for (const { user, anonymous, item, at, basket } of this.rows) {
      const owner = this.ownerOf(user, anonymous);
      if (owner === null) continue;
      users.push(owner);
      items.push(item);
      times.push(at);
      if (orders) baskets.push(basket);
    }
    const half = this.definition.halfLifeDays;
    const options =
      half === undefined ? {} : { popularityHalfLifeDays: half, easeHalfLifeDays: half };
    const fit = this.deps.fit ?? fitHere;
    const content = usesMethod(this.definition, 'content');
    const indexFile = join(tmpdir(), `tailor-hnsw-${randomUUID()}.bin`);
    const fitted = await fit(
      {
        interactions: {
          users,
          items,
          times: Float64Array.from(times),
          ...(orders && { baskets }),
        },
        method: this.definition.method,
        options,
        ...(this.definition.blend && { blend: blendSpecs(this.definition) }),
        ...(content && {
          contentOf: contentOf(this.catalogue),
          index: {
            file: indexFile,
            exactUpTo: this.deps.exactSearchUpTo ?? EXACT_SEARCH_UP_TO,
            settings: hnswOptions(this.definition),
          },
        }),
      },
      this.deps.signal,
    );
    if (!fitted.ok) throw new Error(`training ${this.definition.name}: ${fitted.error}`);
    const { matrix, parameters } = fitted.value;
    const catalogue = content ? this.catalogue : await this.deps.catalogOf?.(idsOf(matrix.itemIds));
    const facts = itemFacts(matrix.itemIds, catalogue, this.definition.rules?.boosts ?? []);
    const segmentPopular = segmentPopularity(
      matrix,
      (row) => this.segmentsOf.get(idAt(matrix.userIds, row) ?? ''),
      half ?? DEFAULT_RECOMMENDER_OPTIONS.popularityHalfLifeDays,
    );
    const leftOut = (this.definition.rules?.availableOnly ?? true) ? facts.unavailable : undefined;
    const { search, index, relay } = await this.searchOf(fitted.value, leftOut);
    const finished = this.deps.now();
    this.trained = {
      ...(index !== undefined && { contentIndex: index }),
      ...(relay !== undefined && { relay }),
      facts,
      unavailableCount: facts.unavailable.reduce((n, u) => n + u, 0),
      segmentPopular,
      definition: this.definition,
      matrix,
      recommender: recommenderFrom(matrix, parameters, options, search),
      parameters,
      options,
      search,
      scratch: new Float64Array(matrix.itemIds.length),
      followedTo: this.position,
      recent: new Map(),
      info: {
        trainedAt: new Date(finished).toISOString(),
        version: this.definition.version,
        people: matrix.userIds.length,
        items: matrix.itemIds.length,
        interactions: matrix.items.length,
        events: this.read,
        seconds: Math.max(0, finished - this.started) / 1000,
      },
    };
  }

  /**
   * Content vectors are searched exactly in a small catalogue, through the HNSW index the fit
   * built and wrote in a large one: read by the search thread when there is one, else here (then
   * its file removed), the items where `leftOut` is 1 (unavailable) left out of its searches.
   */
  private async searchOf(
    { parameters, indexFile }: Fitted,
    leftOut: Uint8Array | undefined,
  ): Promise<{
    search?: VectorSearch;
    index?: Omit<HnswIndex, 'search'>;
    relay?: RelayedSearch;
  }> {
    const content = contentParameters(parameters);
    if (content === undefined) return {};
    if (indexFile === undefined) return { search: exactSearch(content) };
    try {
      const thread = this.deps.searchThread;
      if (thread !== undefined) {
        const index = await thread.open(content, indexFile, hnswOptions(this.definition), leftOut);
        const relay = new RelayedSearch(index);
        return { search: relay.search, index, relay };
      }
      const index = readHnswIndex(content, indexFile, hnswOptions(this.definition), leftOut);
      return { search: index.search, index };
    } finally {
      rmSync(indexFile, { force: true });
    }
  }

  /** The userId's profile, else the anonymousId's, else the identifier itself; null: refused. */
  private ownerOf(user: number, anonymous: number): string | null {
    const byUser = user === -1 ? undefined : this.person[user];
    if (byUser !== undefined) return byUser;
    const byAnonymous = anonymous === -1 ? undefined : this.person[anonymous];
    if (byAnonymous !== undefined) return byAnonymous;
    return this.keys[user === -1 ? anonymous : user] ?? null;
  }
}

/** Whether a recommender is of `method`, or a blend with a part of it. */
export function usesMethod(definition: StoredRecommender, method: RecommenderMethod): boolean {
  return definition.method === method || (definition.blend ?? []).some((p) => p.method === method);
}

/** A blend's parts as core fits them (a weight of 1 unless given). */
export function blendSpecs(definition: StoredRecommender): BlendSpec[] {
  return (definition.blend ?? []).map(({ method, weight }) => ({ method, weight: weight ?? 1 }));
}

/** The definition's HNSW settings, those it does not give left to the defaults. */
function hnswOptions({ hnsw = {} }: StoredRecommender): Partial<HnswOptions> {
  return {
    ...(hnsw.m !== undefined && { m: hnsw.m }),
    ...(hnsw.efConstruction !== undefined && { efConstruction: hnsw.efConstruction }),
    ...(hnsw.efSearch !== undefined && { efSearch: hnsw.efSearch }),
  };
}

/** What content-based similarity reads of each catalogue item. */
function contentOf(catalogue: ReadonlyMap<string, CatalogItem>): Map<string, ItemContent> {
  const content = new Map<string, ItemContent>();
  for (const [id, { name, category, brand }] of catalogue)
    content.set(id, { name, category, brand });
  return content;
}

/** A model's item facts, with the names of the categories they number. */
export interface ServedFacts extends ItemFacts {
  /** Each category's name at its number (`categoryNumber`). */
  categories: IdTable;
}

/**
 * Availability, category and boost factor of each item of a model, from the catalogue (nothing
 * known of an item missing from it: available, no category, factor 1).
 */
export function itemFacts(
  itemIds: IdList,
  catalogue: ReadonlyMap<string, CatalogItem> | undefined,
  boosts: readonly Boost[],
): ServedFacts {
  const unavailable = new Uint8Array(itemIds.length);
  const category = new Int32Array(itemIds.length).fill(-1);
  const categories = idTable([], randomInt(2 ** 32));
  const boost = new Float64Array(itemIds.length).fill(1);
  if (catalogue === undefined) return { unavailable, category, categories, boost };
  for (let i = 0; i < itemIds.length; i++) {
    const item = catalogue.get(idAt(itemIds, i) as string);
    if (item?.available === false) unavailable[i] = 1;
    category[i] = categoryNumber(categories, item?.category);
    boost[i] = boostFactor(item, boosts);
  }
  return { unavailable, category, categories, boost };
}

/** The number of a category in `categories` (a new one numbered), -1 for none. */
export function categoryNumber(categories: IdTable, category: string | undefined): number {
  return category === undefined ? -1 : addId(categories, category);
}

/**
 * The items a message says its sender had, for a recommender learning from `events`: none for
 * another event, one without identifiers, one refusing personalization itself, or one naming a
 * suppressed (erased) person.
 */
export function itemsHad(
  message: StoredMessage,
  events: ReadonlySet<string>,
  suppressed: (message: StoredMessage) => boolean,
): string[] {
  if (message.type !== 'track' || message.event === undefined) return [];
  if (!events.has(message.event)) return [];
  if (message.userId === null && message.anonymousId === null) return [];
  if (refusesPersonalization(message) || suppressed(message)) return [];
  return interactionItems(message.properties);
}

/** Whether a person's profile refuses what recommendations need: personalization, or analytics (their events are not used). */
export function refused(profile: Pick<StoredProfile, 'consent'>): boolean {
  const current = profile.consent.current;
  return current[RECOMMEND_PURPOSE]?.granted === false || current.analytics?.granted === false;
}

/** A message that itself refuses personalization (Segment's `context.consent.categoryPreferences`). */
function refusesPersonalization(message: StoredMessage): boolean {
  const consent = message.context.consent as
    { categoryPreferences?: Record<string, unknown> } | undefined;
  return consent?.categoryPreferences?.[RECOMMEND_PURPOSE] === false;
}
