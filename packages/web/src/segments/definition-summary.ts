/** A segment or computed trait as GET /v1/segments and /v1/computed-traits give it. */
export interface DefinitionSummary {
  name: string;
  definition: string;
  references: { segments: string[]; computed: string[]; events: string[]; timeBased: boolean };
  version: number;
  backfill: {
    status: string;
    done: number;
    total: number;
    startedAt: string;
    finishedAt: string | null;
  } | null;
  createdAt: string;
  updatedAt: string;
}

export type DefinitionKind = 'segment' | 'computed';

/** The API's collection for a kind. */
export function definitionBase(kind: DefinitionKind): string {
  return kind === 'segment' ? '/v1/segments' : '/v1/computed-traits';
}
