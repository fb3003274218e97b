// One failed job back to waiting with fresh attempts; anything else is a 409 that changes nothing.

import type { Job } from 'bullmq';
import { ConflictError } from './errors.ts';

const FRESH_ATTEMPTS = { resetAttemptsMade: true, resetAttemptsStarted: true } as const;

const notFailed = (job: Job, state: string): ConflictError =>
  new ConflictError(`job ${job.id} is ${state}, not failed: only a failed job can be retried`, { state });

/** Moves a failed job to waiting; BullMQ's script checks the state again, so a race is still a 409. */
export const retryFailedJob = async (job: Job): Promise<{ id: string; state: 'waiting' }> => {
  const state = await job.getState();
  if (state !== 'failed') throw notFailed(job, state);
  try {
    await job.retry('failed', FRESH_ATTEMPTS);
  } catch (error) {
    const now = await job.getState();
    if (now !== 'failed') throw notFailed(job, now);
    throw error;
  }
  return { id: job.id ?? '', state: 'waiting' };
};
