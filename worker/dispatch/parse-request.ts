// Field-by-field checks for the bridge's dispatch and heartbeat bodies.

import {
  MAX_BATCH_JOBS,
  type BridgeWorkerStatus,
  type DispatchBatchRequest,
  type DispatchOutcome,
  type FieldError,
  type HeartbeatRequest,
} from '../../src/protocol.ts';
import { dispatchableJobIdProblem } from '../../src/jobs/job-id.ts';
import { dataSizeProblem } from '../../src/jobs/job-data.ts';
import { MAX_JOB_DATA_BYTES } from '../../src/jobs/limits.ts';
import { isPlainObject } from '../../src/json.ts';
import { isTraceparent } from '../../src/tracing/traceparent.ts';
import { isValidQueueName, queueNameError, type ValidationResult } from '../../src/registration.ts';

const MAX_HEARTBEAT_WORKERS = 1000;
const MAX_BRIDGE_ID_LENGTH = 256;
/** What the bridge itself accepts as BRIDGE_ID: printable, no spaces. */
const BRIDGE_ID_PATTERN = /^[\x21-\x7e]+$/;

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * A job the edge cannot take (an id BullMQ or HTTP headers cannot carry, data over the job limit).
 * It is the job's fault, so it is answered with its own `failed` outcome, never by refusing the
 * whole request: a refused request is an edge fault to the bridge, which would retry it forever.
 */
export interface JobRefusal {
  jobId: string;
  errors: FieldError[];
}

/** One job of a dispatch; its queue is the request's. */
export type QueuedJob = DispatchBatchRequest['jobs'][number];

export type ParsedJob =
  | { ok: true; job: QueuedJob }
  /** `wellFormed`: only the job's id or data is at fault, not the request's shape. */
  | { ok: false; errors: FieldError[]; wellFormed: boolean };

export const refusedOutcome = ({ errors }: JobRefusal): DispatchOutcome => ({
  outcome: 'failed',
  retryable: false,
  error: { message: `the edge cannot take this job: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}` },
  durationMs: 0,
});

/**
 * One job of a dispatch. Data rules (nesting, numbers) were the bridge's to check before it sent the
 * job; the edge checks what it relies on itself: the id it puts into headers, and data size when the
 * request is larger than one job may be (`checkDataSize`).
 */
const parseJob = (body: Record<string, unknown>, checkDataSize: boolean): ParsedJob => {
  const errors: FieldError[] = [];
  if (!isCount(body.attemptsMade)) errors.push({ field: 'attemptsMade', message: 'must be a non-negative integer' });
  if (body.name !== undefined && typeof body.name !== 'string') errors.push({ field: 'name', message: 'must be a string when given' });
  const wellFormed = errors.length === 0 && typeof body.jobId === 'string';
  const idProblem = dispatchableJobIdProblem(body.jobId);
  if (idProblem) errors.push({ field: 'jobId', message: idProblem });
  if (checkDataSize && errors.length === 0) {
    const tooLarge = dataSizeProblem(JSON.stringify(body.data ?? null));
    if (tooLarge) errors.push({ field: 'data', message: tooLarge });
  }
  if (errors.length > 0) return { ok: false, errors, wellFormed };
  return {
    ok: true,
    job: {
      jobId: body.jobId as string,
      data: body.data ?? null,
      attemptsMade: body.attemptsMade as number,
      ...(typeof body.name === 'string' ? { name: body.name } : {}),
      // W3C: a traceparent that is not valid is dropped, never a reason to refuse the job.
      ...(isTraceparent(body.traceparent) ? { traceparent: body.traceparent } : {}),
    },
  };
};

export interface ParsedBatch {
  queueName: string;
  jobs: QueuedJob[];
  refused: JobRefusal[];
}

/**
 * POST /internal/dispatch, read as a batch of one: a malformed request is a 400; a well-formed one
 * for a job that cannot run, a refusal.
 */
export const parseDispatchRequest = (body: unknown): ValidationResult<ParsedBatch> => {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
  if (!isValidQueueName(body.queueName)) return { ok: false, errors: [queueNameError('queueName')] };
  const parsed = parseJob(body, false);
  if (parsed.ok) return { ok: true, value: { queueName: body.queueName, jobs: [parsed.job], refused: [] } };
  if (!parsed.wellFormed) return { ok: false, errors: parsed.errors };
  return { ok: true, value: { queueName: body.queueName, jobs: [], refused: [{ jobId: body.jobId as string, errors: parsed.errors }] } };
};

/**
 * A batch is one queue's jobs. Any job that names its id as a string gets its own answer line, so
 * only jobs whose line could not be matched (no string id, or an id twice) make the batch a 400.
 */
export const parseDispatchBatch = (body: unknown, bodyLength: number): ValidationResult<ParsedBatch> => {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
  if (!isValidQueueName(body.queueName)) return { ok: false, errors: [queueNameError('queueName')] };
  if (!Array.isArray(body.jobs) || body.jobs.length === 0 || body.jobs.length > MAX_BATCH_JOBS) {
    return { ok: false, errors: [{ field: 'jobs', message: `must be an array of 1 to ${MAX_BATCH_JOBS} jobs` }] };
  }
  const queueName = body.queueName;
  // Only a body that may be larger than one job's data can hold a job over the limit (UTF-8 takes
  // at most 3 bytes per UTF-16 unit), so the usual batch costs no second serialisation.
  const checkDataSize = bodyLength * 3 > MAX_JOB_DATA_BYTES;
  const errors: FieldError[] = [];
  const batch: ParsedBatch = { queueName, jobs: [], refused: [] };
  const seen = new Set<string>();
  body.jobs.forEach((job: unknown, i: number) => {
    if (!isPlainObject(job)) return errors.push({ field: `jobs[${i}]`, message: 'must be a JSON object' });
    if (typeof job.jobId === 'string' && seen.has(job.jobId)) return errors.push({ field: `jobs[${i}].jobId`, message: 'appears twice in the batch' });
    const parsed = parseJob(job, checkDataSize);
    if (parsed.ok) batch.jobs.push(parsed.job);
    else if (typeof job.jobId === 'string') batch.refused.push({ jobId: job.jobId, errors: parsed.errors });
    else errors.push(...parsed.errors.map((e) => ({ field: `jobs[${i}].${e.field}`, message: e.message })));
    if (typeof job.jobId === 'string') seen.add(job.jobId);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: batch };
};

export const parseHeartbeat = (body: unknown): ValidationResult<HeartbeatRequest> => {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  if (typeof body.bridgeId !== 'string' || body.bridgeId.length > MAX_BRIDGE_ID_LENGTH || !BRIDGE_ID_PATTERN.test(body.bridgeId)) {
    errors.push({ field: 'bridgeId', message: `must be 1 to ${MAX_BRIDGE_ID_LENGTH} printable characters without spaces` });
  }
  if (typeof body.startedAt !== 'string' || Number.isNaN(Date.parse(body.startedAt))) errors.push({ field: 'startedAt', message: 'must be an ISO date string' });
  const workers: BridgeWorkerStatus[] = [];
  if (!Array.isArray(body.workers) || body.workers.length > MAX_HEARTBEAT_WORKERS) {
    errors.push({ field: 'workers', message: `must be an array of at most ${MAX_HEARTBEAT_WORKERS} entries` });
  } else {
    body.workers.forEach((worker: unknown, i: number) => {
      if (!isPlainObject(worker) || !isValidQueueName(worker.queue) || typeof worker.running !== 'boolean' || !isCount(worker.concurrency)) {
        errors.push({ field: `workers[${i}]`, message: 'must be { queue, running: boolean, concurrency: integer, counts? }' });
        return;
      }
      const counts = isPlainObject(worker.counts) ? worker.counts : undefined;
      workers.push({
        queue: worker.queue,
        running: worker.running,
        concurrency: worker.concurrency,
        ...(counts
          ? {
              counts: {
                waiting: Number(counts.waiting) || 0,
                active: Number(counts.active) || 0,
                delayed: Number(counts.delayed) || 0,
                failed: Number(counts.failed) || 0,
                completed: Number(counts.completed) || 0,
              },
            }
          : {}),
      });
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { bridgeId: body.bridgeId as string, startedAt: body.startedAt as string, workers } };
};

/** `POST /internal/dispatch/cancel`: which job's feature call to abort. */
export interface CancelRequest {
  queueName: string;
  jobId: string;
}

export const parseCancelRequest = (body: unknown): ValidationResult<CancelRequest> => {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  if (!isValidQueueName(body.queueName)) errors.push(queueNameError('queueName'));
  const idProblem = dispatchableJobIdProblem(body.jobId);
  if (idProblem) errors.push({ field: 'jobId', message: idProblem });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { queueName: body.queueName as string, jobId: body.jobId as string } };
};

/** `POST /internal/registrations/:name/paused`: an operator's pause or resume, relayed by the bridge. */
export const parsePausedRequest = (body: unknown): ValidationResult<{ paused: boolean }> => {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
  const errors: FieldError[] = Object.keys(body)
    .filter((key) => key !== 'paused')
    .map((key) => ({ field: key, message: 'is not a known field' }));
  if (typeof body.paused !== 'boolean') errors.push({ field: 'paused', message: 'must be true or false' });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { paused: body.paused as boolean } };
};
