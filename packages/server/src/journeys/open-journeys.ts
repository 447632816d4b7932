import { join } from 'node:path';
import {
  consentValues,
  scrubPersonalData,
  TailorError,
  traitValues,
  type ClusterModel,
  type PiiPolicy,
  type StoredMessage,
} from '@tailor/core';
import { ChannelRegistry } from '../destinations/channel.js';
import { WebhookChannel } from '../destinations/channels/webhook-channel.js';
import type { DestinationStore } from '../destinations/destination-store.js';
import type { Config } from '../config/config.schema.js';
import type { TemplateEngine } from '../decide/template-engine.js';
import type { EventLog } from '../log/event-log.js';
import type { PgDatabase } from '../storage/postgres/pg-database.js';
import { BackgroundLoop } from '../pipeline/background-loop.js';
import { createPrivateFile } from '../privacy/private-files.js';
import type { Suppressions } from '../privacy/suppressions.js';
import type { ErasureOwner } from '../privacy/erasure-coordinator.js';
import type {
  MembershipStore,
  ProfileReader as ProfileStoreReader,
} from '../store/profile-store.js';
import { emailEventRecorder } from './email-events.js';
import { EmailLinks } from './email-links.js';
import { parseDuration, type ProfileView } from './journey-definition.js';
import { journeyWebhookSender } from './journey-webhooks.js';
import { isTimeZone } from './quiet-hours.js';
import { traitUpdater } from './trait-updater.js';
import { journeyErasureOwner } from './journey-erasure.js';
import { journeyExperiments } from './journey-experiments.js';
import type { Experiments } from '../experiments/experiments.js';
import { followLog, JOURNEYS_CONSUMER } from './journey-follower.js';
import { JourneyRunner } from './journey-runner.js';
import { runSchedules } from './journey-schedules.js';
import { smtpSender } from './smtp-sender.js';
import type { JourneyStore } from './journey-store.js';
import { PgJourneyStore } from './pg-journey-store.js';
import { SqliteJourneyStore } from './sqlite-journey-store.js';

/** Journeys: what routes save through, and the work the background runs. */
export interface Journeys {
  store: JourneyStore;
  runner: JourneyRunner;
  /** Enters people from the log (no further than the pipeline folded it), then moves on everyone due; how much it did. */
  work: () => Promise<number>;
  /**
   * `work` polled every 250 ms and woken by new events, for the embedded background; on several
   * nodes `work` runs instead on the node holding the upkeep lease.
   */
  loop: BackgroundLoop;
  erasureOwner: ErasureOwner;
  /** Signs and reads the links in journey emails (unsubscribe). */
  links: EmailLinks;
  /** Closes the SMTP pool and the store (stop the loop first: the background does). */
  close(): Promise<void>;
}

/** Events the follower reads a turn. */
const FOLLOW_BATCH = 1000;

/** How often due waits are looked for: a wait fires within about this long of falling due. */
export const JOURNEYS_POLL_MS = 250;

/**
 * Opens the journey store (`journeys.db` in the data folder, or the journeys' tables in PostgreSQL
 * given `pg`) and builds the runner over it: email through
 * `TAILOR_SMTP_URL` from `TAILOR_EMAIL_FROM` (without them, email steps are recorded as skipped).
 * People are kept by their profile id, resolved when they enter (the pipeline has folded their entry
 * event by then), so the store names no one by an identifier; a merged id leads to its profile.
 */
export async function openJourneys(deps: {
  config: Readonly<Config>;
  log: Pick<EventLog, 'read' | 'stats' | 'append'>;
  profiles: Pick<ProfileStoreReader, 'byId' | 'byIdentifier' | 'identifiers'>;
  engine: TemplateEngine;
  now: () => number;
  /** How far the profile pipeline has folded the log: people enter no sooner. */
  folded: () => Promise<number>;
  /** Several nodes: the store in PostgreSQL, shared. */
  pg?: PgDatabase | undefined;
  /** The installation's secret email links are signed under (every node holds it alike). */
  linkSecret: string;
  /** The trained clusterings `in_cluster(...)` in branches reads. */
  clusterings?: () => ReadonlyMap<string, ClusterModel>;
  /** The destinations webhook steps deliver through. */
  destinations?: Pick<DestinationStore, 'get'> | undefined;
  /** Which fields are personal now (for webhook steps' masking); the defaults when absent. */
  pii?: () => PiiPolicy;
  /** The experiments experiment splits assign through (opened after the journeys, hence a function). */
  experiments?: () => Pick<Experiments, 'assignStored' | 'get'>;
  /** A segment's members now (scheduled entries); without it, scheduled journeys enter no one. */
  members?: MembershipStore['members'];
  /**
   * Erased people's identifiers, suppressed as soon as the erasure is asked for: a person named
   * there is treated as gone (no email, no webhook) before the pipeline carries the erasure out.
   */
  suppressions?: Pick<Suppressions, 'has' | 'size'>;
}): Promise<Journeys> {
  const { config, log, profiles, destinations } = deps;
  if (!isTimeZone(config.journeys.timeZone))
    throw new TailorError(
      'invalid_request',
      `invalid configuration: journeys.timeZone: ${config.journeys.timeZone} is not a time zone such as UTC or Europe/Paris`,
    );
  const warn = (msg: string, error?: unknown): void => {
    if (config.logLevel === 'silent') return;
    const err = error === undefined ? undefined : errorText(error);
    console.error(JSON.stringify({ level: 'warn', msg, ...(err !== undefined && { err }) }));
  };
  const store =
    deps.pg === undefined ? openSqlite(config.dataDir) : await PgJourneyStore.open(deps.pg);
  // People enter from events received from now on: a first start does not replay the log's history.
  if ((await store.getPosition(JOURNEYS_CONSUMER)) === undefined)
    await store.setPosition(JOURNEYS_CONSUMER, String((await log.stats()).lastPosition));
  const smtp =
    config.smtpUrl === undefined ? undefined : smtpSender(config.smtpUrl, emailFrom(config));
  const mailto = `mailto:${addressOf(emailFrom(config))}`;
  const links = new EmailLinks(deps.linkSecret);
  // Webhook steps go through the same Channel as destinations (its own connections, closed with the journeys).
  const channels = new ChannelRegistry([
    new WebhookChannel({
      allowInternal: config.destinations.allowInternal,
      connectTimeoutMs: config.destinations.timeoutMs,
    }),
  ]);
  const publicUrl = config.publicUrl?.replace(/\/+$/, '');
  const recorder = emailEventRecorder({ log, profiles, now: deps.now });
  const suppressed = suppressedPerson(profiles, deps.suppressions);
  const runner = new JourneyRunner({
    store,
    engine: deps.engine,
    readProfile: (person) => readProfile(profiles, person, suppressed),
    ...(deps.clusterings && { clusterings: deps.clusterings }),
    send: smtp?.send,
    // Tailor's signed one-click link when it knows its public address, else a reply to the sender.
    unsubscribeUrl: (person, journey) =>
      publicUrl === undefined
        ? `${mailto}?subject=${encodeURIComponent(`unsubscribe ${journey}`)}`
        : `${publicUrl}/v1/unsubscribe?t=${links.unsubscribeToken({ person, journey })}`,
    ...(publicUrl !== undefined && {
      tracking: {
        openUrl: (email) => `${publicUrl}/v1/email/open?t=${links.openToken(email)}`,
        clickUrl: (email, url) => `${publicUrl}/v1/email/click?t=${links.clickToken(email, url)}`,
      },
    }),
    record: recorder,
    recordGroup: (journey, person, group) =>
      recorder({
        person,
        name: 'Experiment Viewed',
        properties: { experiment: `journey:${journey}`, variant: group, journey },
        messageId: `journey-holdout:${journey}:${person}`,
      }),
    ...(destinations !== undefined && {
      knowsDestination: async (name: string) => (await destinations.get(name)) !== undefined,
      webhook: journeyWebhookSender({
        destinations,
        channels,
        profiles,
        ...(deps.pii && { pii: deps.pii }),
        now: deps.now,
        timeoutMs: config.destinations.timeoutMs,
        suppressed,
      }),
    }),
    updateTraits: traitUpdater({ log, profiles, now: deps.now }),
    ...(deps.experiments && {
      experiments: journeyExperiments({
        experiments: deps.experiments,
        profiles,
        now: deps.now,
      }),
    }),
    emailRules: {
      frequencyCap:
        config.journeys.frequencyCap === undefined
          ? undefined
          : {
              emails: config.journeys.frequencyCap.emails,
              ms: parseDuration(config.journeys.frequencyCap.per) ?? 0,
            },
      quietHours: config.journeys.quietHours,
      timeZone: config.journeys.timeZone,
    },
    now: deps.now,
    warn,
  });
  let started = false;
  const work = async (): Promise<number> => {
    if (!started && smtp === undefined)
      warn('no TAILOR_SMTP_URL: journeys run, and their email steps are recorded as skipped');
    started = true;
    const entered = await followLog({
      log,
      store,
      runner,
      until: deps.folded,
      personOf: (message) => profileIdOf(profiles, message),
      limit: FOLLOW_BATCH,
    });
    // Behind the log (a whole batch read): read on before timing anyone out, so an awaited event
    // received before a waitFor's timeout is seen first. The loop runs again at once.
    if (entered >= FOLLOW_BATCH) return entered;
    const scheduled =
      deps.members === undefined
        ? 0
        : await runSchedules({ runner, store, members: deps.members, now: deps.now });
    return entered + scheduled + (await runner.tick());
  };
  const loop = new BackgroundLoop(work, {
    pollMs: JOURNEYS_POLL_MS,
    onError: (error) => {
      warn('journeys failed; retrying', error);
    },
  });
  return {
    store,
    runner,
    work,
    loop,
    erasureOwner: journeyErasureOwner(store),
    links,
    close: async () => {
      smtp?.close();
      await channels.close();
      await store.close();
    },
  };
}

/** `journeys.db` in the data folder, 0600 like every file there (it names people). */
function openSqlite(dataDir: string): SqliteJourneyStore {
  const file = join(dataDir, 'journeys.db');
  createPrivateFile(file);
  return new SqliteJourneyStore(file);
}

/** An error as one line, without the personal data its message may quote (as `logError` does). */
function errorText(error: unknown): string {
  return scrubPersonalData(
    error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  );
}

/** The From address: TAILOR_EMAIL_FROM, else a placeholder on the local host. */
function emailFrom(config: Readonly<Config>): string {
  return config.emailFrom ?? 'tailor@localhost';
}

/** `news@example.com` from `News <news@example.com>` (or the text as it is). */
function addressOf(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}

/**
 * The profile an event is about: a segment entry's own (Tailor's `Segment Entered` names it), else
 * its userId's, else its anonymousId's.
 */
async function profileIdOf(
  profiles: Pick<ProfileStoreReader, 'byIdentifier'>,
  message: StoredMessage,
): Promise<string | undefined> {
  const profileId = message.properties?.['profileId'];
  if (message.tailor.source === 'segments' && typeof profileId === 'string') return profileId;
  const byUser =
    message.userId === null
      ? undefined
      : await profiles.byIdentifier({ type: 'userId', value: message.userId });
  const found =
    byUser ??
    (message.anonymousId === null
      ? undefined
      : await profiles.byIdentifier({ type: 'anonymousId', value: message.anonymousId }));
  return found?.id;
}

/**
 * Whether a profile is named by a suppressed identifier (its erasure asked for, not carried out
 * yet). Costs nothing while no one is suppressed; else reads the profile's identifiers.
 */
function suppressedPerson(
  profiles: Pick<ProfileStoreReader, 'identifiers'>,
  suppressions: Pick<Suppressions, 'has' | 'size'> | undefined,
): (profileId: string) => Promise<boolean> {
  return async (profileId) => {
    if (suppressions === undefined || suppressions.size === 0) return false;
    return (await profiles.identifiers(profileId)).some((i) => suppressions.has(i));
  };
}

/**
 * A person's traits, computed traits and consent, by their profile id (places written before
 * people were kept by profile id hold the identifier they entered with: read by it); none for a
 * person whose erasure is asked for (suppressed), as for one erased.
 */
async function readProfile(
  profiles: Pick<ProfileStoreReader, 'byId' | 'byIdentifier'>,
  person: string,
  suppressed: (profileId: string) => Promise<boolean>,
): Promise<ProfileView | undefined> {
  const stored =
    (await profiles.byId(person)) ??
    (await profiles.byIdentifier({ type: 'userId', value: person })) ??
    (await profiles.byIdentifier({ type: 'anonymousId', value: person }));
  if (stored === undefined || (await suppressed(stored.id))) return undefined;
  return {
    traits: traitValues(stored.traits),
    computed: stored.computed,
    scores: stored.scores,
    consent: consentValues(stored.consent),
  };
}
