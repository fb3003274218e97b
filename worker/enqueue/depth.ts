// A queue's backlog read straight from BullMQ's keys through @upstash/redis, so the edge can show it
// even when no bridge is alive. Plain reads in one pipeline (BullMQ's getCounts script would also
// clean up legacy markers, a write a status page should not make).

import type { Redis } from '@upstash/redis/cloudflare';
import { queuePrefix } from '../config.ts';
import { ApiError, RedisUnavailableError } from '../errors.ts';
import { queueKeys } from './queue-keys.ts';
import { upstashFor, type UpstashBindings } from './upstash.ts';

export interface QueueDepth {
  /** Ready to run, prioritised or not (BullMQ's "waiting" plus "prioritized"). */
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

const COMMANDS_PER_QUEUE = 5;

export const readQueueDepths = async (redis: Redis, queues: readonly string[], prefix?: string): Promise<Record<string, QueueDepth>> => {
  if (queues.length === 0) return {};
  const pipeline = redis.pipeline();
  for (const queue of queues) {
    const keys = queueKeys(queue, prefix);
    pipeline.llen(keys.wait).zcard(keys.prioritized).llen(keys.active).zcard(keys.delayed).zcard(keys.failed);
  }
  const counts = (await pipeline.exec()) as number[];
  return Object.fromEntries(
    queues.map((queue, index) => {
      const [wait, prioritized, active, delayed, failed] = counts.slice(index * COMMANDS_PER_QUEUE, (index + 1) * COMMANDS_PER_QUEUE);
      return [queue, { waiting: wait + prioritized, active, delayed, failed }];
    }),
  );
};

/**
 * For /internal/status: every named queue's depth, or why it cannot be read (Upstash not configured
 * or unreachable), so the status page still answers.
 */
export const queueDepthsFor = async (
  env: UpstashBindings,
  queues: readonly string[],
): Promise<{ depths: Record<string, QueueDepth> } | { error: string }> => {
  try {
    return { depths: await readQueueDepths(upstashFor(env), queues, queuePrefix(env)) };
  } catch (error) {
    return { error: (error instanceof ApiError ? error : new RedisUnavailableError(error)).message };
  }
};
