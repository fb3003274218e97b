// Field-by-field checks for the bridge's dispatch and heartbeat bodies.

import { MAX_BATCH_JOBS, type BridgeWorkerStatus, type DispatchRequest, type FieldError, type HeartbeatRequest } from '../../src/protocol.ts';
import { isPlainObject } from '../../src/json.ts';
import { isValidQueueName, queueNameError, type ValidationResult } from '../../src/registration.ts';

const MAX_ID_LENGTH = 256;
const MAX_HEARTBEAT_WORKERS = 1000;

const isShortString = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

export const parseDispatchRequest = (body: unknown): ValidationResult<DispatchRequest> => {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  if (!isShortString(body.jobId)) errors.push({ field: 'jobId', message: `must be a non-empty string of at most ${MAX_ID_LENGTH} characters` });
  if (!isValidQueueName(body.queueName)) errors.push(queueNameError('queueName'));
  if (!isCount(body.attemptsMade)) errors.push({ field: 'attemptsMade', message: 'must be a non-negative integer' });
  if (body.name !== undefined && typeof body.name !== 'string') errors.push({ field: 'name', message: 'must be a string when given' });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      jobId: body.jobId as string,
      queueName: body.queueName as string,
      data: body.data ?? null,
      attemptsMade: body.attemptsMade as number,
      ...(typeof body.name === 'string' ? { name: body.name } : {}),
    },
  };
};

/** A batch is one queue's jobs; each job is checked like a single dispatch, its errors prefixed. */
export const parseDispatchBatch = (body: unknown): ValidationResult<{ queueName: string; jobs: DispatchRequest[] }> => {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
  if (!isValidQueueName(body.queueName)) return { ok: false, errors: [queueNameError('queueName')] };
  if (!Array.isArray(body.jobs) || body.jobs.length === 0 || body.jobs.length > MAX_BATCH_JOBS) {
    return { ok: false, errors: [{ field: 'jobs', message: `must be an array of 1 to ${MAX_BATCH_JOBS} jobs` }] };
  }
  const queueName = body.queueName;
  const errors: FieldError[] = [];
  const jobs: DispatchRequest[] = [];
  const seen = new Set<string>();
  body.jobs.forEach((job: unknown, i: number) => {
    const parsed = parseDispatchRequest(isPlainObject(job) ? { ...job, queueName } : job);
    if (!parsed.ok) errors.push(...parsed.errors.map((e) => ({ field: `jobs[${i}].${e.field}`, message: e.message })));
    else if (seen.has(parsed.value.jobId)) errors.push({ field: `jobs[${i}].jobId`, message: 'appears twice in the batch' });
    else {
      seen.add(parsed.value.jobId);
      jobs.push(parsed.value);
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { queueName, jobs } };
};

export const parseHeartbeat = (body: unknown): ValidationResult<HeartbeatRequest> => {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  if (!isShortString(body.bridgeId)) errors.push({ field: 'bridgeId', message: `must be a non-empty string of at most ${MAX_ID_LENGTH} characters` });
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
