// The bridge's Prometheus metrics (GET /metrics). Outcomes and timings are counted from what the
// processor already holds, so they add no Redis command per job; depths are read at scrape time,
// one getJobCounts per queue. One Registry per Bridge: several bridges in one process (tests)
// keep their own figures.

import type { Job } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobCounts } from '../src/protocol.ts';
import { OUTCOME_LABELS, outcomeLabel, type TryOutcome } from './try-outcome.ts';

/** Background jobs: from a 5 ms feature call to an hour-long backlog. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const MS_PER_SECOND = 1_000;

/** One queue as the bridge sees it at scrape time. */
export interface QueueSnapshot {
  queue: string;
  /** Absent while Redis cannot answer: the depth is then left out rather than reported as 0. */
  counts?: JobCounts;
  /** The registration's concurrency: the global limit the queue's coordinator enforces. */
  limit: number;
  /** The edge's own in-flight figure, once the bridge has a read of it. */
  edgeInFlight?: number;
}

const secondsBetween = (fromMs: number, toMs: number): number => Math.max(0, toMs - fromMs) / MS_PER_SECOND;

/** A delayed job is waiting from when it became due; the producer's delay is kept in opts across retries. */
const dueAt = (job: Job): number => job.timestamp + (job.opts.delay ?? 0);

export class BridgeMetrics {
  readonly #registry = new Registry();
  readonly #jobs: Counter<'queue' | 'outcome'>;
  readonly #throttles: Counter<'queue' | 'reason'>;
  readonly #wait: Histogram<'queue'>;
  readonly #featureCall: Histogram<'queue'>;
  readonly #latency: Histogram<'queue'>;
  readonly #depth: Gauge<'queue' | 'state'>;
  readonly #limit: Gauge<'queue'>;
  readonly #edgeInFlight: Gauge<'queue'>;
  readonly #alertDeliveries: Counter<'type' | 'result'>;
  /** Queues whose counters and histograms exist from 0, so rate() and increase() see their first job. */
  readonly #known = new Set<string>();

  constructor(bridgeId: string) {
    const registers = [this.#registry];
    collectDefaultMetrics({ register: this.#registry });
    new Gauge({ name: 'queue_worker_bridge_info', help: 'Always 1; labels name this bridge', labelNames: ['bridge_id'], registers }).set({ bridge_id: bridgeId }, 1);
    this.#jobs = new Counter({
      name: 'queue_worker_jobs_total',
      help: 'Tries of jobs by outcome: a retried or throttled job counts once per try; failed_final means it went to the failed set',
      labelNames: ['queue', 'outcome'],
      registers,
    });
    this.#throttles = new Counter({ name: 'queue_worker_throttles_total', help: 'Throttled tries by the edge\'s reason', labelNames: ['queue', 'reason'], registers });
    this.#wait = new Histogram({
      name: 'queue_worker_job_wait_seconds',
      help: 'Enqueue (or due time, if delayed) to the start of the first try the feature answered; once per job',
      labelNames: ['queue'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.#featureCall = new Histogram({ name: 'queue_worker_feature_call_seconds', help: 'The feature call as the edge timed it', labelNames: ['queue'], buckets: SECONDS_BUCKETS, registers });
    this.#latency = new Histogram({
      name: 'queue_worker_job_latency_seconds',
      help: 'Enqueue (or due time, if delayed) to completed or failed for good',
      labelNames: ['queue'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.#depth = new Gauge({ name: 'queue_worker_queue_jobs', help: 'Jobs in Redis by state (completed and failed as far as retention keeps them)', labelNames: ['queue', 'state'], registers });
    this.#limit = new Gauge({ name: 'queue_worker_queue_concurrency_limit', help: 'The registration\'s global concurrency', labelNames: ['queue'], registers });
    this.#edgeInFlight = new Gauge({ name: 'queue_worker_edge_in_flight', help: 'Feature calls the edge holds slots for', labelNames: ['queue'], registers });
    this.#alertDeliveries = new Counter({
      name: 'queue_worker_alert_deliveries_total',
      help: 'Alert webhook delivery tries by event type and result (delivered, retrying, gave_up)',
      labelNames: ['type', 'result'],
      registers,
    });
  }

  /** One alert delivery try. */
  recordAlertDelivery(type: string, result: string): void {
    this.#alertDeliveries.inc({ type, result });
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  /** One try's outcome, with the timings the job and the edge's answer already carry. */
  record(job: Job, tried: TryOutcome, now = Date.now()): void {
    const queue = job.queueName;
    this.#initialise(queue);
    const outcome = outcomeLabel(job, tried);
    this.#jobs.inc({ queue, outcome });
    if (tried.outcome === 'throttled') this.#throttles.inc({ queue, reason: tried.reason ?? 'unknown' });
    if (tried.outcome === 'completed' || tried.outcome === 'failed') {
      this.#featureCall.observe({ queue }, tried.durationMs / MS_PER_SECOND);
      // Throttled tries before this one left the job waiting; retries are not waiting for a start.
      if (job.attemptsMade === 0) this.#wait.observe({ queue }, secondsBetween(dueAt(job), job.processedOn ?? now));
    }
    if (outcome === 'completed' || outcome === 'failed_final' || outcome === 'cancelled') this.#latency.observe({ queue }, secondsBetween(dueAt(job), now));
  }

  /** The Prometheus text exposition, with the queue gauges read from `queues` first. */
  async text(queues: QueueSnapshot[]): Promise<string> {
    // Reset so a removed queue's gauges disappear instead of freezing at their last value.
    this.#depth.reset();
    this.#limit.reset();
    this.#edgeInFlight.reset();
    for (const { queue, counts, limit, edgeInFlight } of queues) {
      this.#initialise(queue);
      for (const [state, value] of Object.entries(counts ?? {})) this.#depth.set({ queue, state }, value);
      this.#limit.set({ queue }, limit);
      if (edgeInFlight !== undefined) this.#edgeInFlight.set({ queue }, edgeInFlight);
    }
    return this.#registry.metrics();
  }

  #initialise(queue: string): void {
    if (this.#known.has(queue)) return;
    this.#known.add(queue);
    for (const outcome of OUTCOME_LABELS) this.#jobs.inc({ queue, outcome }, 0);
    // zero() replaces a series, so only for a queue not seen before.
    for (const histogram of [this.#wait, this.#featureCall, this.#latency]) histogram.zero({ queue });
  }
}
