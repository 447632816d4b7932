import { TailorError } from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import { parseAllowlist, urlRefusal, type InternalAllowlist } from './address-policy.js';
import type { DestinationBody, DestinationView } from './destination.schema.js';
import type { Delivery, Destination, DestinationStore } from './destination-store.js';
import {
  warehouseSchema,
  warehouseUrlRefusal,
  withoutPassword,
} from './warehouse/warehouse-channel.js';

export interface DestinationServiceDeps {
  destinations: DestinationStore;
  log: EventLog;
  /** `destinations.allowInternal`: internal addresses the operator lets webhooks reach. */
  allowInternal: readonly string[];
  now: () => number;
  /** Tells the dispatcher (on whichever thread or node it runs) that the destinations changed. */
  changed: () => void;
}

/**
 * Destinations (webhooks and warehouses): defining them (the address policy checked), reading them with their
 * delivery counts, their recent deliveries, and deleting them. Unknown names are a 404.
 */
export class DestinationService {
  private readonly allowlist: InternalAllowlist;

  constructor(private readonly deps: DestinationServiceDeps) {
    this.allowlist = parseAllowlist(deps.allowInternal);
  }

  /** Creates or replaces a destination; a new one receives the events appended from now on. */
  async put(name: string, spec: DestinationBody): Promise<DestinationView> {
    const previous = await this.deps.destinations.get(name);
    const at = new Date(this.deps.now()).toISOString();
    const destination: Destination = {
      name,
      ...this.configured(spec),
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
    };
    // A new destination starts from now, or from the log's first event (a warehouse's history).
    const from = spec.history === true ? 0 : (await this.deps.log.stats()).lastPosition;
    await this.deps.destinations.put(destination, from);
    this.deps.changed();
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
    this.deps.changed();
  }

  /** A definition checked for its type, with that type's defaults. */
  private configured(spec: DestinationBody): Omit<Destination, 'name' | 'createdAt' | 'updatedAt'> {
    const refuse = (why: string) => new TailorError('invalid_request', why);
    const { url, events, secret, schema, history, ...rest } = spec;
    if (spec.type === 'warehouse') {
      const refusal = warehouseUrlRefusal(url, this.allowlist);
      if (refusal !== undefined) throw refuse(refusal);
      if (secret !== undefined)
        throw refuse('a warehouse has no secret: its password is in its url');
      return {
        ...rest,
        url: withoutPassword(url),
        secret: url,
        events: events ?? ['*'],
        ...(schema !== undefined && { schema }),
        purpose: spec.purpose ?? 'analytics',
        batchSize: spec.batchSize ?? 500,
      };
    }
    const refusal = urlRefusal(url, this.allowlist);
    if (refusal !== undefined) throw refuse(refusal);
    if (secret === undefined)
      throw refuse('a webhook needs a secret (8 characters or more) to sign its requests');
    if (events === undefined)
      throw refuse('a webhook needs events: the event names to deliver, or ["*"]');
    if (schema !== undefined) throw refuse('schema is for warehouses; a webhook has none');
    if (history !== undefined)
      throw refuse('history is for warehouses: a webhook receives the events appended from now on');
    return { ...rest, url, secret, events };
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
      ...(d.type === 'warehouse' && { schema: warehouseSchema(d) }),
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
