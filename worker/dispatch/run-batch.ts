// The one dispatch path: a batch of one queue's jobs (POST /internal/dispatch is a batch of one).
// Jobs the edge cannot take and jobs past this isolate's budget are answered at once; the rest get
// their slots in one coordinator call (the ones not granted wait in line one by one), run, and give
// their slots back in as few calls as finish together.

import type { DispatchBatchLine, DispatchOutcome } from '../../src/protocol.ts';
import { endpointPolicy } from '../config.ts';
import type { AcceptedSignature, SlotAnswer } from '../coordinator/types.ts';
import { ReplayedError } from '../errors.ts';
import { featureSigner } from './feature-signer.ts';
import { budgetThrottled, featureDuration, isolateBudget } from './isolate-load.ts';
import { refusedOutcome, type ParsedBatch, type QueuedJob } from './parse-request.ts';
import { ReleaseBatcher } from './release-batcher.ts';
import { runJob } from './run-job.ts';

/** How long a dispatch may wait in its queue's line for a slot before answering `throttled`. */
export const DISPATCH_MAX_WAIT_MS = 2_000;

export interface StartedBatch {
  /** Lines known at once: refused jobs, then jobs past the budget. */
  answered: DispatchBatchLine[];
  /** One per job that runs, resolved as that job ends. */
  running: Promise<DispatchBatchLine>[];
}

/** Per request, an abort switch for each of its jobs, which the queue's coordinator can flip (a cancel). */
const cancelSwitches = (jobIds: string[]) => {
  const controllers = new Map(jobIds.map((jobId) => [jobId, new AbortController()]));
  return {
    signal: (jobId: string): AbortSignal | undefined => controllers.get(jobId)?.signal,
    onCancel: (jobId: string): void => controllers.get(jobId)?.abort(),
  };
};

export const startBatch = async (
  env: Env & Parameters<typeof endpointPolicy>[0],
  requestUrl: string,
  signature: AcceptedSignature,
  { queueName, jobs: offered, refused }: ParsedBatch,
): Promise<StartedBatch> => {
  const answered: DispatchBatchLine[] = refused.map((refusal) => ({ jobId: refusal.jobId, ...refusedOutcome(refusal) }));
  if (offered.length === 0) return { answered, running: [] };
  const signer = await featureSigner(env, queueName);
  const policy = endpointPolicy(env, requestUrl);
  const budget = isolateBudget(env);
  // The first `admitted` jobs run; the rest are answered at once, uncharged.
  const admitted = budget.admit(queueName, offered.length);
  const overBudget = budgetThrottled(budget, queueName);
  answered.push(...offered.slice(admitted).map((job) => ({ jobId: job.jobId, ...overBudget })));
  if (admitted === 0) return { answered, running: [] };

  const jobs = offered.slice(0, admitted);
  const coordinator = env.QUEUE_COORDINATOR.getByName(queueName);
  const cancels = cancelSwitches(jobs.map((job) => job.jobId));
  const attempts = jobs.map(({ jobId, attemptsMade }) => ({ jobId, attemptsMade }));
  const first = await coordinator.acquireMany(attempts, signature, cancels.onCancel).catch((error: unknown) => {
    budget.leave(queueName, admitted);
    throw error;
  });
  if (first.status === 'replayed') {
    budget.leave(queueName, admitted);
    throw new ReplayedError();
  }
  const releases = new ReleaseBatcher((batch) => coordinator.releaseMany(batch, budget.takeRefused(queueName)));
  // Jobs the coordinator answered by id (deferred attempts) hold no place among the grants.
  const known = (first.status === 'granted' && first.known) || new Map<string, SlotAnswer>();
  const places = new Map(jobs.filter((job) => !known.has(job.jobId)).map((job, place) => [job, place]));
  const slotFor = (job: QueuedJob): Promise<SlotAnswer> | SlotAnswer => {
    if (first.status !== 'granted') return first;
    return known.get(job.jobId) ?? first.grants[places.get(job) ?? -1] ?? first.rest ?? coordinator.acquire({ jobId: job.jobId, attemptsMade: job.attemptsMade, maxWaitMs: DISPATCH_MAX_WAIT_MS, onCancel: cancels.onCancel });
  };
  const running = jobs.map(async (job): Promise<DispatchBatchLine> => {
    let outcome: DispatchOutcome | undefined;
    try {
      outcome = await runJob(queueName, job, await slotFor(job), signer, releases.release, policy, cancels.signal(job.jobId));
      return { jobId: job.jobId, ...outcome };
    } finally {
      // Each job gives its part of the budget back as it ends, not when the batch's slowest does.
      budget.leave(queueName, 1, featureDuration(outcome));
    }
  });
  return { answered, running };
};
