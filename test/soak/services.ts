// What a soak runs and breaks: Redis with appendonly (its data survives a restart), the real edge
// (scripts/local-edge-main.ts), the feature stub, and bridges as real `node bridge/main.ts` processes by name.

import { withTimeout } from '../../bridge/with-timeout.ts';
import { bridgeEnv, BridgeProcess } from '../support/bridge.ts';
import { EdgeServer } from '../support/edge.ts';
import { RedisServer } from '../support/redis.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { teardown } from '../support/teardown.ts';
import { waitFor } from '../support/wait.ts';
import type { LimitTimeline } from './limits.ts';
import { SoakFeature } from './soak-feature.ts';

const BRIDGE_ENV = {
  // Reconciliation reads every finished job back from Redis.
  QUEUE_COMPLETED_RETENTION_COUNT: '10000000',
  QUEUE_FAILED_RETENTION_COUNT: '10000000',
  // Longer than bridgeEnv's 2 s: a busy 2-core machine must not stall jobs whose bridge is alive.
  BRIDGE_LOCK_DURATION_MS: '4000',
  BRIDGE_SHUTDOWN_GRACE_MS: '10000',
};
/** The CLI exits by itself 10 s after the grace period; beyond that something is wrong. */
const DRAIN_DEADLINE_MS = 25_000;
const WORKERS_DEADLINE_MS = 30_000;

interface WorkerStatus {
  queue: string;
  running: boolean;
}

export class SoakServices {
  readonly redis: RedisServer;
  readonly edge: EdgeServer;
  readonly feature: SoakFeature;
  readonly #bridges = new Map<string, BridgeProcess>();

  private constructor(redis: RedisServer, edge: EdgeServer, feature: SoakFeature) {
    this.redis = redis;
    this.edge = edge;
    this.feature = feature;
  }

  /** `asyncQueues`: the queues whose feature answers 202 and calls back (async-queues.ts). */
  static async start(limits: LimitTimeline, asyncQueues: ReadonlySet<string>): Promise<SoakServices> {
    const [redis, edge, feature] = await Promise.all([
      RedisServer.start({ persistent: true }),
      EdgeServer.start(),
      SoakFeature.start({ signingSecret: EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET, limits, asyncQueues }),
    ]);
    feature.edgeUrl = edge.url;
    return new SoakServices(redis, edge, feature);
  }

  get bridgeCount(): number {
    return this.#bridges.size;
  }

  /** Starts bridge `id` and waits until it runs every one of `queues`. */
  async startBridge(id: string, queues: string[]): Promise<void> {
    const bridge = await BridgeProcess.start(bridgeEnv(this.edge.url, this.redis.port, { ...BRIDGE_ENV, BRIDGE_ID: id }));
    this.#bridges.set(id, bridge);
    await waitFor(
      async () => {
        const { workers } = (await (await fetch(`${bridge.url}/internal/status`)).json()) as { workers: WorkerStatus[] };
        return queues.every((queue) => workers.some((worker) => worker.queue === queue && worker.running));
      },
      { timeoutMs: WORKERS_DEADLINE_MS, intervalMs: 100, what: `bridge ${id} to run ${queues.length} queues` },
    );
  }

  /** kill -9: no drain, its jobs are left active for the stalled-job check. */
  async killBridge(id: string): Promise<void> {
    const bridge = this.#take(id);
    bridge.kill('SIGKILL');
    await bridge.exited;
  }

  /** SIGTERM: drains in-flight jobs, then exits; fails the soak if it does not exit cleanly. */
  async stopBridge(id: string): Promise<void> {
    const bridge = this.#take(id);
    bridge.kill('SIGTERM');
    const exit = await withTimeout(bridge.exited, DRAIN_DEADLINE_MS, `bridge ${id} draining`).catch(async (error: unknown) => {
      bridge.kill('SIGKILL');
      await bridge.exited;
      throw error;
    });
    if (exit.code !== 0) throw new Error(`bridge ${id} did not drain and exit cleanly: ${JSON.stringify(exit)}\n${bridge.output}`);
  }

  async restartRedis(): Promise<void> {
    await this.redis.stop();
    await this.redis.restart();
  }

  close(): Promise<void> {
    const bridges = [...this.#bridges.values()];
    this.#bridges.clear();
    return teardown(
      () => Promise.all(bridges.map((bridge) => bridge.stop())),
      () => this.edge.close(),
      () => this.feature.close(),
      () => this.redis.close(),
    );
  }

  #take(id: string): BridgeProcess {
    const bridge = this.#bridges.get(id);
    if (!bridge) throw new Error(`no bridge ${id} is running`);
    this.#bridges.delete(id);
    return bridge;
  }
}
