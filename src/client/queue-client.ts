// The Node producer: `new QueueClient({ connection })`, then `addJob('email', data)`. One BullMQ
// Queue per queue name, all on one shared ioredis connection; every input is checked before
// anything reaches Redis. Jobs are plain BullMQ jobs: `jobId` dedups, `delay` and `priority` work.
// Every job carries a W3C trace in BullMQ's own `opts.telemetry`: the producer's `traceparent`, the
// span of BullMQ's add when `telemetry` is given, or else a new trace.

import { Queue, type Telemetry } from 'bullmq';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { isValidQueueName, queueNameError } from '../field-checker.ts';
import { serialiseJobData } from '../jobs/job-data.ts';
import { jobNameError, parseJobOptions, resolveJobOptions, withTraceparent, type AddJobOptions, type ResolvedJobOptions } from '../jobs/job-options.ts';
import { isTraceparent, startTraceparent, traceMetadata } from '../tracing/traceparent.ts';
import { QueueClientError } from './errors.ts';
import { toLookup, type RegistrationLookup, type RegistrationSource } from './registrations.ts';

export interface QueueClientOptions {
  /**
   * An ioredis client or cluster to share (left open by `close()`), or options / a redis:// URL
   * for a connection the client owns.
   */
  connection: Redis | Cluster | RedisOptions | string;
  /** When given, only these queues are accepted and their retry policy fills in attempts and backoff. */
  registrations?: RegistrationSource;
  /** BullMQ key prefix; only if the bridge runs with one other than BullMQ's default. */
  prefix?: string;
  /**
   * BullMQ telemetry (e.g. `new BullMQOtel()` from bullmq-otel): BullMQ then records an `add` span in
   * your active OpenTelemetry trace and hands that trace to the job.
   */
  telemetry?: Telemetry;
}

export interface BulkJob<Data> {
  data: Data;
  opts?: AddJobOptions;
}

interface PreparedJob {
  name: string;
  data: unknown;
  opts: ResolvedJobOptions;
  /** The producer's own traceparent, if it gave one. */
  traceparent?: string;
}

/** Duck-typed as BullMQ does, so a Cluster or another copy of ioredis counts as a client too. */
const isClient = (connection: QueueClientOptions['connection']): connection is Redis | Cluster =>
  typeof connection === 'object' && ['connect', 'disconnect', 'duplicate'].every((method) => typeof (connection as Record<string, unknown>)[method] === 'function');

/** `Queues` maps queue names to their data: `new QueueClient<{ email: EmailJob }>(…)`. */
export class QueueClient<Queues extends object = Record<string, unknown>> {
  readonly #redis: Redis | Cluster;
  readonly #ownsConnection: boolean;
  readonly #lookup?: RegistrationLookup;
  readonly #prefix?: string;
  readonly #telemetry?: Telemetry;
  readonly #queues = new Map<string, Queue>();
  #closing?: Promise<void>;

  constructor({ connection, registrations, prefix, telemetry }: QueueClientOptions) {
    this.#ownsConnection = !isClient(connection);
    this.#redis = isClient(connection) ? connection : typeof connection === 'string' ? new Redis(connection) : new Redis(connection);
    this.#lookup = registrations === undefined ? undefined : toLookup(registrations);
    this.#prefix = prefix;
    this.#telemetry = telemetry;
  }

  /** Adds one job; resolves to its id (the existing job's id when `opts.jobId` is already taken). */
  async addJob<Q extends keyof Queues & string>(queue: Q, data: Queues[Q], opts?: AddJobOptions): Promise<string> {
    const [job] = await this.#prepare(queue, [{ data, opts }]);
    const add = () => this.#queue(queue).add(job.name, job.data, job.opts);
    const telemetry = this.#telemetry;
    // BullMQ's add span takes the active context as its parent: make that the producer's trace.
    if (!telemetry || !job.traceparent) return (await add()).id as string;
    const { contextManager } = telemetry;
    return (await contextManager.with(contextManager.fromMetadata(contextManager.active(), traceMetadata(job.traceparent)), add)).id as string;
  }

  /** Adds several jobs to one queue in one round trip; none is added if any is refused. */
  async addJobs<Q extends keyof Queues & string>(queue: Q, jobs: readonly BulkJob<Queues[Q]>[]): Promise<string[]> {
    const prepared = await this.#prepare(queue, jobs);
    if (prepared.length === 0) return [];
    const added = await this.#queue(queue).addBulk(prepared);
    return added.map((job) => job.id as string);
  }

  /** Closes the queues, and the connection if the client opened it. Safe to call more than once. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
      if (this.#ownsConnection) await this.#redis.quit().catch(() => this.#redis.disconnect());
    })();
    return this.#closing;
  }

  async #prepare(queue: string, jobs: readonly BulkJob<unknown>[]): Promise<PreparedJob[]> {
    if (this.#closing) throw new QueueClientError('closed', 'the QueueClient is closed');
    if (!isValidQueueName(queue)) {
      const { message } = queueNameError();
      throw new QueueClientError('invalid_queue_name', `queue name '${queue}' ${message}`, { details: [queueNameError('queue')] });
    }
    const registration = this.#lookup ? await this.#lookup(queue) : undefined;
    if (this.#lookup && !registration) throw new QueueClientError('unknown_queue', `queue '${queue}' is not registered`);
    return jobs.map(({ data, opts }, index) => {
      const where = jobs.length > 1 ? `job ${index}: ` : '';
      const { name, traceparent, ...options } = opts ?? {};
      const nameError = jobNameError(name, 'opts.name');
      const traceError = traceparent === undefined || isTraceparent(traceparent) ? [] : [{ field: 'opts.traceparent', message: 'must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)' }];
      const parsed = parseJobOptions(options);
      const errors = [...(nameError ? [nameError] : []), ...traceError, ...(parsed.ok ? [] : parsed.errors)];
      if (!parsed.ok || errors.length > 0) {
        throw new QueueClientError('invalid_options', `${where}${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, { details: errors });
      }
      const serialised = serialiseJobData(data);
      if (!serialised.ok) {
        const code = serialised.reason === 'too_large' ? 'data_too_large' : 'unserialisable_data';
        throw new QueueClientError(code, `${where}data ${serialised.message}`, { details: [{ field: 'data', message: serialised.message }] });
      }
      const resolved = resolveJobOptions(parsed.value, registration?.retry);
      // With telemetry and no traceparent, BullMQ's add span starts or continues the trace itself.
      const trace = traceparent ?? (this.#telemetry ? undefined : startTraceparent());
      return { name: name ?? queue, data, opts: trace ? withTraceparent(resolved, trace) : resolved, ...(traceparent ? { traceparent } : {}) };
    });
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.#redis, prefix: this.#prefix, ...(this.#telemetry ? { telemetry: this.#telemetry } : {}) });
      // Connection trouble surfaces as the rejected add; without a listener BullMQ's 'error' would throw.
      queue.on('error', () => {});
      this.#queues.set(name, queue);
    }
    return queue;
  }
}
