// One BullMQ job → one signed dispatch through the edge → the outcome mapped onto BullMQ:
//   completed           → return the result (the job's return value)
//   failed, retryable   → throw; BullMQ retries per the registration's policy (retry-policy.ts)
//   failed, final       → UnrecoverableError; fails at once with the feature's message
//   throttled           → hold the queue off, RateLimitError: back to waiting, no attempt charged
//   edge fault          → the same, with a growing hold-off; the job is not to blame
//   undispatchable      → UnrecoverableError naming the rule, before any dispatch: the job is to blame
//   cancelled (ops)     → UnrecoverableError 'cancelled'; the edge is told to abort the feature call
//   deferred (async)    → the job stays active; the same attempt is asked again until it settles
// Each charged try (and a refusal or cancel) adds one line to the job's attempt trail (ops/attempt-trail.ts).
// Throttling uses BullMQ's rate-limit path (Queue.rateLimit + RateLimitError): it moves the job
// back to the head of *waiting* without touching attemptsMade (moveJobFromActiveToWait), and the
// hold-off stops fetching for every worker of the queue, in every bridge. The alternative,
// Job.moveToDelayed + DelayedError, also keeps attemptsMade but parks the job in *delayed* and lets
// the worker fetch the next job at once, straight into the same full line.

import { setTimeout as delay } from 'node:timers/promises';
import { RateLimitError, UnrecoverableError, type Job } from 'bullmq';
import { computeBackoffDelay } from '../src/backoff.ts';
import { dispatchProblem } from '../src/jobs/dispatchable.ts';
import { MAX_JOB_NAME_LENGTH } from '../src/jobs/limits.ts';
import { MAX_ERROR_MESSAGE_BYTES, type BackoffPolicy, type DeferredOutcome, type DispatchOutcome, type DispatchRequest, type Registration } from '../src/protocol.ts';
import { truncateUtf8 } from '../src/text.ts';
import type { Dispatcher } from './dispatch-batcher.ts';
import type { Logger } from './logger.ts';
import { attemptLine, type AttemptRecord, type AttemptTrail } from './ops/attempt-trail.ts';
import { CANCELLED_REASON, wasCancelled } from './ops/job-cancelled.ts';
import { applyRetryPolicy } from './retry-policy.ts';
import type { TryOutcome } from './try-outcome.ts';
import type { BridgeTracing } from './tracing/tracing.ts';
import { parseTraceparent } from '../src/tracing/traceparent.ts';

/** Longest the edge may hold a dispatch for a slot (its DISPATCH_MAX_WAIT_MS) plus network slack. */
const EDGE_DISPATCH_OVERHEAD_MS = 7_000;
const MIN_HOLD_OFF_MS = 50;
const MAX_HOLD_OFF_MS = 60_000;
/** Edge unreachable or answering nonsense: 250 ms, doubling, at most 5 s between tries. */
const EDGE_FAULT_BACKOFF: BackoffPolicy = { type: 'exponential', delayMs: 250, maxDelayMs: 5_000, jitter: 0.2 };

/**
 * Failures BullMQ stores with the job (failedReason, stacktrace) are the feature's or the job's: the
 * message is kept to MAX_ERROR_MESSAGE_BYTES, and our own stack, which says nothing about them, is
 * dropped (BullMQ stores a stack only when there is one).
 */
const storable = <E extends Error>(error: E): E => {
  error.stack = '';
  return error;
};

/** A retryable failure reported by the feature (or by the edge calling it). */
export class JobAttemptError extends Error {
  readonly status?: number;

  constructor(message: string, status?: number) {
    super(truncateUtf8(message, MAX_ERROR_MESSAGE_BYTES));
    this.name = 'JobAttemptError';
    this.status = status;
    storable(this);
  }
}

const finalFailure = (message: string): UnrecoverableError => storable(new UnrecoverableError(truncateUtf8(message, MAX_ERROR_MESSAGE_BYTES)));

/** A result over `maxBytes` of JSON is not stored; the job still completes, so the feature is not called again. */
export const storableResult = (result: unknown, maxBytes: number): unknown => {
  const bytes = Buffer.byteLength(JSON.stringify(result ?? null));
  return bytes > maxBytes ? { resultTruncated: bytes } : result;
};

/** Counts consecutive edge faults of one queue so its hold-off grows, and resets on a good answer. */
export class FaultBackoff {
  #faults = 0;

  next(): number {
    this.#faults++;
    return computeBackoffDelay(EDGE_FAULT_BACKOFF, this.#faults);
  }

  reset(): void {
    this.#faults = 0;
  }
}

export interface ProcessorContext {
  queueName: string;
  edge: Dispatcher;
  /** The queue's current registration; read per attempt so edge changes apply at once. */
  registration: () => Registration;
  /** Stops every worker of the queue from fetching jobs for `ms`. */
  holdOff: (ms: number) => Promise<void>;
  faults: FaultBackoff;
  /** Aborted when the bridge gives up waiting for in-flight jobs at shutdown. */
  shutdown: AbortSignal;
  /** RESULT_MAX_BYTES: the largest result kept as a job's return value. */
  resultMaxBytes: number;
  /** The job's data as Redis holds it (JSON text), or null when it is gone. */
  storedData: (jobId: string) => Promise<string | null>;
  /** Told every try's outcome (metrics); must not throw or call Redis, it runs once per try. */
  onOutcome?: (job: Job, tried: TryOutcome) => void;
  /** Asks the edge to abort the feature call of a cancelled job (best effort). */
  cancelAtEdge: (jobId: string) => Promise<void>;
  /** Where each attempt's line goes (never awaited). */
  trail: Pick<AttemptTrail, 'write'>;
  bridgeId: string;
  /** Spans around each dispatch (or, off, only the job's traceparent passed on). */
  tracing: BridgeTracing;
  logger: Logger;
}

/**
 * An async queue's attempt the feature took (202): the job stays active here (BullMQ renews its
 * lock) while the edge's coordinator waits for the callback. Asking again costs one coordinator
 * call and never a feature call; a bridge that restarts asks the same way and finds the same state.
 */
const settledOutcome = async (dispatch: () => Promise<DispatchOutcome>, signal: AbortSignal): Promise<Exclude<DispatchOutcome, DeferredOutcome>> => {
  let outcome = await dispatch();
  while (outcome.outcome === 'deferred') {
    await delay(Math.max(0, Math.min(outcome.retryAfterMs, outcome.deadlineMs - Date.now())), undefined, { signal });
    outcome = await dispatch();
  }
  return outcome;
};

const clampHoldOff = (ms: number): number => Math.min(Math.max(Math.round(ms), MIN_HOLD_OFF_MS), MAX_HOLD_OFF_MS);

export const createProcessor = (context: ProcessorContext) => {
  const { queueName, edge, holdOff, faults, shutdown, resultMaxBytes, onOutcome, bridgeId, tracing } = context;

  const requeue = async (holdOffMs: number): Promise<never> => {
    await holdOff(holdOffMs);
    throw new RateLimitError();
  };

  return async (job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> => {
    const traceparent = tracing.current(job);
    // Every line about this try names its trace, so logs and spans meet.
    const logger = context.logger.child({ traceId: parseTraceparent(traceparent)?.traceId });
    const registration = context.registration();
    applyRetryPolicy(job, registration.retry);
    const request: DispatchRequest = {
      jobId: job.id ?? '',
      queueName,
      data: job.data,
      attemptsMade: job.attemptsMade,
      // The name is only informational at the edge; an outsized one is left behind, not failed for.
      ...(job.name && job.name.length <= MAX_JOB_NAME_LENGTH ? { name: job.name } : {}),
    };
    const startedAt = Date.now();
    const trail = (record: Omit<AttemptRecord, 'startedAt' | 'durationMs'> & { durationMs?: number }) =>
      context.trail.write(job, attemptLine(job, bridgeId, { startedAt, durationMs: Date.now() - startedAt, ...record }));
    const problem = await dispatchProblem(request, () => context.storedData(request.jobId));
    if (problem) {
      onOutcome?.(job, { outcome: 'undispatchable' });
      logger.warn('job cannot be dispatched; failed without retrying', { jobId: job.id, problem });
      const failure = finalFailure(`job cannot be dispatched: ${problem}`);
      trail({ outcome: 'failed_final', error: failure.message });
      throw failure;
    }
    const dispatchSignal = signal ? AbortSignal.any([shutdown, signal]) : shutdown;
    const dispatchOnce = (): Promise<DispatchOutcome> =>
      tracing.dispatch(traceparent, { queueName, jobId: request.jobId, attempt: job.attemptsMade + 1 }, async (span) => {
        const answer = await edge.dispatch(
          { ...request, traceparent: span.traceparent },
          { timeoutMs: registration.timeoutMs + EDGE_DISPATCH_OVERHEAD_MS, signal: dispatchSignal },
        );
        span.answered(answer);
        return answer;
      });
    let outcome: Exclude<DispatchOutcome, DeferredOutcome>;
    try {
      outcome = await settledOutcome(dispatchOnce, dispatchSignal);
    } catch (error) {
      if (wasCancelled(signal)) {
        // The job fails now; the edge aborts the feature call (and frees its slot) on its own time.
        context.cancelAtEdge(request.jobId).catch((cause: unknown) => logger.warn('could not ask the edge to abort a cancelled call', { jobId: job.id, error: cause }));
        onOutcome?.(job, { outcome: 'cancelled' });
        trail({ outcome: 'cancelled', error: CANCELLED_REASON });
        throw finalFailure(CANCELLED_REASON);
      }
      // Shutting down: hand the job straight back to waiting for the next bridge.
      if (shutdown.aborted) throw new RateLimitError();
      onOutcome?.(job, { outcome: 'edge_fault' });
      const delayMs = faults.next();
      // Debug only: the edge going down is logged once, as a health change, not once per job.
      logger.debug('edge fault; job requeued without charging an attempt', { jobId: job.id, holdOffMs: delayMs, error });
      return requeue(delayMs);
    }
    faults.reset();
    onOutcome?.(job, outcome);
    switch (outcome.outcome) {
      case 'completed':
        trail({ outcome: 'completed', durationMs: outcome.durationMs });
        return storableResult(outcome.result, resultMaxBytes);
      case 'throttled':
        logger.debug('throttled; job back to waiting', { jobId: job.id, retryAfterMs: outcome.retryAfterMs, reason: outcome.reason });
        return requeue(clampHoldOff(outcome.retryAfterMs));
      case 'failed': {
        const { message, status } = outcome.error;
        trail({ outcome: outcome.retryable ? 'failed_retryable' : 'failed_final', durationMs: outcome.durationMs, error: message, ...(status === undefined ? {} : { status }) });
        if (!outcome.retryable) throw finalFailure(message);
        throw new JobAttemptError(message, status);
      }
    }
  };
};
