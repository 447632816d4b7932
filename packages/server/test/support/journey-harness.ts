import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLiquid } from '../../src/decide/create-liquid.js';
import type { ProfileView } from '../../src/journeys/journey-definition.js';
import { JourneyRunner, type JourneyRunnerOptions } from '../../src/journeys/journey-runner.js';
import type { JourneyStore, StepCounts } from '../../src/journeys/journey-store.js';
import { PgJourneyStore } from '../../src/journeys/pg-journey-store.js';
import { smtpSender } from '../../src/journeys/smtp-sender.js';
import { SqliteJourneyStore } from '../../src/journeys/sqlite-journey-store.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { freshSchemaName, testPostgresUrl } from './postgres.js';
import { startSmtpReceiver, type SmtpReceiver } from './smtp-receiver.js';

/**
 * A journey runner over one store adapter (`journeys.db` in a folder of its own, or a PostgreSQL
 * schema of its own in the run's database), a real SMTP receiver on loopback, profiles from a map
 * and a clock the test moves. `open()` again is a restart on the same file or schema.
 */
export interface JourneyHarness {
  smtp: SmtpReceiver;
  profiles: Map<string, ProfileView>;
  clock: { now: number };
  open(
    options?: Partial<JourneyRunnerOptions>,
  ): Promise<{ runner: JourneyRunner; store: JourneyStore }>;
  close(): Promise<void>;
}

export async function journeyHarness(backend: 'sqlite' | 'postgres'): Promise<JourneyHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'journey-harness-'));
  const schema = freshSchemaName();
  const smtp = await startSmtpReceiver();
  const profiles = new Map<string, ProfileView>();
  const clock = { now: Date.UTC(2026, 0, 5, 12, 0, 0) }; // a Monday, noon UTC
  const closers: (() => unknown)[] = [];
  async function openStore(): Promise<JourneyStore> {
    if (backend === 'sqlite') {
      const store = new SqliteJourneyStore(join(dir, 'journeys.db'));
      closers.push(() => store.close());
      return store;
    }
    const db = await PgDatabase.open({ url: testPostgresUrl(), schema, maxConnections: 2 });
    closers.push(() => db.close());
    return PgJourneyStore.open(db);
  }
  return {
    smtp,
    profiles,
    clock,
    async open(options = {}) {
      const store = await openStore();
      const sender = smtpSender(smtp.url, 'Tailor <news@example.com>');
      closers.push(() => {
        sender.close();
      });
      const runner = new JourneyRunner({
        store,
        engine: createLiquid(),
        readProfile: (person) => profiles.get(person),
        send: sender.send,
        unsubscribeUrl: () => 'mailto:unsubscribe@example.com',
        now: () => clock.now,
        ...options,
      });
      return { runner, store };
    },
    async close() {
      for (const close of closers.splice(0).reverse()) await close();
      await smtp.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A step's counts: those given, zero for the others. */
export function stepCounts(
  some: Partial<Omit<StepCounts, 'leftBy'>>,
  leftBy: Partial<StepCounts['leftBy']> = {},
): StepCounts {
  return {
    entered: 0,
    waiting: 0,
    done: 0,
    left: 0,
    goal: 0,
    ...some,
    leftBy: { end: 0, exit: 0, erased: 0, ...leftBy },
  };
}
