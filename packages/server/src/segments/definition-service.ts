import { TailorError } from '@tailor/core';
import type { BackfillJobs } from '../store/backfill-jobs.js';
import type { MembershipStore } from '../store/profile-store.js';
import type { DefinitionKind, StoredDefinition } from '../store/state-store.js';
import type { Definition } from './definition.schema.js';
import type { Definitions } from './definitions.js';

export interface DefinitionServiceDeps {
  definitions: Definitions;
  backfills: BackfillJobs;
  /** Who is in a segment now. */
  members: MembershipStore['members'];
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

  /** Deletes a definition nothing else reads (409 naming the segments that read it). */
  async delete(kind: DefinitionKind, name: string): Promise<void> {
    if (!(await this.deps.definitions.delete(kind, name))) throw notFound(kind, name);
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

function notFound(kind: DefinitionKind, name: string): TailorError {
  return new TailorError(
    'not_found',
    `no ${kind === 'segment' ? 'segment' : 'computed trait'} ${name}`,
  );
}
