// Whether a job as BullMQ holds it can be dispatched at all (ARCHITECTURE "Poison jobs"). Producers
// refuse such jobs up front; this is for the ones plain BullMQ producers still add, which the bridge
// must fail at once, naming the rule, instead of retrying them forever as edge faults.

import { serialiseJobData } from './job-data.ts';
import { dispatchableJobIdProblem } from './job-id.ts';

/** Why `job` can never be dispatched, as `<field> <rule>`, or undefined when it can. */
export const dispatchProblem = (job: { jobId: unknown; data: unknown }): string | undefined => {
  const idProblem = dispatchableJobIdProblem(job.jobId);
  if (idProblem) return `jobId ${idProblem}`;
  const data = serialiseJobData(job.data);
  return data.ok ? undefined : `data ${data.message}`;
};
