import { TailorError } from '@tailor/core';
import type { BackfillJobs } from '../store/backfill-jobs.js';
import type { MembershipStore, SegmentSizes as SizeStore } from '../store/profile-store.js';
import type { DefinitionKind, StoredDefinition } from '../store/state-store.js';
import type { Definition, SegmentSizes } from './definition.schema.js';
import type { Definitions } from './definitions.js';

export interface DefinitionServiceDeps {
  definitions: Definitions;
  backfills: BackfillJobs;
  /** Who is in a segment now. */
  members: MembershipStore['members'];
  /** Segment sizes over time. */
  sizes: Pick<SizeStore, 'between' | 'forget'>;
  now: () => number;
}

/**
 * Segments and computed traits in the segment language: saving one (checked, then every profile
 * re-evaluated by a backfill), reading them with their backfill's progress, a segment's members,
 * and deleting one nothing reads. Unknown names are a 404.
 */
export class DefinitionService {
  constructor(private readonly deps: DefinitionServiceDeps) {}

  async put(kind: DefinitionKind, name: string, input: unknown): Promise<Definition> {
    const at = new Date(this.deps.now());
    const { definition } = await this.deps.definitions.put(kind, name, input, at);
    return this.view(definition);
  }

  async list(kind: DefinitionKind): Promise<Definition[]> {
    const all = await this.deps.definitions.list(kind);
    return Promise.all(all.map((d) => this.view(d)));
  }

  async get(kind: DefinitionKind, name: string): Promise<Definition> {
    return this.view(await this.find(kind, name));
  }

  /** The profiles in a segment now, in id order after `after`, with the count. */
  async members(
    name: string,
    after: string,
    limit: number,
  ): Promise<{ profiles: string[]; count: number; next: string | null }> {
    await this.find('segment', name);
    return this.deps.members(name, after, limit);
  }

  /**
   * A segment's counts over time between `from` and `to` (ISO 8601; by default the 30 days up
   * to now), oldest first.
   */
  async sizes(name: string, from?: string, to?: string): Promise<SegmentSizes> {
    const end = to === undefined ? this.deps.now() : timeOf(to, 'to');
    const start = from === undefined ? end - 30 * DAY : timeOf(from, 'from');
    if (start > end) throw new TailorError('invalid_request', 'from is after to');
    await this.find('segment', name);
    const sizes = await this.deps.sizes.between(name, start, end, MAX_SIZES);
    return {
      segment: name,
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
      sizes: sizes.map(({ at, size, version }) => ({ at, size, version })),
    };
  }

  /** Deletes a definition nothing else reads (409 naming the segments that read it). */
  async delete(kind: DefinitionKind, name: string): Promise<void> {
    if (!(await this.deps.definitions.delete(kind, name))) throw notFound(kind, name);
    if (kind === 'segment') await this.deps.sizes.forget(name);
  }

  private async find(kind: DefinitionKind, name: string): Promise<StoredDefinition> {
    const found = await this.deps.definitions.get(kind, name);
    if (found === undefined) throw notFound(kind, name);
    return found;
  }

  private async view(d: StoredDefinition): Promise<Definition> {
    const job = await this.deps.backfills.latest(`${d.kind}:${d.name}`);
    return {
      name: d.name,
      definition: d.text,
      tree: d.tree as unknown as Record<string, unknown>,
      references: d.references,
      version: d.version,
      backfill:
        job === undefined
          ? null
          : {
              status: job.status,
              done: job.done,
              total: job.total,
              startedAt: job.startedAt,
              finishedAt: job.finishedAt,
            },
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    };
  }
}

const DAY = 86_400_000;
/** Counts answered at most (the latest of the period): 200 days of hourly counts. */
const MAX_SIZES = 5000;

function timeOf(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new TailorError(
      'invalid_request',
      `${name} is not a time: give ISO 8601, e.g. 2026-01-31T00:00:00Z`,
    );
  return ms;
}

function notFound(kind: DefinitionKind, name: string): TailorError {
  return new TailorError(
    'not_found',
    `no ${kind === 'segment' ? 'segment' : 'computed trait'} ${name}`,
  );
}
