import {
  type AggregateNode,
  checkReferences,
  compileDefinitions,
  type ComputedNode,
  type CompiledDefinitions,
  type Condition,
  readComputed,
  readCondition,
  referencesOf,
  TailorError,
  traitKindOf,
  type DefinitionError,
  type References,
} from '@tailor/core';
import type { DefinitionKind, StateStore, StoredDefinition } from '../store/state-store.js';
import { ReadOrder } from '../store/read-order.js';

/** Names of definitions and placements: 1 to 128 characters, no slash, backslash or control character. */
export function validName(name: string): boolean {
  if (name.length < 1 || name.length > 128) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x2f || code === 0x5c) return false;
  }
  return true;
}

/**
 * Segments and computed traits: read from text or a JSON tree, checked (syntax with the character
 * position, unknown references, in_segment cycles), stored in canonical form with their references.
 */
export class Definitions {
  private plan: CompiledDefinitions | undefined;
  /** Readings of the store and changes made here, in order (another node or thread changes them too). */
  private readonly order = new ReadOrder();

  private constructor(
    private readonly store: StateStore['definitions'],
    private readonly onChange: (names: string[]) => Promise<void>,
    private readonly extra: () => Promise<AggregateNode[]>,
    private readonly readers: (kind: DefinitionKind, name: string) => Promise<string[]>,
  ) {}

  /**
   * `onChange` is told which definitions changed, so every profile can be re-evaluated (a
   * backfill). `extra` gives aggregates other readers need kept (placement caps' exposure counts).
   * `readers` names what else reads a definition (placements, experiments, models), which keeps
   * it from being deleted.
   */
  static async open(
    store: StateStore['definitions'],
    onChange: (names: string[]) => Promise<void> = () => Promise.resolve(),
    extra: () => Promise<AggregateNode[]> = () => Promise.resolve([]),
    readers: (kind: DefinitionKind, name: string) => Promise<string[]> = () => Promise.resolve([]),
  ): Promise<Definitions> {
    const definitions = new Definitions(store, onChange, extra, readers);
    await definitions.reload();
    return definitions;
  }

  /** What the pipeline evaluates: every definition compiled; undefined when there are none. */
  get compiled(): CompiledDefinitions | undefined {
    return this.plan;
  }

  /** Names of the segments defined now. */
  get segmentNames(): ReadonlySet<string> {
    return new Set(this.plan?.segments.map((s) => s.name) ?? []);
  }

  /** Reads every definition again (another thread or process changed them). */
  async reload(): Promise<void> {
    await this.order.read(
      () => Promise.all([this.store.list('computed'), this.store.list('segment'), this.extra()]),
      ([computed, segments, extra]) => {
        this.plan =
          computed.length + segments.length + extra.length === 0
            ? undefined
            : compileDefinitions(
                computed.map((c) => ({ name: c.name, tree: c.tree as ComputedNode })),
                segments.map((d) => ({ name: d.name, tree: d.tree as Condition })),
                extra,
              );
      },
    );
  }

  async put(
    kind: DefinitionKind,
    name: string,
    input: unknown,
    now: Date,
  ): Promise<{ definition: StoredDefinition; created: boolean }> {
    const read = await this.check(kind, name, input);
    const { references } = read;

    const previous = await this.store.get(kind, name);
    const at = now.toISOString();
    const definition: StoredDefinition = {
      kind,
      name,
      text: read.text,
      tree: read.tree,
      references,
      version: (previous?.version ?? 0) + (previous?.text === read.text ? 0 : 1),
      createdAt: previous?.createdAt ?? at,
      updatedAt: previous?.text === read.text ? previous.updatedAt : at,
    };
    await this.store.put(definition);
    await this.reload();
    if (definition.version !== previous?.version) await this.onChange([`${kind}:${name}`]);
    return { definition, created: previous === undefined };
  }

  /**
   * Reads and checks a definition as `put` would save it under `name`, saving nothing: syntax with
   * the character position, unknown references, in_segment cycles (400 with the position).
   */
  async check(
    kind: DefinitionKind,
    name: string,
    input: unknown,
  ): Promise<Pick<StoredDefinition, 'text' | 'tree' | 'references'>> {
    if (!validName(name))
      throw new TailorError(
        'invalid_request',
        'a name is 1 to 128 characters, without / \\ or control characters',
      );
    if (typeof input !== 'string' && (typeof input !== 'object' || input === null)) {
      throw new TailorError('invalid_request', 'definition must be text or a JSON tree', {
        details: { position: 0 },
      });
    }
    const read = kind === 'segment' ? readCondition(input) : readComputed(input);
    if (!read.ok) throw refused(read.error);
    const references = referencesOf(read.value.tree);
    const problem = await this.checkAgainstOthers(
      kind,
      name,
      typeof input === 'string' ? input : read.value.text,
      references,
    );
    if (problem) throw refused(problem);
    return { text: read.value.text, tree: read.value.tree, references };
  }

  get(kind: DefinitionKind, name: string): Promise<StoredDefinition | undefined> {
    return this.store.get(kind, name);
  }

  list(kind: DefinitionKind): Promise<StoredDefinition[]> {
    return this.store.list(kind);
  }

  /** Deletes a definition nothing else reads; otherwise a 409 naming what reads it. */
  async delete(kind: DefinitionKind, name: string): Promise<boolean> {
    const readers = (await this.store.list('segment')).filter((s) =>
      kind === 'segment'
        ? s.references.segments.includes(name)
        : s.references.computed.includes(name),
    );
    if (readers.length > 0) {
      throw new TailorError(
        'conflict',
        `${name} is used by segment ${readers.map((r) => r.name).join(', ')}`,
      );
    }
    // A stage's rules may read other computed traits.
    const traitReaders =
      kind === 'computed'
        ? (await this.store.list('computed')).filter((c) => c.references.computed.includes(name))
        : [];
    if (traitReaders.length > 0) {
      throw new TailorError(
        'conflict',
        `${name} is used by computed trait ${traitReaders.map((r) => r.name).join(', ')}`,
      );
    }
    // Placements, experiments and models refuse an unknown name when saved: so is deleting one they read.
    const others = await this.readers(kind, name);
    if (others.length > 0)
      throw new TailorError('conflict', `${name} is used by ${others.join(', ')}`);
    const deleted = await this.store.delete(kind, name);
    await this.reload();
    if (deleted) await this.onChange([`${kind}:${name}`]);
    return deleted;
  }

  private async checkAgainstOthers(
    kind: DefinitionKind,
    name: string,
    text: string,
    references: References,
  ): Promise<DefinitionError | undefined> {
    if (kind === 'computed') {
      // Aggregates read events only; a stage's rules may read other computed traits, but none
      // decided by rules themselves (those are decided together, after the others).
      if (references.computed.length === 0) return undefined;
      const others = (await this.store.list('computed')).filter(
        (c) => c.name !== name && c.references.computed.length === 0 && !isRuled(c),
      );
      return checkReferences(name, text, references, {
        segments: new Map(),
        computed: new Set(others.map((c) => c.name)),
      });
    }
    const segments = new Map((await this.store.list('segment')).map((s) => [s.name, s.references]));
    const computed = new Set((await this.store.list('computed')).map((c) => c.name));
    return checkReferences(name, text, references, { segments, computed });
  }
}

/** Whether a stored computed trait is decided by rules (a stage). */
function isRuled(definition: StoredDefinition): boolean {
  return traitKindOf(definition.tree)?.rules !== undefined;
}

function refused(error: DefinitionError): TailorError {
  return new TailorError('invalid_request', error.message, {
    details: { position: error.position },
  });
}
