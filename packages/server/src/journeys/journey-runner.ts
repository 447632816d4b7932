import { TailorError, type ClusterModel } from '@tailor/core';
import type { TemplateEngine } from '../decide/template-engine.js';
import { backoffMs } from '../destinations/dispatcher.js';
import {
  allSteps,
  armPath,
  branchHolds,
  branchPath,
  compileJourney,
  entersOn,
  heldOut,
  nextPath,
  randomArm,
  sameKey,
  stepAt,
  type CompiledJourney,
  type CompiledStep,
  type JourneyEvent,
  type JourneySchedule,
  type ProfileView,
} from './journey-definition.js';
import type { JourneyBody, QuietHours, SplitSource } from './journey.schema.js';
import {
  stepKey,
  type HoldoutGroup,
  type JourneyPlace,
  type JourneyStore,
} from './journey-store.js';
import type { WebhookAttempt, WebhookSender } from './journey-webhooks.js';
import { isTimeZone, quietUntil } from './quiet-hours.js';
import type { EmailRef } from './email-links.js';
import { trackedLinks, withPixel, withUnsubscribeLine, withUnsubscribeLink } from './email-html.js';
import type { EmailMessage } from './smtp-sender.js';
import { waitUntilMoment } from './wait-until.js';
import { dryRunJourney, type DryRun } from './dry-run.js';
import type { EmailEventRecorder } from './email-events.js';

/** What the runner needs of profiles: the person's traits, computed traits and consent, read at each step. */
export type ProfileReader = (
  person: string,
) => Promise<ProfileView | undefined> | ProfileView | undefined;

export interface JourneyRunnerOptions {
  /** The trained clusterings `in_cluster(...)` in branches reads. */
  clusterings?: () => ReadonlyMap<string, ClusterModel>;
  store: JourneyStore;
  engine: TemplateEngine;
  readProfile: ProfileReader;
  /** Hands a message to SMTP; absent when no SMTP is configured (email steps are then recorded as skipped). */
  send: ((message: EmailMessage) => Promise<void>) | undefined;
  /**
   * The List-Unsubscribe target for a person (a mailto: or https: URL). An https: one is Tailor's
   * signed one-click link: it is also offered to templates as `unsubscribe_url`, added at the end
   * of an email whose template does not show it, and announced for one-click (RFC 8058).
   */
  unsubscribeUrl: (person: string, journey: string) => string;
  /**
   * Tracking through Tailor (given a public URL): each http(s) link of an email goes through a
   * signed redirect, and a pixel is added at its end.
   */
  tracking?: {
    openUrl: (email: EmailRef) => string;
    clickUrl: (email: EmailRef, url: string) => string;
  };
  /** Appends `Email Sent` to the log for the person once an email was handed to SMTP. */
  record?: EmailEventRecorder;
  /** Whether a destination exists (a webhook step naming none is refused when saved). */
  knowsDestination?: (name: string) => Promise<boolean>;
  /** Delivers webhook steps (through destinations and their channels); without it they fail. */
  webhook?: WebhookSender;
  /** Sets traits on a person (an identify appended to the log; the id stores it once). */
  updateTraits?: (
    person: string,
    traits: Record<string, unknown>,
    messageId: string,
  ) => Promise<void>;
  /**
   * Records a person's holdout group as an exposure (`Experiment Viewed`, experiment
   * `journey:NAME`), once, when they first enter a journey with a holdout.
   */
  recordGroup?: (journey: string, person: string, group: HoldoutGroup) => Promise<void>;
  /** Experiment splits: a person's variant (and levels) as the experiment assigns them, the exposure recorded. */
  experiments?: JourneyExperiments;
  /** Installation-wide email rules (config `journeys`): a global frequency cap, quiet hours, the default time zone. */
  emailRules?: EmailRules;
  now?: () => number;
  /** People moved side by side in a tick (16 by default): emails and webhooks are round trips. */
  concurrency?: number;
  /** Told of what an operator should see: a skipped or failed email, a stored journey that no longer compiles, a place that could not move on. */
  warn?: (message: string, error?: unknown) => void;
}

/** What journeys need of experiments: what arms one has, and a person's assignment (recording the exposure). */
export interface JourneyExperiments {
  /** The experiment's variants, and its factors with their levels; undefined when there is none. */
  arms(
    name: string,
  ): Promise<{ variants: string[]; factors: Record<string, string[]> } | undefined>;
  /** The person's variant (and each factor's level), or null when the experiment does not take them now. */
  assign(
    name: string,
    person: string,
  ): Promise<{ variant: string | null; factors?: Record<string, string> }>;
}

/** Installation-wide email rules, beside each journey's own. */
export interface EmailRules {
  /** At most this many marketing emails to a person, over every journey, in any `ms`. */
  frequencyCap?: { emails: number; ms: number } | undefined;
  quietHours?: QuietHours | undefined;
  /** The time zone of people whose `traits.timezone` is not a known one (UTC by default). */
  timeZone?: string | undefined;
}

/**
 * How long an email's template may take to render: longer than decide's 50 ms (no request waits on
 * it), so a busy machine's pause does not fail an email that will not be tried again.
 */
const EMAIL_RENDER_MS = 2000;

/** Webhook attempts before a step is given up (1 s doubling, capped at an hour: about 4.5 hours). */
export const MAX_WEBHOOK_ATTEMPTS = 12;

/** Whether a person refused the `marketing` purpose (consent `marketing: false`). */
function refusedMarketing(profile: ProfileView): boolean {
  return profile.consent?.['marketing'] === false;
}

/**
 * Runs journeys: enters people on their entry event (timed from when the event was received), and at
 * each `tick` moves every due person on through branches and emails until a wait or the end. Every
 * place and timer is in the store, so a runner started again resumes where the last one stopped.
 */
export class JourneyRunner {
  private readonly compiled = new Map<string, CompiledJourney>();
  private readonly now: () => number;
  private readonly warn: (message: string, error?: unknown) => void;
  /** The store's definitions version the compiled journeys were read at. */
  private version: number | undefined;

  private readonly concurrency: number;

  constructor(private readonly options: JourneyRunnerOptions) {
    this.now = options.now ?? Date.now;
    this.concurrency = options.concurrency ?? 16;
    this.warn = options.warn ?? (() => undefined);
  }

  /**
   * Reads the journeys again when they changed in the store (saved or deleted through another
   * connection, such as the request thread's). A stored journey that no longer compiles is left
   * out and reported; the others run. `tick` and the log follower call it first.
   */
  async refresh(): Promise<void> {
    const version = await this.options.store.version();
    if (version === this.version) return;
    this.version = version;
    this.compiled.clear();
    for (const { name, body } of await this.options.store.listJourneys()) {
      try {
        this.compiled.set(name, compileJourney(body as JourneyBody, this.options.engine));
      } catch (error) {
        this.warn(
          `journey ${name} does not compile; nobody moves in it until it is saved again`,
          error,
        );
      }
    }
  }

  /** Checks and saves a journey (a 400 TailorError when it is invalid). */
  async put(name: string, body: JourneyBody): Promise<void> {
    const compiled = compileJourney(body, this.options.engine);
    const known = this.options.knowsDestination;
    for (const step of allSteps(compiled.steps))
      if (step.kind === 'webhook' && known !== undefined && !(await known(step.destination)))
        throw new TailorError(
          'invalid_request',
          `steps.${step.path}.webhook.destination: no destination ${step.destination} (PUT /v1/destinations/NAME first)`,
        );
    for (const step of allSteps(compiled.steps))
      if (step.kind === 'split' && 'experiment' in step.source)
        await this.checkExperimentSplit(step, step.source);
    // A match compares with the entry event's properties: a segment's or a schedule's entry has
    // none of the person's, so it would never match and every wait would time out.
    const matched = [...allSteps(compiled.steps)].find(
      (step) => step.kind === 'waitFor' && step.match !== undefined,
    );
    if (matched !== undefined && !('event' in body.entry))
      throw new TailorError(
        'invalid_request',
        `steps.${matched.path}.waitFor.match: only a journey entered on an event can match on its properties (this one is entered on segment ${body.entry.segment})`,
      );
    await this.options.store.putJourney(name, body);
    this.compiled.set(name, compiled);
  }

  /** An experiment split names an experiment that exists, and arms among its variants (or its factor's levels). */
  private async checkExperimentSplit(
    step: Extract<CompiledStep, { kind: 'split' }>,
    source: Extract<SplitSource, { experiment: string }>,
  ): Promise<void> {
    const field = `steps.${step.path}.split`;
    const known = await this.options.experiments?.arms(source.experiment);
    if (known === undefined)
      throw new TailorError(
        'invalid_request',
        `${field}.experiment: no experiment ${source.experiment} (PUT /v1/experiments/NAME first)`,
      );
    const ids = source.factor === undefined ? known.variants : known.factors[source.factor];
    if (ids === undefined)
      throw new TailorError(
        'invalid_request',
        `${field}.factor: experiment ${source.experiment} has no factor ${source.factor} (it has ${Object.keys(known.factors).join(', ') || 'none'})`,
      );
    for (const [index, arm] of step.arms.entries())
      if (arm.key !== undefined && !ids.includes(arm.key))
        throw new TailorError(
          'invalid_request',
          `steps.${step.path}.arms.${index}: ${source.factor === undefined ? 'no variant' : `no level of ${source.factor}`} ${arm.key} in experiment ${source.experiment} (${ids.join(', ')})`,
        );
  }

  /** Which steps and emails a person would get entering `name` now (nothing sent or stored); undefined when there is no such journey. */
  async dryRun(name: string, person: string): Promise<DryRun | undefined> {
    await this.refresh();
    const journey = this.compiled.get(name);
    if (journey === undefined) return undefined;
    if (journey.holdout !== undefined && heldOut(name, person, journey.holdout.fraction))
      return { steps: [], end: 'held-out' };
    const profile = await this.options.readProfile(person);
    return dryRunJourney({
      name,
      journey,
      person,
      profile,
      at: this.now(),
      zone: this.zoneOf(profile ?? { traits: {} }),
      quietHours: journey.quietHours ?? this.options.emailRules?.quietHours,
      engine: this.options.engine,
      ...(this.options.clusterings && { clusterings: this.options.clusterings() }),
    });
  }

  delete(name: string): Promise<boolean> {
    this.compiled.delete(name);
    return this.options.store.deleteJourney(name);
  }

  /** Whether any event matters to a journey: with none (no journeys, or only scheduled ones) the log need not be read. */
  listensToAny(): boolean {
    for (const journey of this.compiled.values())
      if (
        journey.entry.schedule === undefined ||
        journey.goal !== undefined ||
        journey.awaits.size > 0
      )
        return true;
    return false;
  }

  /** Whether an event of this name matters to a journey (enters, meets a goal, is awaited): only those need their person resolved. */
  listensTo(event: string): boolean {
    for (const journey of this.compiled.values())
      if (
        (journey.entry.schedule === undefined && journey.entry.event === event) ||
        journey.goal === event ||
        journey.awaits.has(event)
      )
        return true;
    return false;
  }

  /**
   * An event received at `receivedAt` for a person: in each journey, it takes them out when it is
   * the goal, moves them on when a `waitFor` of theirs awaits it, else enters them when it is the
   * entry (as the re-entry policy allows).
   */
  async onEvent(event: JourneyEvent): Promise<void> {
    const store = this.options.store;
    for (const [name, journey] of this.compiled) {
      if (journey.goal === event.name && journey.holdout !== undefined)
        await store.convert(name, event.person, event.receivedAt, journey.holdout.windowMs);
      if (journey.goal === event.name && (await store.reachGoal(name, event.person))) continue;
      if (journey.awaits.has(event.name) && (await this.arrive(name, journey, event))) continue;
      if (!entersOn(journey, event)) continue;
      await this.enter(name, journey, event.person, event.receivedAt, event.properties);
    }
  }

  /** The journeys entered on a schedule, each with its segment and schedule. */
  schedules(): { name: string; segment: string; schedule: JourneySchedule }[] {
    const found: { name: string; segment: string; schedule: JourneySchedule }[] = [];
    for (const [name, { entry }] of this.compiled)
      if (entry.schedule !== undefined && entry.segment !== undefined)
        found.push({ name, segment: entry.segment, schedule: entry.schedule });
    return found;
  }

  /**
   * Enters a person into a scheduled journey's run at `at` (the run's moment), as its re-entry
   * policy allows; false when they were not entered (in it already, or once and done).
   */
  async enterScheduled(name: string, person: string, at: number): Promise<boolean> {
    const journey = this.compiled.get(name);
    if (journey?.entry.schedule === undefined) return false;
    return this.enter(name, journey, person, at, undefined);
  }

  /** Enters a person at the first step, timed from `at`, keeping what `waitFor` matches on. */
  private async enter(
    name: string,
    journey: CompiledJourney,
    person: string,
    at: number,
    properties: Record<string, unknown> | undefined,
  ): Promise<boolean> {
    if (journey.holdout !== undefined) {
      const group = heldOut(name, person, journey.holdout.fraction) ? 'holdout' : 'treated';
      // The group's record opens the conversion window at the first entry; its exposure once.
      if (await this.options.store.assignGroup(name, person, group, at))
        await this.options.recordGroup?.(name, person, group);
      if (group === 'holdout') return false;
    }
    const first = journey.steps[0];
    if (first === undefined) return false;
    const hold = first.kind === 'wait' ? first.ms : first.kind === 'waitFor' ? first.timeoutMs : 0;
    const context: Record<string, unknown> = {};
    for (const key of journey.matchKeys)
      if (properties?.[key] !== undefined) context[key] = properties[key];
    return this.options.store.enter(name, person, '0', at + hold, {
      at,
      reenterAfterMs: journey.reenterAfterMs,
      context,
    });
  }

  /** A person waiting at a `waitFor` for this event (in time, matching their entry's key) takes its `then`. */
  private async arrive(
    name: string,
    journey: CompiledJourney,
    event: JourneyEvent,
  ): Promise<boolean> {
    const place = await this.options.store.place(name, event.person);
    if (place === undefined) return false;
    const step = stepAt(journey.steps, place.path);
    if (step?.kind !== 'waitFor' || step.event !== event.name) return false;
    // Only an event received while they waited: not before they reached the step, not past its timeout.
    if (event.receivedAt > place.dueAt || event.receivedAt < place.dueAt - step.timeoutMs)
      return false;
    if (
      step.match !== undefined &&
      !sameKey(place.context[step.match], event.properties?.[step.match])
    )
      return false;
    return this.advance(name, place, event.receivedAt);
  }

  /**
   * Moves on everyone due by now; answers how many places moved. A place that fails (its profile
   * could not be read) is reported and stays due, to be tried again on a later tick; the others
   * still move.
   */
  async tick(limit = 500): Promise<number> {
    await this.refresh();
    const now = this.now();
    const due = await this.options.store.due(now, limit);
    // Different people move side by side (an email is a network round trip); one person's places
    // move one after another, so their frequency caps and records see each other.
    const byPerson = new Map<string, JourneyPlace[]>();
    for (const place of due) {
      const list = byPerson.get(place.person);
      if (list === undefined) byPerson.set(place.person, [place]);
      else list.push(place);
    }
    const people = [...byPerson.values()];
    let moved = 0;
    let next = 0; // earliest due first
    const worker = async (): Promise<void> => {
      for (let places = people[next++]; places !== undefined; places = people[next++]) {
        for (const place of places) {
          try {
            if (await this.advance(place.journey, place)) moved++;
          } catch (error) {
            this.warn(
              `journey ${place.journey}: step ${place.path} failed; tried again later`,
              error,
            );
          }
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.concurrency, people.length) }, () => worker()),
    );
    return moved;
  }

  /**
   * Moves one person on from their place (due, or a `waitFor` whose event came at `arrivedAt`)
   * until a wait, a held step or the end; false when their journey does not compile now.
   */
  private async advance(name: string, place: JourneyPlace, arrivedAt?: number): Promise<boolean> {
    const journey = this.compiled.get(name);
    const store = this.options.store;
    if (journey === undefined) return false;
    const { person, run } = place;
    let path: string | undefined = place.path;
    // Timers count from when the previous one fell due (the first from the entry event's reception),
    // not from when the runner got to it, so a late tick does not push later steps back.
    const at = arrivedAt ?? place.dueAt;
    // The place's own step is due: a wait whose time is up, or a step reached at entry or held.
    let resumed = true;
    const entered: string[] = [];
    while (path !== undefined) {
      const step = stepAt(journey.steps, path);
      if (step === undefined) break;
      // Counted with the move that ends this advance (one transaction, not one a step).
      if (!resumed) entered.push(path);
      const wasResumed = resumed;
      resumed = false;
      switch (step.kind) {
        case 'wait':
          if (wasResumed) break;
          await store.move(name, person, path, at + step.ms, entered);
          return true;
        case 'waitUntil': {
          // Worked out again whenever it is reached or falls due: its own moment answers itself,
          // and a date trait changed meanwhile moves the wait.
          const profile = (await this.options.readProfile(person)) ?? { traits: {} };
          const next = waitUntilMoment(step, at, profile.traits, this.zoneOf(profile));
          if ('exit' in next) {
            await store.leave(name, person, path, 'exit', entered);
            return true;
          }
          if (next.until > at) {
            await store.move(name, person, path, next.until, entered);
            return true;
          }
          break;
        }
        case 'waitFor':
          if (!wasResumed) {
            await store.move(name, person, path, at + step.timeoutMs, entered);
            return true;
          }
          path = branchPath(journey.steps, step, arrivedAt !== undefined);
          continue;
        case 'if': {
          const profile = (await this.options.readProfile(person)) ?? { traits: {} };
          path = branchPath(
            journey.steps,
            step,
            branchHolds(step.condition, profile, this.options.clusterings?.()),
          );
          continue;
        }
        case 'email': {
          const held = await this.email(name, journey, step, person, run);
          if (held !== undefined) {
            await store.move(name, person, path, held, entered);
            return true;
          }
          break;
        }
        case 'webhook': {
          const retryAt = await this.webhook(name, step, person, run);
          if (retryAt !== undefined) {
            await store.move(name, person, path, retryAt, entered);
            return true;
          }
          break;
        }
        case 'traits':
          await this.setTraits(name, step, person, run);
          break;
        case 'split':
          path = armPath(journey.steps, step, await this.arm(name, step, person));
          continue;
        default:
          assertNever(step);
      }
      path = nextPath(journey.steps, path);
    }
    // Past the last step (or at one no longer in the journey): left at the last step reached.
    await store.leave(name, person, entered.at(-1) ?? place.path, 'end', entered);
    return true;
  }

  /**
   * The arm of a split a person takes (-1: `else`): by weight from a hash of the journey, the step
   * and the person (sticky), or by the experiment's assignment (a variant, or a factor's level).
   */
  private async arm(
    name: string,
    step: Extract<CompiledStep, { kind: 'split' }>,
    person: string,
  ): Promise<number> {
    const { source, arms } = step;
    if ('random' in source) return randomArm(name, step, person);
    const experiments = this.options.experiments;
    if (experiments === undefined) return -1;
    type Assigned = Awaited<ReturnType<JourneyExperiments['assign']>>;
    const assigned = await experiments
      .assign(source.experiment, person)
      .catch((error: unknown): Assigned => {
        // Deleted since the journey was saved: the person takes `else`.
        if (error instanceof TailorError && error.code === 'not_found') return { variant: null };
        throw error;
      });
    const key = source.factor === undefined ? assigned.variant : assigned.factors?.[source.factor];
    if (key === null || key === undefined) return -1;
    const index = arms.findIndex((arm) => arm.key === key);
    // A variant with no arm of its own goes on after the split.
    return index >= 0 ? index : arms.length;
  }

  /** A person's time zone: `traits.timezone` when it is a known IANA name, else the installation's (UTC by default). */
  private zoneOf(profile: ProfileView): string {
    const zone = profile.traits['timezone'];
    if (typeof zone === 'string' && isTimeZone(zone)) return zone;
    return this.options.emailRules?.timeZone ?? 'UTC';
  }

  /**
   * An email step: held (the time it may go, answered) inside quiet hours in the person's time
   * zone; skipped past a frequency cap (the journey's or the installation's, counting emails sent
   * in the window); else sent at most once.
   */
  private async email(
    name: string,
    journey: CompiledJourney,
    step: Extract<CompiledStep, { kind: 'email' }>,
    person: string,
    run: number,
  ): Promise<number | undefined> {
    const profile = await this.options.readProfile(person);
    const rules = this.options.emailRules ?? {};
    const now = this.now();
    const quiet = journey.quietHours ?? rules.quietHours;
    if (quiet !== undefined && profile !== undefined) {
      const until = quietUntil(now, quiet, this.zoneOf(profile));
      if (until !== undefined) return until;
    }
    const key = stepKey(step.path, run);
    const store = this.options.store;
    for (const [cap, scope] of [
      [journey.frequencyCap, name],
      [rules.frequencyCap, undefined],
    ] as const) {
      if (cap === undefined || profile === undefined || refusedMarketing(profile)) continue;
      if ((await store.emailsSince(person, now - cap.ms, scope)) < cap.emails) continue;
      await store.recordEmail(name, person, key, now, 'capped');
      return undefined;
    }
    await this.sendEmail(name, person, step, key, profile);
    return undefined;
  }

  /**
   * A webhook step, at least once: tried until its destination answers 2xx (the same
   * `Idempotency-Key` each time), again after 1 s doubling up to an hour; given up after
   * `MAX_WEBHOOK_ATTEMPTS` or a permanent failure. Answers when to try again, or undefined to move on.
   */
  private async webhook(
    name: string,
    step: Extract<CompiledStep, { kind: 'webhook' }>,
    person: string,
    run: number,
  ): Promise<number | undefined> {
    const store = this.options.store;
    const key = stepKey(step.path, run);
    const record = await store.webhook(name, person, key);
    if (record !== undefined && record.outcome !== 'pending') return undefined;
    const attempts = record?.attempts ?? 0;
    const send = this.options.webhook;
    const result: WebhookAttempt =
      send === undefined
        ? { outcome: 'failed', error: 'no webhook sender configured' }
        : await send({
            journey: name,
            step: step.path,
            person,
            messageId: `journey-webhook:${name}:${person}:${key}`,
            destination: step.destination,
            event: step.event,
            attempts,
          }).catch((error: unknown) => ({
            outcome: 'retry' as const,
            error: 'delivery failed',
            detail: error,
          }));
    const now = this.now();
    const tried = attempts + (result.outcome === 'skipped' ? 0 : 1);
    if (result.outcome === 'retry' && tried < MAX_WEBHOOK_ATTEMPTS) {
      await store.recordWebhook(name, person, key, {
        attempts: tried,
        outcome: 'pending',
        at: now,
      });
      return now + backoffMs(tried);
    }
    const outcome = result.outcome === 'retry' ? 'failed' : result.outcome;
    await store.recordWebhook(name, person, key, { attempts: tried, outcome, at: now });
    if (outcome === 'failed')
      this.warn(
        `journey ${name}: webhook step ${step.path} failed after ${tried} attempt(s) (${'error' in result ? result.error : ''}); given up`,
        'detail' in result ? result.detail : undefined,
      );
    return undefined;
  }

  /** A trait update step: an identify in the log, its id the step's, so a step run again stores nothing twice. */
  private async setTraits(
    name: string,
    step: Extract<CompiledStep, { kind: 'traits' }>,
    person: string,
    run: number,
  ): Promise<void> {
    const update = this.options.updateTraits;
    if (update === undefined) {
      this.warn(`journey ${name}: traits step ${step.path} skipped, nothing updates traits here`);
      return;
    }
    await update(
      person,
      step.traits,
      `journey-traits:${name}:${person}:${stepKey(step.path, run)}`,
    );
  }

  private async sendEmail(
    name: string,
    person: string,
    step: Extract<CompiledStep, { kind: 'email' }>,
    key: string,
    profile: ProfileView | undefined,
  ): Promise<void> {
    const to = profile?.traits['email'];
    // Consent is checked at send time, not only at entry; no address or a refusal skips the email.
    if (profile === undefined || typeof to !== 'string' || to === '' || refusedMarketing(profile))
      return;
    const { send, store } = this.options;
    if (send === undefined) {
      // No SMTP configured: the step is recorded as skipped and passed, so the journey goes on.
      if (await store.recordEmail(name, person, key, this.now(), 'skipped-no-smtp'))
        this.warn(
          `journey ${name}: email step ${step.path} skipped, no SMTP configured (set TAILOR_SMTP_URL and TAILOR_EMAIL_FROM)`,
        );
      return;
    }
    // At most once: the record is written before the message goes; a crash after it loses the email
    // rather than sending it twice.
    if (!(await store.recordEmail(name, person, key, this.now()))) return;
    const unsubscribe = this.options.unsubscribeUrl(person, name);
    const web = /^https?:/.test(unsubscribe);
    const scope = {
      profile,
      traits: profile.traits,
      computed: profile.computed ?? {},
      context: {},
      ...(web && { unsubscribe_url: unsubscribe }),
    };
    const engine = this.options.engine;
    const headers: Record<string, string> = { 'List-Unsubscribe': `<${unsubscribe}>` };
    if (web) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    try {
      const email: EmailRef = { person, journey: name, step: step.path };
      const rendered = engine.renderBounded(step.html, scope, EMAIL_RENDER_MS);
      const tracked = this.options.tracking;
      const html =
        tracked === undefined
          ? rendered
          : withPixel(
              trackedLinks(rendered, (url) =>
                url === unsubscribe ? url : tracked.clickUrl(email, url),
              ),
              tracked.openUrl(email),
            );
      await send({
        to,
        subject: engine.renderBounded(step.subject, scope, EMAIL_RENDER_MS),
        html: web ? withUnsubscribeLink(html, unsubscribe) : html,
        ...(step.text !== undefined && {
          text: withUnsubscribeLine(
            engine.renderBounded(step.text, scope, EMAIL_RENDER_MS),
            unsubscribe,
            web,
          ),
        }),
        headers,
      });
    } catch (error) {
      // Not tried again (at most once); the record stays, marked failed.
      await store.emailFailed(name, person, key);
      this.warn(`journey ${name}: email step ${step.path} failed (not retried)`, error);
      return;
    }
    // The id is the email's: a tick that records it again stores nothing twice.
    await this.options
      .record?.({
        person,
        name: 'Email Sent',
        properties: { journey: name, step: step.path },
        messageId: `email-sent:${name}:${person}:${key}`,
      })
      .catch((error: unknown) => {
        this.warn(`journey ${name}: Email Sent for step ${step.path} not recorded`, error);
      });
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected step ${JSON.stringify(value)}`);
}
