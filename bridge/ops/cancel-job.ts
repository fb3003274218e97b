// Cancel one job: not started yet (waiting, delayed, prioritized) → removed; active → its dispatch
// is aborted by whichever bridge runs it (cancel-bus.ts), the edge aborts the feature call, and the
// job fails `cancelled`, not retried; finished → 409.

import type { Job, Queue } from 'bullmq';
import { ConflictError } from './errors.ts';
import type { CancelBus } from './cancel-bus.ts';

const NOT_STARTED = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);
/** How long the route waits for the running bridge to fail the job before answering 202. */
const ACTIVE_CANCEL_WAIT_MS = 10_000;
const POLL_MS = 50;

export type CancelResult = { id: string; state: 'removed' | 'failed' } | { id: string; state: 'active'; cancelRequested: true };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const removeIfNotStarted = async (job: Job): Promise<boolean> => {
  try {
    await job.remove();
    return true;
  } catch {
    // Locked: a worker took it between the state read and the removal.
    return false;
  }
};

const settledState = async (job: Job, deadline: number): Promise<string> => {
  for (;;) {
    const state = await job.getState();
    if (state !== 'active' || Date.now() > deadline) return state;
    await sleep(POLL_MS);
  }
};

export const cancelJob = async (queue: Queue, job: Job, bus: CancelBus): Promise<CancelResult> => {
  const id = job.id ?? '';
  let state = await job.getState();
  if (NOT_STARTED.has(state)) {
    if (await removeIfNotStarted(job)) return { id, state: 'removed' };
    state = await job.getState();
  }
  if (state !== 'active') throw new ConflictError(`job ${id} is ${state}: only a job that has not finished can be cancelled`, { state });
  await bus.publish({ queue: queue.name, jobId: id });
  const after = await settledState(job, Date.now() + ACTIVE_CANCEL_WAIT_MS);
  if (after === 'failed') return { id, state: 'failed' };
  // Still running (its bridge is stuck or gone; its lock will lapse) or it finished just before.
  if (after === 'active') return { id, state: 'active', cancelRequested: true };
  throw new ConflictError(`job ${id} finished (${after}) before the cancel reached it`, { state: after });
};
