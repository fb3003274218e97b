// Retries follow the queue's registration even for jobs whose producer set no options (plain
// `Queue.add`). BullMQ decides retry-or-fail from the job's own `opts.attempts`/`opts.backoff`
// inside `moveToFailed`, on the very Job object the processor received; so the processor fills in
// what the producer left out on that object, and BullMQ's own bookkeeping (attemptsMade,
// failedReason, delayed set, failed set) does the rest atomically in Redis. Nothing is written to
// the stored job, so a registration change applies from the next attempt on.

import type { BackoffStrategy, Job } from 'bullmq';
import { computeBackoffDelay } from '../src/backoff.ts';
import { REGISTRATION_BACKOFF } from '../src/jobs/job-options.ts';
import type { BackoffPolicy, RetryPolicy } from '../src/protocol.ts';

/** Gives `job` the registration's attempts and backoff where its producer set none. */
export const applyRetryPolicy = (job: Job, retry: RetryPolicy): void => {
  // BullMQ stores attempts 0 when none were given; attempts 1 is a producer's explicit "never retry".
  if (!job.opts.attempts) job.opts.attempts = retry.attempts;
  // Its type is no built-in strategy, so BullMQ asks the Worker's backoffStrategy below.
  if (!job.opts.backoff) job.opts.backoff = { ...REGISTRATION_BACKOFF };
};

/** The Worker's `settings.backoffStrategy`: the current registration's delay for the attempt. */
export const registrationBackoff =
  (policy: () => BackoffPolicy): BackoffStrategy =>
  (attemptsMade) =>
    computeBackoffDelay(policy(), attemptsMade);
