// One registration's life in this bridge: a BullMQ Worker started, reconfigured, paused (closed)
// and resumed as the registration changes, plus a Queue handle for counts and hold-offs. Changes
// apply one at a time, in order, without blocking the caller (a pause waits for in-flight jobs).

import { Queue, Worker, type Job, type KeepJobs } from 'bullmq';
import type { BridgeWorkerStatus, JobCounts, Registration, ScheduleStatus } from '../src/protocol.ts';
import type { AlertOutbox } from './alerts/outbox.ts';
import type { BridgeConfig, Retention } from './config.ts';
import type { EdgeClient } from './edge-client.ts';
import type { BridgeEmitter, WorkerStopReason } from './events.ts';
import type { Logger } from './logger.ts';
import type { BridgeMetrics } from './metrics.ts';
import { DispatchBatcher } from './dispatch-batcher.ts';
import { AttemptTrail } from './ops/attempt-trail.ts';
import { CANCEL_SIGNAL_REASON } from './ops/job-cancelled.ts';
import { createProcessor, FaultBackoff } from './processor.ts';
import { isConnectionError, type RedisClient } from './redis.ts';
import { registrationBackoff } from './retry-policy.ts';
import { jobTraceId, type BridgeTracing } from './tracing/tracing.ts';
import { reconcileSchedules, scheduleStatuses } from './schedules.ts';
import { withTimeout } from './with-timeout.ts';

// No real rate limit: a limiter must be configured for BullMQ to honour a queue's manual hold-off
// (Queue.rateLimit) when fetching, and this one's count can never be reached otherwise.
const HOLD_OFF_LIMITER = { max: Number.MAX_SAFE_INTEGER, duration: 1_000 };
// A job stalls when the bridge holding it dies or loses Redis for longer than the lock: not the
// job's fault, so it is taken over again (BullMQ's default of 1 would fail a payment on its second
// crash). Bounded only so that a job that itself crashes every bridge ends in the failed set.
const MAX_STALLED_COUNT = 20;
/** Schedules that could not be written (Redis down) are tried again after this long. */
const SCHEDULES_RETRY_MS = 5_000;
const SCHEDULES_CLOSE_TIMEOUT_MS = 2_000;

export type RunnerConfig = Pick<
  BridgeConfig,
  'queuePrefix' | 'bridgeId' | 'workerConcurrency' | 'lockDurationMs' | 'completedRetention' | 'failedRetention' | 'resultMaxBytes'
>;

export interface RunnerContext {
  /** The bridge's shared connection; each Worker adds only its own blocking duplicate. */
  connection: RedisClient;
  config: RunnerConfig;
  edge: EdgeClient;
  events: BridgeEmitter;
  metrics: BridgeMetrics;
  tracing: BridgeTracing;
  alerts: AlertOutbox;
  logger: Logger;
}

const keepJobs = ({ count, ageSeconds }: Retention): KeepJobs => ({ count, age: ageSeconds });

export class QueueRunner {
  readonly name: string;
  readonly #context: RunnerContext;
  readonly #logger: Logger;
  readonly #queue: Queue;
  readonly #shutdown = new AbortController();
  readonly #faults = new FaultBackoff();
  #registration: Registration;
  #worker?: Worker;
  #changes: Promise<void> = Promise.resolve();
  #closing?: Promise<void>;
  /** Schedule writes, in order, apart from #changes: a worker never waits for Redis to take them. */
  #scheduleChanges: Promise<void> = Promise.resolve();
  /** The schedules last written to Redis (JSON), so an unchanged list costs no Redis call. */
  #appliedSchedules?: string;
  #schedulesRetry?: NodeJS.Timeout;

  constructor(registration: Registration, context: RunnerContext) {
    this.name = registration.name;
    this.#registration = registration;
    this.#context = context;
    this.#logger = context.logger.child({ queue: this.name });
    this.#queue = new Queue(this.name, { connection: context.connection, prefix: context.config.queuePrefix });
    this.#queue.on('error', (error) => this.#onError(error));
    this.#enqueueChange();
  }

  /** Takes a newer registration into account (concurrency, paused, retry, timeout). */
  update(registration: Registration): void {
    this.#registration = registration;
    this.#enqueueChange();
  }

  /** The BullMQ handle the operations routes read and act through. */
  get queue(): Queue {
    return this.#queue;
  }

  get registration(): Registration {
    return this.#registration;
  }

  /** The bridge's shared Redis connection, for reads BullMQ has no call for (paging by score). */
  get connection(): RedisClient {
    return this.#context.connection;
  }

  /** Aborts the job's dispatch if this bridge's worker runs it; false when it does not. */
  cancelActive(jobId: string): boolean {
    return this.#worker?.cancelJob(jobId, CANCEL_SIGNAL_REASON) ?? false;
  }

  status(): BridgeWorkerStatus {
    return { queue: this.name, running: this.#worker !== undefined, concurrency: this.#concurrency() };
  }

  /** The registration's schedules with their next run. */
  schedules(): Promise<ScheduleStatus[]> {
    return scheduleStatuses(this.#queue, this.#registration.schedules ?? []);
  }

  async counts(): Promise<JobCounts> {
    const counts = await this.#queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
    };
  }

  /** Stops taking jobs, lets in-flight ones finish, releases the queue. Idempotent. */
  close(reason: WorkerStopReason): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#schedulesRetry);
      this.#changes = this.#changes.then(() => this.#stopWorker(reason));
      await this.#changes;
      // Only a deleted registration drops its schedules; a bridge shutting down leaves them to the
      // others. Bounded: with Redis away, a schedule write would otherwise hold the shutdown forever.
      const schedules = this.#scheduleChanges.then(() => (reason === 'removed' ? this.#removeSchedules() : undefined));
      await withTimeout(schedules, SCHEDULES_CLOSE_TIMEOUT_MS, 'schedule writes').catch((error: unknown) =>
        this.#logger.warn('gave up waiting for schedule writes while closing', { error }),
      );
      await this.#queue.close();
    })();
    return this.#closing;
  }

  /** Stops waiting for in-flight dispatches; their jobs go back to waiting, uncharged. */
  abortInFlight(): void {
    this.#shutdown.abort();
  }

  #concurrency(): number {
    return this.#context.config.workerConcurrency ?? this.#registration.concurrency;
  }

  #enqueueChange(): void {
    if (this.#closing) return;
    this.#changes = this.#changes.then(() => this.#apply()).catch((error: unknown) => this.#logger.error('applying the registration failed', { error }));
  }

  async #apply(): Promise<void> {
    // Paused or not: a paused queue's schedules still produce jobs, which wait for it.
    this.#scheduleChanges = this.#scheduleChanges.then(() => this.#syncSchedules());
    if (this.#registration.paused) return this.#stopWorker('paused');
    const concurrency = this.#concurrency();
    if (!this.#worker) return this.#startWorker(concurrency);
    if (this.#worker.concurrency !== concurrency) {
      this.#worker.concurrency = concurrency;
      this.#logger.info('worker reconfigured', { concurrency });
      this.#context.events.emit('worker:reconfigured', { queue: this.name, concurrency });
    }
  }

  #startWorker(concurrency: number): void {
    const { connection, config, edge, events, metrics, tracing } = this.#context;
    const processor = createProcessor({
      queueName: this.name,
      edge: new DispatchBatcher(this.name, edge),
      registration: () => this.#registration,
      holdOff: (ms) => this.#holdOff(ms),
      storedData: (jobId) => connection.hget(this.#queue.toKey(jobId), 'data'),
      cancelAtEdge: (jobId) => edge.cancelDispatch(this.name, jobId),
      trail: new AttemptTrail(connection, this.#logger),
      bridgeId: config.bridgeId,
      faults: this.#faults,
      shutdown: this.#shutdown.signal,
      resultMaxBytes: config.resultMaxBytes,
      onOutcome: (job, tried) => metrics.record(job, tried),
      tracing,
      logger: this.#logger,
    });
    const worker = new Worker(this.name, processor, {
      connection,
      prefix: config.queuePrefix,
      name: config.bridgeId,
      concurrency,
      lockDuration: config.lockDurationMs,
      stalledInterval: config.lockDurationMs,
      maxStalledCount: MAX_STALLED_COUNT,
      limiter: HOLD_OFF_LIMITER,
      removeOnComplete: keepJobs(config.completedRetention),
      removeOnFail: keepJobs(config.failedRetention),
      settings: { backoffStrategy: registrationBackoff(() => this.#registration.retry.backoff) },
      ...(tracing.telemetry ? { telemetry: tracing.telemetry } : {}),
    });
    worker.on('error', (error) => this.#onError(error));
    worker.on('failed', (job, error) => this.#onFailed(job, error));
    this.#worker = worker;
    this.#logger.info('worker started', { concurrency });
    events.emit('worker:started', { queue: this.name, concurrency });
  }

  async #stopWorker(reason: WorkerStopReason): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    await worker.close();
    this.#logger.info('worker stopped', { reason });
    this.#context.events.emit('worker:stopped', { queue: this.name, reason });
  }

  async #syncSchedules(): Promise<void> {
    const schedules = this.#registration.schedules ?? [];
    const wanted = JSON.stringify(schedules);
    if (wanted === this.#appliedSchedules) return;
    try {
      const { upserted, removed } = await reconcileSchedules(this.#queue, schedules);
      this.#appliedSchedules = wanted;
      if (upserted.length + removed.length > 0) this.#logger.info('schedules applied', { upserted, removed });
    } catch (error) {
      this.#logger.warn('could not apply the schedules; trying again', { retryInMs: SCHEDULES_RETRY_MS, error });
      clearTimeout(this.#schedulesRetry);
      this.#schedulesRetry = setTimeout(() => this.#enqueueChange(), SCHEDULES_RETRY_MS).unref();
    }
  }

  async #removeSchedules(): Promise<void> {
    try {
      await reconcileSchedules(this.#queue, []);
    } catch (error) {
      this.#logger.warn('could not remove the schedules of a deleted registration', { error });
    }
  }

  async #holdOff(ms: number): Promise<void> {
    try {
      await this.#queue.rateLimit(ms);
    } catch (error) {
      this.#logger.warn('could not hold the queue off', { holdOffMs: ms, error });
    }
  }

  #onFailed(job: Job | undefined, error: Error): void {
    if (!job) return;
    const fields = { jobId: job.id, traceId: jobTraceId(job), attemptsMade: job.attemptsMade, attempts: job.opts.attempts, error: error.message };
    // finishedOn is only set when BullMQ moved the job to the failed set (the dead-letter queue).
    if (!job.finishedOn) return this.#logger.info('job attempt failed; will retry', fields);
    this.#logger.warn('job failed for good; kept in the failed set', fields);
    this.#alertFailed(job, error);
  }

  #alertFailed(job: Job, error: Error): void {
    const alerts = this.#registration.alerts;
    if (!alerts?.on.includes('job.failed') || job.id === undefined) return;
    this.#context.alerts.send({
      type: 'job.failed',
      queue: this.name,
      url: alerts.url,
      data: {
        jobId: job.id,
        name: job.name,
        reason: error.message,
        attemptsMade: job.attemptsMade,
        attempts: job.opts.attempts ?? this.#registration.retry.attempts,
        failedAt: new Date(job.finishedOn!).toISOString(),
        // Where an operator sees (and can retry) the job on any bridge: GET /ops/queues/:name/jobs/:id.
        opsPath: `/ops/queues/${this.name}/jobs/${encodeURIComponent(job.id)}`,
      },
      // A job retried by an operator and failing again is a new episode: it finishes at another time.
      episode: `job.failed:${this.name}:${job.id}:${job.finishedOn}`,
    });
  }

  #onError(error: Error): void {
    if (isConnectionError(error)) return;
    this.#logger.error('worker error', { error });
  }
}
