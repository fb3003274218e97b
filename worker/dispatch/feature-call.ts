// The signed call to a feature API: seed-shaped body, job headers (and the job's W3C traceparent),
// aborted at the queue's timeout or by an operator's cancel (the feature's request signal fires either way).

import {
  HEADER_ATTEMPT,
  HEADER_IDEMPOTENCY_KEY,
  HEADER_JOB_ID,
  HEADER_QUEUE_NAME,
  HEADER_SIGNATURE,
  idempotencyKey,
  type DispatchOutcome,
  type FeatureJobRequest,
} from '../../src/protocol.ts';
import { HEADER_TRACEPARENT } from '../../src/tracing/traceparent.ts';
import { checkFeatureTarget, type EndpointPolicyOptions } from '../../src/endpoint-policy.ts';
import { readLimitedText } from '../../src/http/read-limited-text.ts';
import type { RotatingSigner } from '../../src/signing.ts';
import type { SlotGrant } from '../coordinator/types.ts';
import { DEFERRED_POLL_MS } from '../coordinator/deferrals.ts';
import { classifyFeatureResponse } from './classify.ts';
import type { QueuedJob } from './parse-request.ts';

/** A feature's answer is read up to this size; a result bigger than that is a feature bug. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

const isTimeout = (error: unknown): boolean => error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');

/** What a cancelled call reports; the bridge has already failed the job with its own reason. */
export const CANCELLED_MESSAGE = 'cancelled by an operator';

export const callFeature = async (
  queueName: string,
  job: QueuedJob,
  slot: SlotGrant,
  signer: RotatingSigner,
  policy: EndpointPolicyOptions,
  cancelled?: AbortSignal,
): Promise<DispatchOutcome> => {
  // Again at every call: the registration may predate the policy, or the flag may be off now.
  const target = checkFeatureTarget(slot.endpoint, slot.path, policy);
  if (!target.ok) {
    return { outcome: 'failed', retryable: false, error: { message: `endpoint ${slot.endpoint}${slot.path} refused: ${target.message}` }, durationMs: 0 };
  }
  // The BullMQ job name rides along when the producer gave one (features may route on it, as BullMQ processors do).
  const payload: FeatureJobRequest = { jobId: job.jobId, queueName, data: job.data, attemptsMade: job.attemptsMade, ...(job.name === undefined ? {} : { name: job.name }) };
  const body = JSON.stringify(payload);
  const started = Date.now();
  try {
    const response = await fetch(`${slot.endpoint}${slot.path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/json',
        [HEADER_JOB_ID]: job.jobId,
        [HEADER_QUEUE_NAME]: queueName,
        [HEADER_ATTEMPT]: String(job.attemptsMade + 1),
        [HEADER_IDEMPOTENCY_KEY]: idempotencyKey(queueName, job.jobId),
        [HEADER_SIGNATURE]: await signer.signFeatureBody(body),
        ...(job.traceparent ? { [HEADER_TRACEPARENT]: job.traceparent } : {}),
      },
      body,
      signal: cancelled ? AbortSignal.any([AbortSignal.timeout(slot.timeoutMs), cancelled]) : AbortSignal.timeout(slot.timeoutMs),
    });
    // An async queue's feature took the job: it reports by callback before the deadline.
    if (slot.completion === 'async' && response.status === 202) {
      await response.body?.cancel();
      return { outcome: 'deferred', deadlineMs: started + slot.timeoutMs, retryAfterMs: DEFERRED_POLL_MS.min };
    }
    const text = await readLimitedText(response, MAX_RESPONSE_BYTES);
    const durationMs = Date.now() - started;
    if (text === undefined) {
      return {
        outcome: 'failed',
        retryable: true,
        error: { message: `feature API answer exceeded ${MAX_RESPONSE_BYTES} bytes`, status: response.status },
        durationMs,
      };
    }
    return classifyFeatureResponse(response.status, response.headers, text, durationMs);
  } catch (error) {
    const durationMs = Date.now() - started;
    if (cancelled?.aborted) return { outcome: 'failed', retryable: false, error: { message: CANCELLED_MESSAGE }, durationMs };
    const message = isTimeout(error)
      ? `feature API did not answer within ${slot.timeoutMs} ms`
      : `could not reach feature API at ${slot.endpoint}: ${error instanceof Error ? error.message : String(error)}`;
    return { outcome: 'failed', retryable: true, error: { message }, durationMs };
  }
};
