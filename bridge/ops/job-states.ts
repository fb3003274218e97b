// The job states the operations routes speak of, and where BullMQ keeps each.

export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Active jobs are a feature call in progress: cancel them, never purge them. */
export const PURGEABLE_STATES = ['waiting', 'delayed', 'prioritized', 'failed', 'completed'] as const;
export type PurgeableState = (typeof PURGEABLE_STATES)[number];

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
