// One job through the edge once the coordinator has answered: call the feature with the slot, give
// the slot back on every path, and say what happened. Shared by single and batched dispatch.

import type { EndpointPolicyOptions } from '../../src/endpoint-policy.ts';
import { MAX_ERROR_MESSAGE_BYTES, type DispatchOutcome } from '../../src/protocol.ts';
import type { RotatingSigner } from '../../src/signing.ts';
import { truncateUtf8 } from '../../src/text.ts';
import type { Release, ReleaseKind, SlotAnswer } from '../coordinator/types.ts';
import { callFeature } from './feature-call.ts';
import type { QueuedJob } from './parse-request.ts';

const releaseKind = (outcome: DispatchOutcome): ReleaseKind => {
  if (outcome.outcome === 'failed') return outcome.retryable ? 'failed_retryable' : 'failed_final';
  return outcome.outcome;
};

/** A feature's error text is its own to choose; what we keep of it (Redis, status, logs) is bounded. */
const bounded = (outcome: DispatchOutcome): DispatchOutcome =>
  outcome.outcome === 'failed' ? { ...outcome, error: { ...outcome.error, message: truncateUtf8(outcome.error.message, MAX_ERROR_MESSAGE_BYTES) } } : outcome;

export const unknownQueue = (queueName: string): DispatchOutcome => ({
  outcome: 'failed',
  retryable: false,
  error: { message: `queue '${queueName}' is not registered at the edge` },
  durationMs: 0,
});

export const runJob = async (
  queueName: string,
  job: QueuedJob,
  slot: SlotAnswer,
  signer: RotatingSigner,
  release: (release: Release) => Promise<void>,
  policy: EndpointPolicyOptions,
  cancelled?: AbortSignal,
): Promise<DispatchOutcome> => {
  if (slot.status === 'unknown') return unknownQueue(queueName);
  if (slot.status === 'throttled') return { outcome: 'throttled', retryAfterMs: slot.retryAfterMs, reason: slot.reason };
  if (slot.status === 'deferred') return { outcome: 'deferred', deadlineMs: slot.deadlineMs, retryAfterMs: slot.retryAfterMs };
  if (slot.status === 'settled') return slot.outcome;

  let outcome: DispatchOutcome = {
    outcome: 'failed',
    retryable: true,
    error: { message: 'the edge failed while calling the feature API' },
    durationMs: 0,
  };
  try {
    outcome = bounded(await callFeature(queueName, job, slot, signer, policy, cancelled));
  } finally {
    // The slot goes back on every path; if even that fails, the lease expires by itself.
    await release({
      leaseId: slot.leaseId,
      report: {
        kind: releaseKind(outcome),
        durationMs: 'durationMs' in outcome ? outcome.durationMs : 0,
        jobId: job.jobId,
        ...(outcome.outcome === 'deferred'
          ? { deferred: { attemptsMade: job.attemptsMade, startedAt: outcome.deadlineMs - slot.timeoutMs, deadline: outcome.deadlineMs } }
          : {}),
        ...(outcome.outcome === 'failed' ? { error: outcome.error } : {}),
      },
    }).catch((error: unknown) => console.error('releasing slot failed; its lease will expire', { queue: queueName, error: String(error) }));
  }
  return outcome;
};
