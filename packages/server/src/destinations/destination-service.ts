import { TailorError } from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import { parseAllowlist, urlRefusal, type InternalAllowlist } from './address-policy.js';
import type { DestinationBody, DestinationView } from './destination.schema.js';
import type { Delivery, Destination, DestinationStore } from './destination-store.js';

export interface DestinationServiceDeps {
  destinations: DestinationStore;
  log: EventLog;
  /** `destinations.allowInternal`: internal addresses the operator lets webhooks reach. */
  allowInternal: readonly string[];
  now: () => number;
  /** Tells the background that a destination has events to take. */
  wake: () => void;
}

/**
 * Webhook destinations: defining them (the address policy checked), reading them with their
 * delivery counts, their recent deliveries, and deleting them. Unknown names are a 404.
 */
export class DestinationService {
  private readonly allowlist: InternalAllowlist;

  constructor(private readonly deps: DestinationServiceDeps) {
    this.allowlist = parseAllowlist(deps.allowInternal);
  }

  /** Creates or replaces a destination; a new one receives the events appended from now on. */
  async put(name: string, spec: DestinationBody): Promise<DestinationView> {
    const refusal = urlRefusal(spec.url, this.allowlist);
    if (refusal !== undefined) throw new TailorError('invalid_request', refusal);
    const previous = await this.deps.destinations.get(name);
    const at = new Date(this.deps.now()).toISOString();
    const destination: Destination = {
      name,
      ...spec,
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
    };
    const { lastPosition } = await this.deps.log.stats();
    await this.deps.destinations.put(destination, lastPosition);
    this.deps.wake();
    return this.summary(destination);
  }

  async list(): Promise<DestinationView[]> {
    const all = await this.deps.destinations.list();
    return Promise.all(all.map((d) => this.summary(d)));
  }

  async get(name: string): Promise<DestinationView> {
    return this.summary(await this.find(name));
  }

  /** Recent deliveries of a destination, newest first. */
  async deliveries(
    name: string,
    query: { status?: Delivery['status'] | undefined; limit: number },
  ): Promise<Delivery[]> {
    await this.find(name);
    return this.deps.destinations.deliveries(name, query);
  }

  /** Deletes a destination and its queued deliveries. */
  async delete(name: string): Promise<void> {
    if (!(await this.deps.destinations.delete(name))) throw notFound(name);
  }

  private async find(name: string): Promise<Destination> {
    const d = await this.deps.destinations.get(name);
    if (d === undefined) throw notFound(name);
    return d;
  }

  private async summary(d: Destination): Promise<DestinationView> {
    return {
      name: d.name,
      type: d.type,
      url: d.url,
      events: d.events,
      batchSize: d.batchSize ?? 1,
      purpose: d.purpose ?? 'marketing',
      pii: d.pii ?? 'mask',
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      deliveries: await this.deps.destinations.counts(d.name),
    };
  }
}

function notFound(name: string): TailorError {
  return new TailorError('not_found', `no destination ${name}`);
}
