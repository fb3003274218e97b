// Whether a job as BullMQ holds it can be dispatched at all (ARCHITECTURE "Poison jobs"). Producers
// refuse such jobs up front; this is for the ones plain BullMQ producers still add, which the bridge
// must fail at once, naming the rule, instead of retrying them forever as edge faults.

import { holdsUnsafeInteger, inexactNumberProblem, serialiseJobData } from './job-data.ts';
import { dispatchableJobIdProblem } from './job-id.ts';

/**
 * Why `job` can never be dispatched, as `<field> <rule>`, or undefined when it can. `storedData`
 * reads the data as stored, asked for only when a number in it may have been rounded in parsing.
 */
export const dispatchProblem = async (job: { jobId: unknown; data: unknown }, storedData: () => Promise<string | null>): Promise<string | undefined> => {
  const idProblem = dispatchableJobIdProblem(job.jobId);
  if (idProblem) return `jobId ${idProblem}`;
  const data = serialiseJobData(job.data);
  if (!data.ok) return `data ${data.message}`;
  if (!holdsUnsafeInteger(job.data)) return undefined;
  const text = await storedData();
  const problem = text === null ? undefined : inexactNumberProblem(text);
  return problem && `data ${problem}`;
};
