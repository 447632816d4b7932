import {
  consentValues,
  isPopulationSteps,
  traitKindOf,
  type CompiledDefinitions,
  type TraitPopulation,
} from '@tailor/core';
import type { Job, JobStep } from '../jobs/job.js';
import type { PopulationStore, ProfileReader } from '../store/profile-store.js';

/** Profiles read per step. */
const PAGE = 2000;
/** How long a step may run a population's computation (a model's fit) before yielding, in ms. */
const SLICE_MS = 20;

export interface PopulationDeps {
  store: Pick<ProfileReader, 'live'> & Pick<PopulationStore, 'savePopulation'>;
  /** The current definitions, with the populations known so far attached. */
  plan: () => Promise<CompiledDefinitions | undefined>;
  now: () => number;
  /** How old a population may grow before it is computed again, in ms. */
  refreshMs: number;
  /** A population was computed and saved. */
  computed: (key: string, population: TraitPopulation) => void;
}

/** A population being read, a page of profiles per step. */
interface PopulationScan {
  key: string;
  name: string;
  cursor: number;
  values: unknown[];
  ids: string[];
  /** Once every profile is read: the population's computation, run a slice per step. */
  making?: Generator<void, TraitPopulation>;
}

/**
 * Keeps population-scored traits current (RFM's quintiles) as a `Job`: when a trait of a kind with
 * a `population` has none or an old one, each step reads a page of profiles' values; the last
 * computes and saves the population and, if it moved, makes every scored person due, so the sweep
 * re-scores them (segments on the scores follow). A long computation (CLV's model fit) runs
 * `SLICE_MS` at a time, a slice per step, so the pipeline folds events between slices. A scan in
 * progress is kept in memory: after a restart it begins again.
 */
export class PopulationJob implements Job {
  readonly name = 'population';
  private scan: PopulationScan | undefined;

  constructor(private readonly deps: PopulationDeps) {}

  async step(): Promise<JobStep> {
    const idle = { worked: 0, finished: true };
    const plan = await this.deps.plan();
    if (plan === undefined) return idle;
    const now = this.deps.now();
    if (this.scan === undefined || !plan.aggregates.has(this.scan.key)) {
      const stale = plan.computed.find(({ key }) => {
        const node = plan.aggregates.get(key);
        if (node === undefined || traitKindOf(node)?.population === undefined) return false;
        const population = plan.populations.get(key);
        return (
          population === undefined || Date.parse(population.computedAt) + this.deps.refreshMs <= now
        );
      });
      if (stale === undefined) return idle;
      this.scan = { key: stale.key, name: stale.name, cursor: 0, values: [], ids: [] };
    }
    const scan = this.scan;
    const node = plan.aggregates.get(scan.key);
    const population = node === undefined ? undefined : traitKindOf(node)?.population;
    if (population === undefined) {
      this.scan = undefined;
      return idle;
    }
    if (scan.making !== undefined) return this.make(scan, scan.making, plan, now);
    const page = await this.deps.store.live(scan.cursor, PAGE);
    for (const profile of page.profiles) {
      // People who refused analytics are left out of what everyone is measured against (RFM's
      // cuts, the CLV models' fit): their data is not used for analysis (docs/privacy.md).
      if (consentValues(profile.consent).analytics === false) continue;
      const sample = population.sample(profile.computed[scan.name]);
      if (sample === undefined) continue;
      scan.values.push(sample);
      scan.ids.push(profile.id);
    }
    scan.cursor = page.profiles[page.profiles.length - 1]?.rank ?? scan.cursor;
    if (page.next !== null) return { worked: Math.max(1, page.profiles.length), finished: false };
    const made = population.summarize(
      scan.values,
      new Date(now).toISOString(),
      plan.populations.get(scan.key),
    );
    if (!isPopulationSteps(made)) {
      await this.save(scan, made, plan, now);
      return { worked: Math.max(1, page.profiles.length), finished: true };
    }
    scan.making = made;
    return this.make(scan, made, plan, now);
  }

  /** Runs the population's computation for a slice; saves it once done. */
  private async make(
    scan: PopulationScan,
    making: Generator<void, TraitPopulation>,
    plan: CompiledDefinitions,
    now: number,
  ): Promise<JobStep> {
    const until = performance.now() + SLICE_MS;
    for (;;) {
      const next = making.next();
      if (next.done === true) {
        await this.save(scan, next.value, plan, now);
        return { worked: 1, finished: true };
      }
      if (performance.now() >= until) return { worked: 1, finished: false };
    }
  }

  /** Saves a population and, if its cuts moved, makes every person it scores due for re-scoring. */
  private async save(
    scan: PopulationScan,
    computed: TraitPopulation,
    plan: CompiledDefinitions,
    now: number,
  ): Promise<void> {
    this.scan = undefined;
    const moved =
      JSON.stringify(plan.populations.get(scan.key)?.cuts) !== JSON.stringify(computed.cuts);
    await this.deps.store.savePopulation(scan.key, computed, moved ? scan.ids : [], now);
    plan.populations.set(scan.key, computed);
    this.deps.computed(scan.key, computed);
  }
}
