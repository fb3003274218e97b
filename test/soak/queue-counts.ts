// Where the soak's jobs are, straight from BullMQ's keys in one round trip: for progress lines, the
// drain, reconciliation and the fault snapshots.

import type { Redis } from 'ioredis';
import type { QueuePlan } from './plan.ts';
import { jobKey } from './soak-feature.ts';

export const PREFIX = 'bull';
const LISTS = ['wait', 'active', 'paused'] as const;
const SETS = ['delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  finished: number;
  /** Anywhere but completed or failed. */
  unfinished: number;
}

export const countJobs = async (redis: Redis, queues: QueuePlan[]): Promise<JobCounts> => {
  const pipeline = redis.pipeline();
  for (const queue of queues) {
    for (const list of LISTS) pipeline.llen(`${PREFIX}:${queue.name}:${list}`);
    for (const set of SETS) pipeline.zcard(`${PREFIX}:${queue.name}:${set}`);
  }
  const sizes = ((await pipeline.exec()) ?? []).map(([error, size]) => {
    if (error) throw error;
    return Number(size);
  });
  const counts = { wait: 0, active: 0, paused: 0, delayed: 0, prioritized: 0, 'waiting-children': 0, completed: 0, failed: 0 };
  const names = [...LISTS, ...SETS];
  sizes.forEach((size, i) => (counts[names[i % names.length]] += size));
  const waiting = counts.wait + counts.paused + counts.prioritized + counts['waiting-children'];
  return {
    waiting,
    active: counts.active,
    delayed: counts.delayed,
    finished: counts.completed + counts.failed,
    unfinished: waiting + counts.active + counts.delayed,
  };
};

/** Keys (queue/id) of every job active now. */
export const activeJobs = async (redis: Redis, queues: QueuePlan[]): Promise<string[]> => {
  const pipeline = redis.pipeline();
  for (const queue of queues) pipeline.lrange(`${PREFIX}:${queue.name}:active`, 0, -1);
  const replies = (await pipeline.exec()) ?? [];
  return queues.flatMap((queue, i) => ((replies[i][1] as string[] | null) ?? []).map((id) => jobKey(queue.name, id)));
};
