import { TailorError, type Decision, type PlacementBody } from '@tailor/core';
import type { ProfileReader } from '../store/profile-store.js';
import type { StoredPlacement } from '../store/state-store.js';
import { profileNamed, type PersonNamed } from '../profiles/read-profile.js';
import type { Experiments } from '../experiments/experiments.js';
import { FULL_AUDIENCE, VERIFIED_AUDIENCE, type Audience } from './audiences.js';
import type { Arms } from './arms.schema.js';
import type { BanditArms } from './bandit-arms.js';
import type { Decider } from './decider.js';
import type { IdentityVerifier } from './identity-verifier.js';
import { personOf } from './person-cache.js';
import type { KnownNames, Placements } from './placements.js';

export interface PlacementServiceDeps {
  placements: Placements;
  experiments: Pick<Experiments, 'get'>;
  bandits: Pick<BanditArms, 'of'>;
  decider: Pick<Decider, 'decide' | 'preview' | 'readExposures' | 'prepareLists'>;
  identity: Pick<IdentityVerifier, 'verifies'>;
  profiles: Pick<ProfileReader, 'byId' | 'byIdentifier'>;
  /** The segments and computed traits rules may name now. */
  known: () => KnownNames;
  /** What templates see for the public write key, and for readers' previews (masked). */
  audiences: { public: Audience; reader: Audience };
  /** Everything that compiles placements reads them again, here and on other nodes. */
  placementsChanged: () => Promise<void>;
  now: () => number;
}

/**
 * Who asks for a decision, which decides what templates and reasons may show (docs/security.md):
 * a key that sees personal data (`full`), a reader who may not (`reader`, previews), or the public
 * write key (`public`).
 */
export type Asker = 'full' | 'reader' | 'public';

/**
 * Placements (items with rules, priorities, schedules, caps and templates) and the decisions made
 * from them: defining and reading placements, what a bandit has learnt, previews, and real-time
 * decisions, where the asker decides what a template may show. Unknown names are a 404.
 */
export class PlacementService {
  constructor(private readonly deps: PlacementServiceDeps) {}

  async put(name: string, body: PlacementBody): Promise<StoredPlacement> {
    for (const [i, item] of body.items.entries()) {
      if (
        item.experiment !== undefined &&
        (await this.deps.experiments.get(item.experiment)) === undefined
      )
        throw new TailorError(
          'invalid_request',
          `items[${i}].experiment: no experiment named ${item.experiment}`,
        );
    }
    const at = new Date(this.deps.now());
    const { placement } = await this.deps.placements.put(name, body, this.deps.known(), at);
    await this.deps.placementsChanged();
    return placement;
  }

  list(): Promise<StoredPlacement[]> {
    return this.deps.placements.list();
  }

  async get(name: string): Promise<StoredPlacement> {
    const found = await this.deps.placements.get(name);
    if (found === undefined) throw notFound(name);
    return found;
  }

  async delete(name: string): Promise<void> {
    if (!(await this.deps.placements.delete(name))) throw notFound(name);
    await this.deps.placementsChanged();
  }

  /** The counts the decider reads for a placement that optimizes; no items for one that does not. */
  async arms(name: string): Promise<Arms> {
    const stored = await this.get(name);
    const bandit = this.deps.placements.compiled(name)?.bandit;
    if (bandit === undefined) return { placement: stored.name, optimize: null, items: [] };
    const items = stored.items.map(({ id }) => {
      const { exposures, conversions } = this.deps.bandits.of(bandit, id);
      return { id, exposures, conversions, rate: exposures > 0 ? conversions / exposures : null };
    });
    return { placement: stored.name, optimize: stored.optimize ?? null, items };
  }

  /**
   * Renders a placement (or one of its items) for a person without recording anything. Readers
   * who may not see personal data see them masked, as the profile API shows them.
   */
  async preview(
    name: string,
    who: PersonNamed,
    options: { itemId?: string | undefined; context: Record<string, unknown>; asker: Asker },
  ): Promise<Decision> {
    const stored = await profileNamed(this.deps.profiles, who);
    const audience = options.asker === 'full' ? FULL_AUDIENCE : this.deps.audiences.reader;
    const person = stored && personOf(stored);
    if (person !== undefined) await this.deps.decider.readExposures(person, [name]);
    await this.deps.decider.prepareLists([name], person, audience, options.context);
    return this.deps.decider.preview(person, name, options.context, options.itemId, audience);
  }

  /**
   * Decides what a person sees in each placement. With the public write key, templates see
   * personal traits only where the placement lists them or `userHash` proves the person, and
   * reasons name ids only. The answer has a decision per name asked, in order.
   */
  async decide(request: {
    userId?: string | undefined;
    anonymousId?: string | undefined;
    placements: string[];
    context: Record<string, unknown>;
    userHash?: string | undefined;
    asker: Asker;
  }): Promise<Decision[]> {
    const { userId, anonymousId, placements, context, userHash } = request;
    if (userId === undefined && anonymousId === undefined)
      throw new TailorError('invalid_request', 'userId or anonymousId is required');
    const audience =
      request.asker === 'full'
        ? FULL_AUDIENCE
        : userHash !== undefined && this.deps.identity.verifies(userId, userHash)
          ? VERIFIED_AUDIENCE
          : this.deps.audiences.public;
    // A placement named twice is decided (and recorded) once: listing one twenty times must not
    // buy twenty renders.
    const distinct = [...new Set(placements)];
    const decisions = await this.deps.decider.decide({
      userId,
      anonymousId,
      placements: distinct,
      context,
      audience,
    });
    if (distinct.length === placements.length) return decisions;
    const byName = new Map(decisions.map((d) => [d.placement, d]));
    return placements.map((name) => byName.get(name) as Decision);
  }
}

function notFound(name: string): TailorError {
  return new TailorError('not_found', `no placement ${name}`);
}
