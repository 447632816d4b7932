import { hostname } from 'node:os';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { BlindedIdentifier } from '../decide/person-cache.js';
import { natsConnectionOptions } from './nats-connection-options.js';

/** What one node tells the others it changed, so their in-memory copies follow. */
export type ClusterChange =
  /** Keys, definitions, placements, tracking plans, experiments or suppressions: read them again. */
  | { kind: 'settings'; node: string }
  /** Events were appended to the log: the pipelines holding their partitions fold them now, not at their next poll. */
  | { kind: 'appended'; node: string }
  /** Profiles a pipeline changed: decide's cache drops them. Identifiers by blind index, never in clear. */
  | { kind: 'profiles'; node: string; profiles: string[]; identifiers: BlindedIdentifier[] };

/** One name per process (its threads share it): a node skips what it announced itself. */
export const PROCESS_NODE = `${hostname()}-${String(process.pid)}`;

/**
 * Change notifications between the nodes of an installation, on a plain NATS subject
 * (`<prefix>.changes`): each node keeps keys, definitions and a cache of people in memory, and
 * reads again what another node says it changed. At most once: a node that misses one (its NATS
 * connection was down) reloads everything when it reconnects.
 */
export class ClusterChanges {
  private subscription: Subscription | undefined;
  private appendedPosted = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
  ) {}

  static async open(servers: string, prefix: string): Promise<ClusterChanges> {
    const nc = await connect({
      ...natsConnectionOptions(servers),
      name: `tailor ${PROCESS_NODE} changes`,
    });
    return new ClusterChanges(nc, `${prefix}.changes`);
  }

  announce(
    change:
      | { kind: 'settings' }
      | { kind: 'appended' }
      | { kind: 'profiles'; profiles: string[]; identifiers: BlindedIdentifier[] },
  ): void {
    this.nc.publish(this.subject, JSON.stringify({ ...change, node: PROCESS_NODE }));
  }

  /** Announces appended events, at most once a turn of the event loop however many commits it made. */
  appended(): void {
    if (this.appendedPosted) return;
    this.appendedPosted = true;
    setImmediate(() => {
      this.appendedPosted = false;
      this.announce({ kind: 'appended' });
    });
  }

  /** Calls `onChange` for what other nodes announce, and with `settings` after a reconnection. */
  follow(onChange: (change: ClusterChange) => void): void {
    const subscription = this.nc.subscribe(this.subject);
    this.subscription = subscription;
    void (async () => {
      for await (const message of subscription) {
        const change = message.json<ClusterChange>();
        if (change.node !== PROCESS_NODE) onChange(change);
      }
    })();
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'reconnect') onChange({ kind: 'settings', node: 'reconnected' });
      }
    })();
  }

  async close(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.nc.drain();
  }
}
