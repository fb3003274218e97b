// Where BullMQ keeps each job state the operations routes speak of (src/ops-protocol.ts).

import type { JobState, PurgeableState } from '../../src/ops-protocol.ts';

/** Lists, newest at the head: new jobs are pushed there, workers take from the tail. */
export const LIST_KEYS: Partial<Record<JobState, string>> = { waiting: 'wait', active: 'active' };
/** Sorted sets: finished by finish time, delayed by due time, prioritized by priority then order. */
export const ZSET_KEYS: Partial<Record<JobState, string>> = { delayed: 'delayed', prioritized: 'prioritized', failed: 'failed', completed: 'completed' };

/** BullMQ's name for a state in Queue.clean. */
export const CLEAN_TYPES: Record<PurgeableState, 'wait' | 'delayed' | 'prioritized' | 'failed' | 'completed'> = {
  waiting: 'wait',
  delayed: 'delayed',
  prioritized: 'prioritized',
  failed: 'failed',
  completed: 'completed',
};
