import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

/** What the stream of one installation looks like (see openJetStreamEventLog's options). */
export interface EventStreamOptions {
  prefix: string;
  partitions: number;
  replicas: number;
  duplicateWindowMs: number;
  maxBytes?: number;
  maxAgeMs?: number;
  maxMsgs?: number;
}

/** Stream names may not hold '.', '*', '>' or spaces; subjects are built from the same prefix. */
const PREFIX = /^[A-Za-z0-9_-]{1,64}$/;

export const streamName = (prefix: string): string => `${prefix}_events`;
export const partitionSubject = (prefix: string, partition: number): string =>
  `${prefix}.events.${String(partition)}`;

/**
 * The partition count lives in the stream's description (stream metadata needs NATS 2.10): it is
 * fixed at creation, since a person's partition is their hash modulo the count.
 */
const describe = (partitions: number): string =>
  `Tailor event log: ${String(partitions)} partitions (fixed at creation)`;
const PARTITIONS_IN_DESCRIPTION = /: (\d+) partitions/;

/**
 * Creates the stream, or checks the one there: refuses one made with another partition count (its
 * people would land in other partitions), and brings its limits, dedup window and replicas to the
 * options (a change of those is safe on a live stream).
 */
export async function ensureEventStream(
  jsm: JetStreamManager,
  options: EventStreamOptions,
): Promise<StreamInfo> {
  if (!PREFIX.test(options.prefix)) {
    throw new Error(
      `NATS prefix "${options.prefix}": letters, digits, _ and - only (it names streams and subjects)`,
    );
  }
  if (!Number.isInteger(options.partitions) || options.partitions < 1) {
    throw new Error(`partitions: a whole number of at least 1, not ${String(options.partitions)}`);
  }
  const name = streamName(options.prefix);
  const wanted = {
    max_bytes: options.maxBytes ?? -1,
    max_age: options.maxAgeMs === undefined ? 0 : nanos(options.maxAgeMs),
    max_msgs: options.maxMsgs ?? -1,
    duplicate_window: nanos(options.duplicateWindowMs),
    num_replicas: options.replicas,
  };
  const existing = await streamInfo(jsm, name);
  if (existing === null) {
    const config: Partial<StreamConfig> & { name: string } = {
      name,
      description: describe(options.partitions),
      subjects: [`${options.prefix}.events.*`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      // A full stream refuses new messages (the client gets 503 and retries) instead of dropping old ones.
      discard: DiscardPolicy.New,
      allow_direct: true,
      deny_delete: false,
      deny_purge: false,
      ...wanted,
    };
    return jsm.streams.add(config);
  }
  const partitions = Number(PARTITIONS_IN_DESCRIPTION.exec(existing.config.description ?? '')?.[1]);
  if (partitions !== options.partitions) {
    throw new Error(
      `the NATS stream ${name} was created with ${Number.isNaN(partitions) ? 'an unknown number of' : String(partitions)} partitions, not ${String(options.partitions)}: the count is fixed at creation (use its count, or another prefix)`,
    );
  }
  const current = existing.config;
  const changed = (Object.keys(wanted) as (keyof typeof wanted)[]).some(
    (key) => current[key] !== wanted[key],
  );
  if (!changed && current.discard === DiscardPolicy.New) return existing;
  return jsm.streams.update(name, { ...current, ...wanted, discard: DiscardPolicy.New });
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
      return null;
    throw error;
  }
}
