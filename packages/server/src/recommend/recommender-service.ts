import {
  DEFAULT_RECOMMENDATIONS,
  TailorError,
  type IdentifierRef,
  type RecommenderBody,
  type RecommenderModel,
  type RecommenderTraining,
  type Recommendations,
} from '@tailor/core';
import type { Person } from '../decide/person-cache.js';
import type { IdentityVerifier } from '../decide/identity-verifier.js';
import { validName } from '../segments/definitions.js';
import type { StoredRecommender } from '../store/recommender-store.js';
import { MAX_REQUEST_ITEMS, type RecommendFor, type Recommenders } from './recommenders.js';

export interface RecommenderServiceDeps {
  recommenders: Recommenders;
  /** A person's current state by identifier, from memory when possible (the decide cache). */
  person: (identifier: IdentifierRef) => Promise<Person | undefined>;
  /** Whether the person asked for is erased (suppressed): answered as for a stranger. */
  suppressed: (who: { userId?: string | undefined; anonymousId?: string | undefined }) => boolean;
  identity: Pick<IdentityVerifier, 'verifies'>;
  now: () => number;
}

/** A recommender with how its model stands. */
export type RecommenderStatus = StoredRecommender & {
  model?: RecommenderModel;
  training?: RecommenderTraining;
};

/** Who asks: a reader (viewer and up) may see anyone's; the public write key a proven person's only. */
export type RecommendAsker = 'reader' | 'public';

export interface RecommendRequest {
  userId?: string | undefined;
  anonymousId?: string | undefined;
  /** With the public write key: the hex HMAC-SHA256 of userId (identity verification, as decide). */
  userHash?: string | undefined;
  k?: number | undefined;
  /** Product ids the request is about (a product page, a cart): the list goes with them. */
  items?: readonly string[] | undefined;
  asker: RecommendAsker;
}

/**
 * Recommender definitions and their recommendations (docs/recommendations.md). The recommendations
 * of a person reveal what they had, so they are personal only for a reader or a proven person
 * (the write key with a valid `userHash`); anyone else, a stranger, an erased person and one who
 * refused personalization get the popular items.
 */
export class RecommenderService {
  constructor(private readonly deps: RecommenderServiceDeps) {}

  put(name: string, body: RecommenderBody): Promise<StoredRecommender> {
    if (!validName(name))
      throw new TailorError(
        'invalid_request',
        'a recommender name is 1 to 128 characters, without / \\ or control characters',
      );
    if ((body.method === 'blend') !== (body.blend !== undefined))
      throw new TailorError(
        'invalid_request',
        body.method === 'blend'
          ? 'blend: method blend needs the methods it mixes, such as [{"method": "ease"}, {"method": "content"}]'
          : `blend: only method blend mixes methods (this one is ${body.method})`,
      );
    const methods = (body.blend ?? []).map((part) => part.method);
    if (new Set(methods).size !== methods.length)
      throw new TailorError('invalid_request', 'blend: a method is mixed once (give it a weight)');
    if (body.hnsw !== undefined && body.method !== 'content' && !methods.includes('content'))
      throw new TailorError(
        'invalid_request',
        `hnsw: only a content recommender (or a blend with a content part) has an index (this one is ${body.method})`,
      );
    return this.deps.recommenders.put(name, body, new Date(this.deps.now()));
  }

  list(): RecommenderStatus[] {
    return this.deps.recommenders.list().map((r) => this.withStatus(r));
  }

  get(name: string): RecommenderStatus {
    return this.withStatus(this.found(name));
  }

  async delete(name: string): Promise<void> {
    this.found(name);
    await this.deps.recommenders.delete(name);
  }

  /** Trains now (after trainings already asked for) and answers the new model. */
  async train(name: string): Promise<RecommenderModel> {
    this.found(name);
    const model = await this.deps.recommenders.train(name);
    if (model === undefined)
      throw new TailorError('unavailable', `recommender ${name}: training did not finish`);
    return model;
  }

  async recommend(name: string, request: RecommendRequest): Promise<Recommendations> {
    this.found(name);
    const { userId, anonymousId, items } = request;
    if (userId === undefined && anonymousId === undefined && (items ?? []).length === 0)
      throw new TailorError('invalid_request', 'userId, anonymousId or items is required');
    if (items !== undefined && items.length > MAX_REQUEST_ITEMS)
      throw new TailorError('invalid_request', `items: at most ${MAX_REQUEST_ITEMS} product ids`);
    const k = request.k ?? DEFAULT_RECOMMENDATIONS;
    const who = { ...(await this.whom(request)), items };
    const answer = await this.deps.recommenders.recommendNow(name, who, k);
    if (answer === undefined)
      throw new TailorError('unavailable', `recommender ${name} is not trained yet`);
    return answer;
  }

  /** The person's keys, and whether they may get personal items. */
  private async whom(request: RecommendRequest): Promise<RecommendFor> {
    const { userId, anonymousId, userHash } = request;
    const proven =
      request.asker === 'reader' ||
      (userHash !== undefined && this.deps.identity.verifies(userId, userHash));
    if (userId === undefined && anonymousId === undefined) return { keys: [], personal: false };
    if (!proven || this.deps.suppressed({ userId, anonymousId }))
      return { keys: [], personal: false };
    // With the write key only the proven userId counts: an anonymousId proves nothing.
    const anonymous = request.asker === 'reader' ? anonymousId : undefined;
    return personKeys(this.deps.person, userId, anonymous);
  }

  private found(name: string): StoredRecommender {
    const found = this.deps.recommenders.get(name);
    if (found === undefined) throw new TailorError('not_found', `no recommender ${name}`);
    return found;
  }

  private withStatus(r: StoredRecommender): RecommenderStatus {
    return { ...r, ...this.deps.recommenders.status(r.name) };
  }
}

/**
 * A person's keys in a model (their profile's, then their userId's and anonymousId's), and
 * whether they may get personal items: not when their profile refused personalization.
 */
export async function personKeys(
  person: (identifier: IdentifierRef) => Promise<Person | undefined>,
  userId: string | undefined,
  anonymousId: string | undefined,
): Promise<RecommendFor> {
  const found =
    (userId === undefined ? undefined : await person({ type: 'userId', value: userId })) ??
    (anonymousId === undefined
      ? undefined
      : await person({ type: 'anonymousId', value: anonymousId }));
  if (found?.consent.personalization === false) return { keys: [], personal: false };
  const keys: string[] = [];
  if (found !== undefined) keys.push(`p:${found.profileId}`);
  if (userId !== undefined) keys.push(`u:${userId}`);
  if (anonymousId !== undefined) keys.push(`a:${anonymousId}`);
  return { keys, personal: true, segments: found?.segments ?? [] };
}
