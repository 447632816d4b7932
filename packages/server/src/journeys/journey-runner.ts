import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { TemplateEngine } from '../decide/template-engine.js';
import {
  branchHolds,
  compileJourney,
  nextPath,
  stepAt,
  type CompiledJourney,
  type ProfileView,
} from './journey-definition.js';
import type { JourneyBody } from './journey.schema.js';
import type { JourneyStore } from './journey-store.js';
import type { EmailRef } from './email-links.js';
import type { EmailEventRecorder } from './email-events.js';

/** What the runner needs of profiles: the person's traits, computed traits and consent, read at each step. */
export type ProfileReader = (
  person: string,
) => Promise<ProfileView | undefined> | ProfileView | undefined;

export interface EmailMessage {
  to: string;
  subject: string;
  html: string;
  headers: Record<string, string>;
}

export interface JourneyRunnerOptions {
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
  now?: () => number;
  /** Told of what an operator should see: a skipped or failed email, a stored journey that no longer compiles, a place that could not move on. */
  warn?: (message: string, error?: unknown) => void;
}

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

  constructor(private readonly options: JourneyRunnerOptions) {
    this.now = options.now ?? Date.now;
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
    await this.options.store.putJourney(name, body);
    this.compiled.set(name, compiled);
  }

  delete(name: string): Promise<boolean> {
    this.compiled.delete(name);
    return this.options.store.deleteJourney(name);
  }

  /** Whether an event of this name starts a journey (only those events need their person resolved). */
  startsOn(event: string): boolean {
    for (const journey of this.compiled.values()) if (journey.entryEvent === event) return true;
    return false;
  }

  /** An event received at `receivedAt` for a person: they enter every journey it starts (once per journey). */
  async onEvent(event: { name: string; person: string; receivedAt: number }): Promise<void> {
    for (const [name, journey] of this.compiled) {
      const first = journey.steps[0];
      if (journey.entryEvent !== event.name || first === undefined) continue;
      const due = event.receivedAt + (first.kind === 'wait' ? first.ms : 0);
      await this.options.store.enter(name, event.person, '0', due);
    }
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
    let moved = 0;
    for (const place of due) {
      try {
        if (await this.advance(place.journey, place.person, place.path, place.dueAt)) moved++;
      } catch (error) {
        this.warn(`journey ${place.journey}: step ${place.path} failed; tried again later`, error);
      }
    }
    return moved;
  }

  /** Moves one person on from their due place; false when their journey does not compile now. */
  private async advance(
    name: string,
    person: string,
    start: string,
    dueAt: number,
  ): Promise<boolean> {
    const journey = this.compiled.get(name);
    const store = this.options.store;
    if (journey === undefined) return false;
    let path: string | undefined = start;
    // Timers count from when the previous one fell due (the first from the entry event's reception),
    // not from when the runner got to it, so a late tick does not push later steps back.
    const at = dueAt;
    // The place's own step is due: a wait whose time is up, or a step reached at entry.
    let resumed = true;
    while (path !== undefined) {
      const step = stepAt(journey.steps, path);
      if (step === undefined) break;
      if (!resumed) await store.countEntered(name, path);
      if (step.kind === 'wait') {
        if (resumed) {
          resumed = false;
          path = nextPath(journey.steps, path);
          continue;
        }
        await store.move(name, person, path, at + step.ms);
        return true;
      }
      resumed = false;
      if (step.kind === 'email') {
        const profile = await this.options.readProfile(person);
        await this.sendEmail(name, person, step, profile);
        path = nextPath(journey.steps, path);
        continue;
      }
      const profile = (await this.options.readProfile(person)) ?? { traits: {} };
      const list = branchHolds(step.condition, profile) ? step.then : step.else;
      const branch = list === step.then ? 'then' : 'else';
      path = list.length > 0 ? `${path}.${branch}.0` : nextPath(journey.steps, path);
    }
    await store.move(name, person, undefined, undefined);
    return true;
  }

  private async sendEmail(
    name: string,
    person: string,
    step: Extract<CompiledJourney['steps'][number], { kind: 'email' }>,
    profile: ProfileView | undefined,
  ): Promise<void> {
    const to = profile?.traits['email'];
    // Consent is checked at send time, not only at entry; no address or a refusal skips the email.
    if (profile === undefined || typeof to !== 'string' || to === '' || refusedMarketing(profile))
      return;
    const { send, store } = this.options;
    if (send === undefined) {
      // No SMTP configured: the step is recorded as skipped and passed, so the journey goes on.
      if (await store.recordEmail(name, person, step.path, this.now(), 'skipped-no-smtp'))
        this.warn(
          `journey ${name}: email step ${step.path} skipped, no SMTP configured (set TAILOR_SMTP_URL and TAILOR_EMAIL_FROM)`,
        );
      return;
    }
    // At most once: the record is written before the message goes; a crash after it loses the email
    // rather than sending it twice.
    if (!(await store.recordEmail(name, person, step.path, this.now()))) return;
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
      const rendered = engine.renderBounded(step.html, scope);
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
        subject: engine.renderBounded(step.subject, scope),
        html: web ? withUnsubscribeLink(html, unsubscribe) : html,
        headers,
      });
    } catch (error) {
      // Not tried again (at most once); the record stays, marked failed.
      await store.emailFailed(name, person, step.path);
      this.warn(`journey ${name}: email step ${step.path} failed (not retried)`, error);
      return;
    }
    // The id is the email's: a tick that records it again stores nothing twice.
    await this.options
      .record?.({
        person,
        name: 'Email Sent',
        properties: { journey: name, step: step.path },
        messageId: `email-sent:${name}:${person}:${step.path}`,
      })
      .catch((error: unknown) => {
        this.warn(`journey ${name}: Email Sent for step ${step.path} not recorded`, error);
      });
  }
}

/**
 * Every `href` to an http(s) URL sent through `redirect` (the URL as the browser would read it:
 * `&amp;` is `&`); mailto:, anchors and relative links stay as they are.
 */
function trackedLinks(html: string, redirect: (url: string) => string): string {
  return html.replace(
    /(\shref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi,
    (_match, attr: string, quote: string, href: string) =>
      `${attr}${quote}${redirect(href.replaceAll('&amp;', '&'))}${quote}`,
  );
}

/** The open-tracking pixel at the end of the email. */
function withPixel(html: string, url: string): string {
  return `${html}\n<img src="${url}" width="1" height="1" alt="" style="display:none">`;
}

/** The email with a link to `url` at its end, unless its template already showed it. */
function withUnsubscribeLink(html: string, url: string): string {
  const href = url.replaceAll('&', '&amp;');
  if (html.includes(url) || html.includes(href)) return html;
  return `${html}\n<p style="font-size:12px;color:#666"><a href="${href}">Unsubscribe</a></p>`;
}

/** A pooled SMTP sender for `TAILOR_SMTP_URL` from `TAILOR_EMAIL_FROM`. */
export function smtpSender(
  url: string,
  from: string,
): { send: (message: EmailMessage) => Promise<void>; close: () => void } {
  const transport: Transporter = nodemailer.createTransport(
    `${url}${url.includes('?') ? '&' : '?'}pool=true`,
  );
  return {
    send: async (message) => {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        html: message.html,
        headers: message.headers,
      });
    },
    close: () => {
      transport.close();
    },
  };
}
