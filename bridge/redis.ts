// The one normal Redis connection the whole bridge shares: every Worker and Queue uses it for
// commands; only each Worker's blocking connection is its own (BullMQ duplicates it).

import { isNotConnectionError } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './config.ts';
import { withTimeout } from './with-timeout.ts';

const MAX_RECONNECT_DELAY_MS = 2_000;
const RECONNECT_STEP_MS = 200;
const PING_TIMEOUT_MS = 1_000;
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export const createRedisConnection = (target: RedisTarget, connectionName: string): Redis => {
  const options: RedisOptions = {
    connectionName,
    // BullMQ requires this: commands wait for the connection to come back instead of failing.
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * RECONNECT_STEP_MS, MAX_RECONNECT_DELAY_MS),
  };
  if ('url' in target) return new Redis(target.url, options);
  return new Redis({ ...options, host: target.host, port: target.port, ...(target.password ? { password: target.password } : {}) });
};

/** True for errors that only say Redis is unreachable; the connection's own events report those once. */
export const isConnectionError = (error: unknown): boolean =>
  error instanceof Error && (!isNotConnectionError(error) || CONNECTION_ERROR_CODES.has((error as { code?: string }).code ?? ''));

export interface RedisProbe {
  up: boolean;
  latencyMs?: number;
  error?: string;
}

/** Answers at once when the connection is down, otherwise PINGs with a deadline. */
export const probeRedis = async (redis: Redis): Promise<RedisProbe> => {
  if (redis.status !== 'ready') return { up: false, error: `connection is ${redis.status}` };
  const started = performance.now();
  try {
    await withTimeout(redis.ping(), PING_TIMEOUT_MS, 'PING');
    return { up: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { up: false, error: error instanceof Error ? error.message : String(error) };
  }
};
