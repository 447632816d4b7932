import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventLog } from '../log/event-log.js';

/** Tailor's Prometheus metrics, one registry per app (no global state, tests stay independent). */
export interface Metrics {
  registry: Registry;
  eventsReceived: Counter;
  eventsStored: Counter;
  eventsDuplicate: Counter;
  eventsRejected: Counter<'reason'>;
  requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  pipelineEvents: Counter;
  pipelineLag: Histogram;
}

export function createMetrics(
  log: EventLog,
  profiles?: { behind(): Promise<number> },
  recommendations?: { aheadBacklog(): number },
): Metrics {
  const registry = new Registry();
  if (recommendations) {
    new Gauge({
      name: 'tailor_recommendation_lists_ahead',
      help: "People whose recommendation lists are still to be made ahead on the search thread (every model's)",
      registers: [registry],
      collect() {
        this.set(recommendations.aheadBacklog());
      },
    });
  }
  if (profiles) {
    new Gauge({
      name: 'tailor_pipeline_behind_events',
      help: 'Events in the log not yet folded into identities and profiles',
      registers: [registry],
      async collect() {
        this.set(await profiles.behind());
      },
    });
  }
  new Gauge({
    name: 'tailor_log_events',
    help: 'Events in the event log',
    registers: [registry],
    async collect() {
      this.set((await log.stats()).events);
    },
  });
  new Gauge({
    name: 'tailor_log_size_bytes',
    help: 'Size of the event log on disk (database and write-ahead log)',
    registers: [registry],
    async collect() {
      this.set((await log.stats()).bytes);
    },
  });
  return {
    registry,
    eventsReceived: new Counter({
      name: 'tailor_events_received_total',
      help: 'Messages received by the collection API and imports',
      registers: [registry],
    }),
    eventsStored: new Counter({
      name: 'tailor_events_stored_total',
      help: 'Messages newly written to the event log',
      registers: [registry],
    }),
    eventsDuplicate: new Counter({
      name: 'tailor_events_duplicate_total',
      help: 'Messages acknowledged but not stored again: their messageId was already in the log',
      registers: [registry],
    }),
    eventsRejected: new Counter({
      name: 'tailor_events_rejected_total',
      help: 'Messages refused, by reason: invalid, blocked (tracking plan), too_large',
      labelNames: ['reason'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'tailor_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    pipelineEvents: new Counter({
      name: 'tailor_pipeline_events_total',
      help: 'Events folded into identities and profiles',
      registers: [registry],
    }),
    pipelineLag: new Histogram({
      name: 'tailor_pipeline_lag_seconds',
      help: 'Time from receiving an event to its profile reflecting it (per folded batch, its newest event)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}
