// Alerts go through a BullMQ queue of the bridge's own, in the same Redis: sending one is a single
// add (never awaited by a job's processor), deliveries survive a bridge restart, any bridge may
// deliver them, failed tries are retried with backoff a bounded number of times, and the job id
// (from the alert's episode key) makes a second report of the same episode, from this bridge or
// another, a no-op. Every try is recorded (GET /ops/alerts) and counted (metrics).

import { createHash } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import type { RedisClient } from '../redis.ts';
import { Webhook } from 'standardwebhooks';
import type { AlertEvent } from '../../src/protocol.ts';
import type { Logger } from '../logger.ts';
import type { BridgeMetrics } from '../metrics.ts';
import { isConnectionError } from '../redis.ts';
import { deliverAlert, type PendingAlert } from './delivery.ts';
import { receiverOrigin } from './receiver-origin.ts';

/** Not a valid registration name (those start with a letter or digit), so never a platform queue. */
export const ALERTS_QUEUE = '__queue-worker-alerts';
/** 1 s, doubling: the last of 10 tries is about 8.5 minutes after the first. */
const DELIVERY_ATTEMPTS = 10;
const DELIVERY_BACKOFF = { type: 'exponential', delay: 1_000 } as const;
const DELIVERY_CONCURRENCY = 8;
/** A delivery whose bridge died under it is taken over (at least once); bounded like its tries. */
const MAX_STALLED_DELIVERIES = 5;
/** Finished deliveries are kept (and so deduplicate their episode) for a week. */
const KEEP = { age: 7 * 24 * 60 * 60, count: 10_000 };
const RECENT_KEPT = 200;

export type DeliveryResult = 'delivered' | 'retrying' | 'gave_up';

/** One delivery try as GET /ops/alerts shows it: the receiver's origin only, never its path (it may hold a token). */
export interface AlertDeliveryRecord {
  messageId: string;
  type: string;
  queue: string;
  target: string;
  attempt: number;
  at: string;
  result: DeliveryResult;
  status?: number;
  error?: string;
  durationMs: number;
  bridgeId: string;
}

export interface AlertToSend {
  type: AlertEvent;
  queue: string;
  url: string;
  data: Record<string, unknown>;
  /** Names the episode: the same key, from any bridge, is one alert. */
  episode: string;
}

export interface AlertOutboxOptions {
  connection: RedisClient;
  prefix: string;
  secret: string | undefined;
  bridgeId: string;
  /** A crashed bridge's delivery in progress is taken over after about this long. */
  lockDurationMs: number;
  metrics: BridgeMetrics;
  logger: Logger;
}

const messageIdOf = (episode: string): string => `msg_${createHash('sha256').update(episode).digest('hex').slice(0, 32)}`;

export class AlertOutbox {
  readonly #options: AlertOutboxOptions;
  readonly #queue: Queue;
  readonly #recentKey: string;
  readonly #worker?: Worker;
  #closing?: Promise<void>;

  constructor(options: AlertOutboxOptions) {
    this.#options = options;
    const { connection, prefix, secret } = options;
    this.#queue = new Queue(ALERTS_QUEUE, { connection, prefix });
    this.#queue.on('error', (error) => this.#onError(error));
    this.#recentKey = `${prefix}:${ALERTS_QUEUE}:recent`;
    if (secret !== undefined) {
      const webhook = new Webhook(secret);
      this.#worker = new Worker(ALERTS_QUEUE, (job: Job<PendingAlert>) => this.#deliver(webhook, job), {
        connection,
        prefix,
        name: options.bridgeId,
        concurrency: DELIVERY_CONCURRENCY,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.lockDurationMs,
        maxStalledCount: MAX_STALLED_DELIVERIES,
        removeOnComplete: KEEP,
        removeOnFail: KEEP,
      });
      this.#worker.on('error', (error) => this.#onError(error));
    }
  }

  /** Whether alerts can be signed (ALERT_SIGNING_SECRET is set). */
  get enabled(): boolean {
    return this.#worker !== undefined;
  }

  /** Queues an alert; returns at once and never throws (an alert must not hold up a job). */
  send(alert: AlertToSend): void {
    if (!this.enabled || this.#closing) return;
    const messageId = messageIdOf(alert.episode);
    const body = JSON.stringify({ type: alert.type, timestamp: new Date().toISOString(), data: { queue: alert.queue, ...alert.data } });
    const pending: PendingAlert = { messageId, type: alert.type, queue: alert.queue, url: alert.url, body };
    this.#queue
      .add(alert.type, pending, { jobId: messageId, attempts: DELIVERY_ATTEMPTS, backoff: DELIVERY_BACKOFF, removeOnComplete: KEEP, removeOnFail: KEEP })
      .catch((error: unknown) => this.#options.logger.warn('could not queue an alert', { type: alert.type, queue: alert.queue, error }));
  }

  /** The latest delivery tries, newest first. */
  async recent(limit: number): Promise<AlertDeliveryRecord[]> {
    const lines = await this.#options.connection.lrange(this.#recentKey, 0, limit - 1);
    return lines.map((line) => JSON.parse(line) as AlertDeliveryRecord);
  }

  /** Alerts not yet delivered: waiting or being tried now, waiting for a retry, given up on. */
  async pending(): Promise<{ waiting: number; active: number; retrying: number; gaveUp: number }> {
    const counts = await this.#queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
    return { waiting: counts.waiting ?? 0, active: counts.active ?? 0, retrying: counts.delayed ?? 0, gaveUp: counts.failed ?? 0 };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#worker?.close();
      await this.#queue.close();
    })();
    return this.#closing;
  }

  async #deliver(webhook: Webhook, job: Job<PendingAlert>): Promise<void> {
    const alert = job.data;
    const attempt = job.attemptsMade + 1;
    const tried = await deliverAlert(webhook, alert);
    const result: DeliveryResult = tried.ok ? 'delivered' : attempt >= (job.opts.attempts ?? 1) ? 'gave_up' : 'retrying';
    const record: AlertDeliveryRecord = {
      messageId: alert.messageId,
      type: alert.type,
      queue: alert.queue,
      target: receiverOrigin(alert.url),
      attempt,
      at: new Date().toISOString(),
      result,
      ...(tried.status === undefined ? {} : { status: tried.status }),
      ...(tried.error === undefined ? {} : { error: tried.error }),
      durationMs: tried.durationMs,
      bridgeId: this.#options.bridgeId,
    };
    this.#options.metrics.recordAlertDelivery(alert.type, result);
    await this.#options.connection
      .multi()
      .lpush(this.#recentKey, JSON.stringify(record))
      .ltrim(this.#recentKey, 0, RECENT_KEPT - 1)
      .exec();
    if (tried.ok) return;
    if (result === 'gave_up') this.#options.logger.warn('alert not delivered; giving up', { type: alert.type, queue: alert.queue, target: record.target, attempt, error: tried.error });
    throw new Error(tried.error ?? 'delivery failed');
  }

  #onError(error: Error): void {
    if (!isConnectionError(error)) this.#options.logger.error('alert outbox error', { error });
  }
}
