/** A destination as `GET /v1/destinations` answers it (its secret or password never shown). */
export interface DestinationView {
  name: string;
  type: string;
  url: string;
  schema?: string;
  events: string[];
  batchSize: number;
  purpose: string;
  pii: string;
  createdAt: string;
  updatedAt: string;
  deliveries: { pending: number; delivered: number; failed: number };
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One delivery of one message to a destination, as `GET /v1/destinations/NAME/deliveries` lists it. */
export interface DeliveryView {
  id: number;
  messageId: string;
  event: string | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** Where a destination sends, without anything a URL may carry beyond its origin and path. */
export function whereText(destination: Pick<DestinationView, 'url' | 'schema'>): string {
  try {
    const url = new URL(destination.url);
    const place = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
    return destination.schema === undefined ? place : `${place} (schema ${destination.schema})`;
  } catch {
    return destination.url;
  }
}

/** How a destination is doing, in a few words: the failures first, then what waits. */
export function healthText({ deliveries }: Pick<DestinationView, 'deliveries'>): string {
  const parts = [
    deliveries.failed > 0 && `${deliveries.failed.toLocaleString('en')} failed`,
    deliveries.pending > 0 && `${deliveries.pending.toLocaleString('en')} waiting`,
    `${deliveries.delivered.toLocaleString('en')} delivered`,
  ];
  return parts.filter((part): part is string => typeof part === 'string').join(', ');
}
