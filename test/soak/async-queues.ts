// The soak's async queue (`completion: "async"`): the feature stub answers its calls 202 and reports
// each attempt 0.2–2 s later by a signed callback (completeJob), with the outcome the job's seed
// dictates — success, retryable failure or final failure. The report's checks on it: the feature
// was called once per attempt whatever the bridge kills and edge restart did (a redispatch of a
// deferred attempt is answered by the edge, not by calling again), every callback was answered 200
// (none late, repeated or refused; the plan sends none on purpose), and its jobs ended as their
// seeds say.

import { CallbackRefusedError, completeJob, type CompleteJobOptions } from '../../src/handler/complete-job.ts';
import type { JobCallback } from '../../src/protocol.ts';
import { renderTable } from '../bench/table.ts';
import type { Answer } from './fates.ts';
import type { QueuePlan } from './plan.ts';
import type { Reconciliation } from './reconcile.ts';
import type { Check } from './report.ts';
import type { SoakFeature } from './soak-feature.ts';

/** A small share of the adds: deferred attempts hold their slot for the callback delay. */
export const ASYNC_JOB_SHARE = 0.04;
const CONCURRENCY = 10;
const TIMEOUT_MS = 8_000;
const ATTEMPTS = 3;
const BACKOFF = { type: 'exponential', delayMs: 50, maxDelayMs: 1_000, jitter: 0.2 } as const;
const MIN_CALLBACK_DELAY_MS = 200;
const MAX_CALLBACK_DELAY_MS = 2_000;
/** While the edge restarts a callback cannot reach it: retried like a real feature would. */
const CALLBACK_RETRY_MS = 200;
const CALLBACK_DEADLINE_MS = 30_000;

export const planAsyncQueues = (tag: string): QueuePlan[] => [
  {
    name: `soak-${tag}-async`,
    concurrency: CONCURRENCY,
    timeoutMs: TIMEOUT_MS,
    attempts: ATTEMPTS,
    registration: { completion: 'async', concurrency: CONCURRENCY, timeoutMs: TIMEOUT_MS, retry: { attempts: ATTEMPTS, backoff: BACKOFF } },
  },
];

/** The callback that reports what the sync answer would have: a 400 is final, any other failure retryable. */
export const callbackFor = (answer: Extract<Answer, { status: number }>): Omit<JobCallback, 'attempt'> => {
  const body = answer.body as { success?: boolean; result?: unknown; error?: unknown };
  if (answer.status === 200 && body.success) return { success: true, result: body.result };
  return { success: false, error: body.error ?? `status ${answer.status}`, retryable: answer.status !== 400 };
};

export const callbackDelayMs = (): number => MIN_CALLBACK_DELAY_MS + Math.random() * (MAX_CALLBACK_DELAY_MS - MIN_CALLBACK_DELAY_MS);

/**
 * How a callback ended: the status that answered it, 'unreached' when the edge never answered, or
 * 'repeat-409': a 409 to a repeat after a try that failed in transit (the edge went down
 * mid-request), which the edge may well have taken; whether the job then ended once is the job
 * checks' to say, so it is not counted as a refusal.
 */
export type CallbackResult = number | 'unreached' | 'repeat-409';

/** Posts the report, retrying while the edge is unreachable or failing. */
export const postCallback = async (options: CompleteJobOptions, report: Omit<JobCallback, 'attempt'>, signal: AbortSignal): Promise<CallbackResult> => {
  const deadline = Date.now() + CALLBACK_DEADLINE_MS;
  let failedInTransit = false;
  while (!signal.aborted && Date.now() < deadline) {
    try {
      await completeJob(options, report);
      return 200;
    } catch (error) {
      if (error instanceof CallbackRefusedError && error.status < 500) return error.status === 409 && failedInTransit ? 'repeat-409' : error.status;
      failedInTransit = true;
      await new Promise((resolve) => setTimeout(resolve, CALLBACK_RETRY_MS));
    }
  }
  return 'unreached';
};

const isAsync = (queue: QueuePlan): boolean => queue.registration.completion === 'async';

export const asyncReport = (queues: QueuePlan[], feature: SoakFeature, r: Reconciliation): { checks: Check[]; text: string } => {
  const asyncQueues = queues.filter(isAsync);
  if (asyncQueues.length === 0) return { checks: [], text: '' };
  const { repeatedAttemptCalls, callbacksByStatus } = feature.asyncFigures;
  const notOk = [...callbacksByStatus].filter(([result]) => result !== 200 && result !== 'repeat-409').reduce((sum, [, count]) => sum + count, 0);
  const wrong = asyncQueues.reduce((sum, queue) => sum + (r.wrongByQueue.get(queue.name) ?? 0), 0);
  const statuses = [...callbacksByStatus].map(([result, count]) => `${result}: ${count}`).join(', ');
  return {
    checks: [
      { name: 'async attempts whose feature was called more than once', value: repeatedAttemptCalls, ok: repeatedAttemptCalls === 0 },
      { name: 'completion callbacks answered other than 200', value: notOk, ok: notOk === 0 },
      { name: 'async jobs not ended as their seed dictates', value: wrong, ok: wrong === 0 },
    ],
    text: renderTable(
      ['async queue', 'feature calls', 'callbacks by status', 'repeated attempt calls', 'jobs not as seed says'],
      asyncQueues.map((queue) => [queue.name, feature.queueStats(queue.name).calls, statuses, repeatedAttemptCalls, r.wrongByQueue.get(queue.name) ?? 0]),
    ),
  };
};
