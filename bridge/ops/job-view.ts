// How a job is shown by the operations routes (ARCHITECTURE "Operations"): a summary in lists, the
// summary plus data, options, return value and the attempt trail for one job.

import type { Job, Queue } from 'bullmq';
import type { JobDetail, JobSummary } from '../../src/ops-protocol.ts';
import { attemptsFromLogs } from './attempt-trail.ts';

export const jobSummary = (job: Job, state: string): JobSummary => ({
  id: job.id ?? '',
  name: job.name,
  state,
  attemptsMade: job.attemptsMade,
  timestamp: job.timestamp,
  ...(job.processedOn ? { processedOn: job.processedOn } : {}),
  ...(job.finishedOn ? { finishedOn: job.finishedOn } : {}),
  ...(job.failedReason ? { failedReason: job.failedReason } : {}),
});

export const jobDetail = async (queue: Queue, job: Job): Promise<JobDetail> => {
  const id = job.id ?? '';
  const [state, { logs }] = await Promise.all([job.getState(), queue.getJobLogs(id, 0, -1, true)]);
  return { ...jobSummary(job, state), data: job.data, opts: job.opts, returnvalue: job.returnvalue ?? null, attempts: attemptsFromLogs(logs) };
};
