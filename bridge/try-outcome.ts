// What one try of a job came to, as the processor already knows it (no Redis command), and the
// closed set of outcomes operators count: `queue_worker_jobs_total{outcome}`.

import type { Job } from 'bullmq';
import type { DeferredOutcome, DispatchOutcome } from '../src/protocol.ts';

/**
 * The edge's answer, or why there was none: the edge unreachable, a job no edge could take, or an
 * operator's cancel cutting the try short (removing a job that never started is not a try). A
 * deferred try is counted once it settles.
 */
export type TryOutcome = Exclude<DispatchOutcome, DeferredOutcome> | { outcome: 'edge_fault' } | { outcome: 'undispatchable' } | { outcome: 'cancelled' };

export const OUTCOME_LABELS = ['completed', 'failed_retryable', 'failed_final', 'throttled', 'edge_fault', 'cancelled'] as const;
export type OutcomeLabel = (typeof OUTCOME_LABELS)[number];

/**
 * A retryable failure on the job's last attempt ends in the failed set, so it counts as final:
 * BullMQ retries when attemptsMade + 1 < opts.attempts (it increments attemptsMade after the try).
 */
export const outcomeLabel = (job: Job, tried: TryOutcome): OutcomeLabel => {
  switch (tried.outcome) {
    case 'completed':
    case 'throttled':
    case 'edge_fault':
    case 'cancelled':
      return tried.outcome;
    case 'undispatchable':
      return 'failed_final';
    case 'failed':
      return tried.retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1) ? 'failed_retryable' : 'failed_final';
  }
};
