// The one normal Redis connection the whole bridge shares: every Worker and Queue uses it for
// commands; only each Worker's blocking connection is its own (BullMQ duplicates it). Against a
// Redis Cluster it is an ioredis Cluster, which follows MOVED and reconnects a restarted node.

import { isNotConnectionError } from 'bullmq';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './config.ts';
import { PinnedCluster, slotOf } from './pinned-cluster.ts';
import { withTimeout } from './with-timeout.ts';

const MAX_RECONNECT_DELAY_MS = 2_000;
const RECONNECT_STEP_MS = 200;
const PING_TIMEOUT_MS = 1_000;
/**
 * A command meeting a restarting master (connection closed, CLUSTERDOWN, MOVED back to it) is
 * retried every 200 ms for about 20 s, instead of ioredis's 16 quick tries: it rides out the restart
 * as it would wait in one Redis's offline queue, so a finished job's completion is not lost.
 */
const CLUSTER_RETRY_DELAY_MS = 200;
const CLUSTER_MAX_REDIRECTIONS = 100;
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** One Redis server or a Redis Cluster: BullMQ, the operations routes and the cancel bus take either. */
export type RedisClient = Redis | Cluster;

const reconnectDelay = (times: number): number => Math.min(times * RECONNECT_STEP_MS, MAX_RECONNECT_DELAY_MS);

/** `queuePrefix` (hash-tagged in a cluster) names the slot a cluster client sends keyless commands to. */
export const createRedisConnection = (target: RedisTarget, connectionName: string, queuePrefix: string): RedisClient => {
  const options: RedisOptions = {
    connectionName,
    // BullMQ requires this: commands wait for the connection to come back instead of failing.
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelay,
  };
  if ('cluster' in target) {
    const clusterOptions = {
      redisOptions: { ...options, ...(target.password ? { password: target.password } : {}) },
      clusterRetryStrategy: reconnectDelay,
      maxRedirections: CLUSTER_MAX_REDIRECTIONS,
      retryDelayOnMoved: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
      // No CLUSTER INFO at connect: the cancel subscriber then opens only its subscriber connection;
      // a command that meets a cluster not yet ok is retried by ioredis (CLUSTERDOWN) and BullMQ.
      enableReadyCheck: false,
      // A restarted master keeps its slots: reconnect to it rather than wait for a MOVED that never comes.
      clusterNodeRetryStrategy: reconnectDelay,
    };
    return new PinnedCluster(target.cluster, clusterOptions, slotOf(queuePrefix));
  }
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
export const probeRedis = async (redis: RedisClient): Promise<RedisProbe> => {
  if (redis.status !== 'ready') return { up: false, error: `connection is ${redis.status}` };
  const started = performance.now();
  try {
    await withTimeout(redis.ping(), PING_TIMEOUT_MS, 'PING');
    return { up: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { up: false, error: error instanceof Error ? error.message : String(error) };
  }
};
