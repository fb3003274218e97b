// Adds a job the way BullMQ's Queue.add does (bullmq 6.7: Queue.addJob → Job.create →
// RedisQueueBackend.addJobToTransaction), through @upstash/redis: the same script per kind of job
// (delayed, prioritised, standard), the same keys and the same msgpack-packed arguments.

import type { Redis } from '@upstash/redis/cloudflare';
import type { ResolvedJobOptions } from '../../src/jobs/job-options.ts';
import { ADD_DELAYED_JOB, ADD_PRIORITIZED_JOB, ADD_STANDARD_JOB, type RestScript } from './bullmq-scripts.ts';
import { packHex } from './pack.ts';
import type { QueueKeys } from './queue-keys.ts';
import { runScript, runScriptAfterExists } from './run-script.ts';

export interface NewJob {
  name: string;
  /** The data as JSON text (BullMQ stores `JSON.stringify(data)`). */
  dataJson: string;
  opts: ResolvedJobOptions;
  /** Creation time in ms; BullMQ uses Date.now(). */
  timestamp: number;
}

export interface AddedJob {
  jobId: string;
  /** False when a job with the producer's jobId already existed (BullMQ returns that one). */
  created: boolean;
}

/** BullMQ's choice of script and its KEYS, in the order each script declares them. */
export const scriptFor = (opts: ResolvedJobOptions, keys: QueueKeys): { script: RestScript; scriptKeys: string[] } => {
  if (typeof opts.delay === 'number' && opts.delay > 0) {
    return { script: ADD_DELAYED_JOB, scriptKeys: [keys.marker, keys.meta, keys.id, keys.delayed, keys.completed, keys.events] };
  }
  if (opts.priority) {
    return {
      script: ADD_PRIORITIZED_JOB,
      scriptKeys: [keys.marker, keys.meta, keys.id, keys.prioritized, keys.delayed, keys.completed, keys.active, keys.events, keys.pc],
    };
  }
  return {
    script: ADD_STANDARD_JOB,
    scriptKeys: [keys.wait, keys.paused, keys.meta, keys.id, keys.completed, keys.delayed, keys.active, keys.events, keys.marker],
  };
};

/** ARGV as BullMQ builds it: packed arguments, data JSON, packed options (the first and last hex for REST). */
export const jobArgv = (job: NewJob, keys: QueueKeys): string[] => {
  // What BullMQ's Job constructor keeps: attempts defaults to 0; undefined options are dropped;
  // `telemetry.metadata` is stored as `tm` (BullMQ's optsAsJSON).
  const { telemetry, ...rest } = job.opts;
  const opts: Record<string, unknown> = { attempts: 0, ...rest, ...(telemetry ? { tm: telemetry.metadata } : {}) };
  // [key prefix, custom id, name, timestamp, parentKey, parent deps key, parent, repeat job key,
  //  deduplication key, defer parent release]: no parents, repeats or deduplication here.
  const args: unknown[] = [keys.base, job.opts.jobId ?? '', job.name, job.timestamp, null, null, undefined, undefined, null, null];
  return [packHex(args), job.dataJson, packHex(opts)];
};

const asJobId = (result: unknown, script: RestScript): string => {
  // The scripts answer the id, or a negative code for parent/flow problems, which cannot occur here.
  if (typeof result === 'string' && result !== '') return result;
  throw new Error(`${script.name} answered ${JSON.stringify(result)} instead of a job id`);
};

export const addJob = async (redis: Redis, keys: QueueKeys, job: NewJob): Promise<AddedJob> => {
  const argv = jobArgv(job, keys);
  const { script, scriptKeys } = scriptFor(job.opts, keys);
  if (job.opts.jobId === undefined) {
    return { jobId: asJobId(await runScript(redis, script, scriptKeys, argv), script), created: true };
  }
  const { existed, result } = await runScriptAfterExists(redis, `${keys.base}${job.opts.jobId}`, script, scriptKeys, argv);
  return { jobId: asJobId(result, script), created: !existed };
};
