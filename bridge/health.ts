// What /health reports: Redis probed on demand, the edge judged by the bridge's own recent calls
// (sync every few seconds, heartbeats, dispatches), so a health check adds no load on the edge.

import type { EdgeCallResult } from './edge-client.ts';
import type { RedisProbe } from './redis.ts';

export type DependencyState = 'up' | 'down' | 'unknown';

export interface DependencyHealth {
  name: 'redis' | 'edge';
  status: DependencyState;
  latencyMs?: number;
  /** Last good answer from the edge. */
  lastSeenAt?: string;
  error?: string;
}

export interface HealthReport {
  /** ok: all up · degraded: the edge is down (jobs wait) · down: Redis is down (503). */
  status: 'ok' | 'degraded' | 'down';
  uptime: number;
  bridgeId: string;
  dependencies: DependencyHealth[];
}

export class EdgeHealth {
  #state: DependencyState = 'unknown';
  #latencyMs?: number;
  #lastSeenAt?: Date;
  #error?: string;

  /** Records one call's result; true when the edge went from up to down or back. */
  record(result: EdgeCallResult): boolean {
    const previous = this.#state;
    if (result.ok) {
      this.#state = 'up';
      this.#lastSeenAt = new Date();
      this.#error = undefined;
      if (result.latencyMs !== undefined) this.#latencyMs = result.latencyMs;
    } else {
      this.#state = 'down';
      this.#error = result.error.message;
    }
    return previous !== this.#state;
  }

  get state(): DependencyState {
    return this.#state;
  }

  get error(): string | undefined {
    return this.#error;
  }

  report(): DependencyHealth {
    return {
      name: 'edge',
      status: this.#state,
      ...(this.#latencyMs === undefined ? {} : { latencyMs: this.#latencyMs }),
      ...(this.#lastSeenAt ? { lastSeenAt: this.#lastSeenAt.toISOString() } : {}),
      ...(this.#error ? { error: this.#error } : {}),
    };
  }
}

export const buildHealthReport = (bridgeId: string, startedAt: Date, redis: RedisProbe, edge: DependencyHealth): HealthReport => {
  const redisHealth: DependencyHealth = {
    name: 'redis',
    status: redis.up ? 'up' : 'down',
    ...(redis.latencyMs === undefined ? {} : { latencyMs: redis.latencyMs }),
    ...(redis.error ? { error: redis.error } : {}),
  };
  const status = !redis.up ? 'down' : edge.status === 'up' ? 'ok' : 'degraded';
  return { status, uptime: Math.round((Date.now() - startedAt.getTime()) / 1000), bridgeId, dependencies: [redisHealth, edge] };
};
