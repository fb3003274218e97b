// The bridge: one shared Redis connection, a worker per registration kept in step with the edge,
// heartbeats, and the HTTP surface. start() and close() are idempotent; close() drains in-flight
// jobs for up to the configured grace period.

import { EventEmitter } from 'node:events';
import { AlertOutbox } from './alerts/outbox.ts';
import { AlertWatch } from './alerts/watch.ts';
import { describeRedis, type BridgeConfig } from './config.ts';
import { EdgeClient, EdgeRequestError, type EdgeCallResult } from './edge-client.ts';
import type { BridgeEvents } from './events.ts';
import { buildHealthReport, EdgeHealth, type HealthReport } from './health.ts';
import { createHttpApp, type MetricsExposition, type StatusReport } from './http-app.ts';
import { listen, type HttpServer } from './http-server.ts';
import { createLogger, type Logger } from './logger.ts';
import { BridgeMetrics } from './metrics.ts';
import { CancelBus } from './ops/cancel-bus.ts';
import { fetchEdgeFigures } from './ops/edge-figures.ts';
import { createOpsRoutes } from './ops/routes.ts';
import { createConsoleRoutes } from './console/routes.ts';
import { Periodic } from './periodic.ts';
import { createRedisConnection, probeRedis, type RedisClient } from './redis.ts';
import { RegistrationSync } from './registration-sync.ts';
import { withTimeout } from './with-timeout.ts';
import { WorkerPool } from './worker-pool.ts';
import { loadTracing, type BridgeTracing } from './tracing/tracing.ts';

const COUNTS_TIMEOUT_MS = 2_000;
const REDIS_QUIT_TIMEOUT_MS = 2_000;

export interface BridgeOptions {
  logger?: Logger;
}

interface Runtime {
  redis: RedisClient;
  edge: EdgeClient;
  pool: WorkerPool;
  alerts: AlertOutbox;
  watch: AlertWatch;
  cancels: CancelBus;
  tracing: BridgeTracing;
  loops: Periodic[];
  server: HttpServer;
}

export class Bridge extends EventEmitter<BridgeEvents> {
  readonly config: BridgeConfig;
  readonly #logger: Logger;
  readonly #startedAt = new Date();
  readonly #edgeHealth = new EdgeHealth();
  readonly #metrics: BridgeMetrics;
  #runtime?: Runtime;
  #redisUp?: boolean;
  #starting?: Promise<void>;
  #closing?: Promise<void>;

  constructor(config: BridgeConfig, { logger = createLogger({ level: config.logLevel, format: 'json' }) }: BridgeOptions = {}) {
    super();
    this.config = config;
    this.#logger = logger;
    this.#metrics = new BridgeMetrics(config.bridgeId);
  }

  /** Where the HTTP server listens (after start). */
  get url(): string {
    if (!this.#runtime) throw new Error('Bridge is not started');
    return `http://127.0.0.1:${this.#runtime.server.port}`;
  }

  /** Connects, serves HTTP, runs the first registration sync. Redis or the edge being down does not fail it. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async health(): Promise<HealthReport> {
    const redis = this.#runtime ? await probeRedis(this.#runtime.redis) : { up: false, error: 'not started' };
    return buildHealthReport(this.config.bridgeId, this.#startedAt, redis, this.#edgeHealth.report());
  }

  async status(): Promise<StatusReport> {
    const runtime = this.#runtime;
    if (!runtime) return { workers: [] };
    // Counts come from Redis; while it is down the statuses are still worth answering with.
    const withCounts = runtime.redis.status === 'ready';
    const workers = await Promise.all(
      runtime.pool.runners().map(async (runner) => {
        const status = runner.status();
        if (!withCounts) return status;
        try {
          const [counts, schedules] = await withTimeout(Promise.all([runner.counts(), runner.schedules()]), COUNTS_TIMEOUT_MS, 'job counts');
          return { ...status, counts, ...(schedules.length > 0 ? { schedules } : {}) };
        } catch {
          return status;
        }
      }),
    );
    return { workers };
  }

  async metrics(): Promise<MetricsExposition> {
    // Read in the same tick as status() reads the runners, so both list the same queues.
    const limits = new Map(this.#runtime?.pool.runners().map((runner) => [runner.name, runner.registration.concurrency]));
    const { workers } = await this.status();
    const queues = workers.map(({ queue, counts }) => ({ queue, counts, limit: limits.get(queue) ?? 0 }));
    return { contentType: this.#metrics.contentType, text: await this.#metrics.text(queues) };
  }

  async #start(): Promise<void> {
    const { config } = this;
    const redis = createRedisConnection(config.redis, `queue-worker-bridge:${config.bridgeId}`, config.queuePrefix);
    this.#watchRedis(redis);
    const edge = new EdgeClient({
      edgeUrl: config.edgeUrl,
      secret: config.bridgeSecret,
      bridgeId: config.bridgeId,
      onResult: (result) => this.#onEdgeResult(result),
    });
    const tracing = await loadTracing(config.otel, config.bridgeId);
        const alerts = new AlertOutbox({
      connection: redis,
      prefix: config.queuePrefix,
      secret: config.alertSigningSecret,
      bridgeId: config.bridgeId,
      lockDurationMs: config.lockDurationMs,
      metrics: this.#metrics,
      logger: this.#logger,
    });
    const pool = new WorkerPool({ connection: redis, config, edge, events: this, metrics: this.#metrics, tracing, alerts, logger: this.#logger });
    const watch = new AlertWatch({
      connection: redis,
      prefix: config.queuePrefix,
      bridgeId: config.bridgeId,
      staleAfterMs: config.bridgeStaleAfterMs,
      outbox: alerts,
      queues: () => pool.runners(),
      logger: this.#logger,
    });
    const watchLoop = new Periodic(() => watch.tick(), config.heartbeatIntervalMs, (error) => this.#onLoopError('alert watch', error));
    const sync = new RegistrationSync({ edge, pool, defaults: config.registrationDefaults, logger: this.#logger });
    const syncLoop = new Periodic(() => sync.syncOnce(), config.syncIntervalMs, (error) => this.#onLoopError('registration sync', error));
    const heartbeatLoop = new Periodic(() => this.#heartbeat(edge), config.heartbeatIntervalMs, (error) => this.#onLoopError('heartbeat', error));
    const cancels = new CancelBus(
      redis,
      createRedisConnection(config.redis, `queue-worker-bridge:${config.bridgeId}:cancels`, config.queuePrefix),
      config.queuePrefix,
      ({ queue, jobId }) => pool.runner(queue)?.cancelActive(jobId),
      this.#logger,
    );
    const ops = createOpsRoutes({
      tokens: config.opsTokens,
      runners: () => pool.runners(),
      runner: (name) => pool.runner(name),
      edgeFigures: () => fetchEdgeFigures(edge),
      cancels,
      alerts,
    });
    const operatorConsole = createConsoleRoutes({
      tokens: config.opsTokens,
      runners: () => pool.runners(),
      edgeFigures: () => fetchEdgeFigures(edge),
      setPaused: (queueName, paused) => edge.setPaused(queueName, paused),
    });
    const server = await listen(createHttpApp(this, this.#logger, config.opsTokens, ops, operatorConsole), config.port, config.host).catch((error: unknown) => {
      cancels.close();
      void alerts.close();
      redis.disconnect();
      edge.close();
      void tracing.close();
      throw new Error(`could not listen on ${config.host}:${config.port}`, { cause: error });
    });
    this.#runtime = { redis, edge, pool, alerts, watch, cancels, tracing, loops: [syncLoop, heartbeatLoop, watchLoop], server };
    this.#logger.info('bridge listening', {
      url: `http://${config.host}:${server.port}`,
      bridgeId: config.bridgeId,
      redis: describeRedis(config.redis),
      edge: config.edgeUrl,
    });
    await syncLoop.start();
    void heartbeatLoop.start();
    void watchLoop.start();
  }

  async #close(): Promise<void> {
    await this.#starting?.catch(() => {});
    const runtime = this.#runtime;
    if (!runtime) return;
    await Promise.all(runtime.loops.map((loop) => loop.stop()));
    await runtime.pool.close(this.config.shutdownGraceMs);
    await withTimeout(runtime.watch.leave(), REDIS_QUIT_TIMEOUT_MS, 'leaving the heartbeat set').catch((error: unknown) =>
      this.#logger.warn('could not leave the bridge heartbeat set; other bridges will report this one stale', { error }),
    );
    await runtime.alerts.close();
    runtime.cancels.close();
    runtime.edge.close();
    // After the workers: their last spans are sent before the exporter stops.
    await runtime.tracing.close().catch((error: unknown) => this.#logger.warn('could not send the last spans', { error }));
    await withTimeout(runtime.redis.quit(), REDIS_QUIT_TIMEOUT_MS, 'Redis QUIT').catch(() => runtime.redis.disconnect());
    await runtime.server.close();
    this.#logger.info('bridge stopped');
  }

  async #heartbeat(edge: EdgeClient): Promise<void> {
    const { workers } = await this.status();
    // Schedules stay out: the edge does not read them, and they would eat into its 64 KiB body limit.
    const reported = workers.map(({ schedules: _schedules, ...worker }) => worker);
    await edge.heartbeat({ bridgeId: this.config.bridgeId, startedAt: this.#startedAt.toISOString(), workers: reported });
  }

  #watchRedis(redis: RedisClient): void {
    let lastError: string | undefined;
    redis.on('ready', () => this.#setRedisUp(true));
    redis.on('error', (error: Error) => {
      lastError = error.message;
      if (this.#redisUp !== false) this.#setRedisUp(false, lastError);
    });
    redis.on('close', () => {
      if (this.#redisUp && !this.#closing) this.#setRedisUp(false, lastError ?? 'connection closed');
    });
  }

  #setRedisUp(up: boolean, error?: string): void {
    if (this.#redisUp === up) return;
    this.#redisUp = up;
    if (up) this.#logger.info('redis connected', { redis: describeRedis(this.config.redis) });
    else this.#logger.warn('redis unreachable; workers wait for it', { redis: describeRedis(this.config.redis), error });
    this.emit('redis:status', { up, ...(error ? { error } : {}) });
  }

  #onEdgeResult(result: EdgeCallResult): void {
    if (!this.#edgeHealth.record(result)) return;
    const error = this.#edgeHealth.error;
    if (result.ok) this.#logger.info('edge reachable', { edge: this.config.edgeUrl });
    else this.#logger.warn('edge unreachable or misbehaving; queues hold off and retry', { edge: this.config.edgeUrl, error });
    this.emit('edge:status', { up: result.ok, ...(error ? { error } : {}) });
  }

  #onLoopError(loop: string, error: unknown): void {
    // Edge faults are already logged once, as a health change; anything else is worth seeing.
    if (!(error instanceof EdgeRequestError)) this.#logger.error(`${loop} failed`, { error });
  }
}
