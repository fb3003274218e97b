// POST /internal/dispatch/batch: several jobs of one queue per request, each answered on its own
// line as soon as it is done, under the same global limit as single dispatches.

import { describe, expect, it } from 'vitest';
import { MAX_JOB_DATA_BYTES } from '../../src/jobs/limits.ts';
import { MAX_BATCH_JOBS, type DispatchBatchLine } from '../../src/protocol.ts';
import { dispatch, dispatchBatch, patchRegistration, registerStubQueue, scriptStub, signedFetch, stubRequests, stubStats, uniqueQueue } from './helpers.ts';

describe('batched dispatch', () => {
  it('answers every job with its own outcome, the fast ones before the slow one', async () => {
    const queueName = uniqueQueue('batch');
    await registerStubQueue(queueName, { concurrency: 5 });
    await scriptStub(queueName, [
      { delayMs: 600, body: { success: true, result: 'slow' } },
      { body: { success: true, result: 'fast' } },
      { status: 500 },
      { status: 400 },
      { status: 429, headers: { 'Retry-After': '3' } },
    ]);
    // The stub answers by arrival order, which the edge does not promise; expectations follow arrival.
    const jobs = ['slow', 'fast', 'broken', 'rejected', 'throttled'].map((jobId) => ({ jobId, data: { jobId } }));

    const lines = await dispatchBatch(queueName, jobs);

    expect(lines).toHaveLength(5);
    const byJob = Object.fromEntries(lines.map((line) => [line.jobId, line]));
    const byArrival = (await stubRequests(queueName)).map((r) => (r.body as { jobId: string }).jobId);
    const expectations: Record<number, object> = {
      0: { outcome: 'completed', result: 'slow' },
      1: { outcome: 'completed', result: 'fast' },
      2: { outcome: 'failed', retryable: true },
      3: { outcome: 'failed', retryable: false },
      4: { outcome: 'throttled', retryAfterMs: 3000 },
    };
    byArrival.forEach((jobId, index) => expect(byJob[jobId]).toMatchObject(expectations[index]));
    expect(lines.at(-1)?.jobId).toBe(byArrival[0]);
  });

  it('keeps the global limit: a batch bigger than the free slots waits its turn', async () => {
    const queueName = uniqueQueue('batch-limit');
    await registerStubQueue(queueName, { concurrency: 2 });
    await scriptStub(queueName, [{ delayMs: 150 }]);
    const lines = await dispatchBatch(queueName, Array.from({ length: 6 }, (_, i) => ({ jobId: `job-${i}` })));
    expect(lines.map((l) => l.outcome)).toEqual(Array(6).fill('completed'));
    expect((await stubStats(queueName)).maxInFlight).toBe(2);
  });

  it('paused → every job throttled; unknown queue → every job failed, not retryable', async () => {
    const queueName = uniqueQueue('batch-paused');
    await registerStubQueue(queueName);
    await patchRegistration(queueName, { paused: true });
    const paused = await dispatchBatch(queueName, [{ jobId: 'a' }, { jobId: 'b' }]);
    expect(paused).toEqual([
      expect.objectContaining({ jobId: 'a', outcome: 'throttled', reason: 'paused' }),
      expect.objectContaining({ jobId: 'b', outcome: 'throttled', reason: 'paused' }),
    ]);
    const unknown = await dispatchBatch(uniqueQueue('batch-unknown'), [{ jobId: 'c' }]);
    expect(unknown).toEqual([expect.objectContaining({ jobId: 'c', outcome: 'failed', retryable: false })]);
    expect(await stubRequests(queueName)).toHaveLength(0);
  });

  it('answers a job it cannot take with its own failed line and runs the rest (issue 11)', async () => {
    const queueName = uniqueQueue('batch-poison');
    await registerStubQueue(queueName, { concurrency: 5 });
    const longId = `order-${'x'.repeat(300)}`;
    const body = JSON.stringify({
      queueName,
      jobs: [
        { jobId: longId, data: {}, attemptsMade: 0 },
        { jobId: 'good-1', data: { n: 1 }, attemptsMade: 0 },
        { jobId: 'meta', data: {}, attemptsMade: 0 },
        { jobId: 'line\r\nbreak', data: {}, attemptsMade: 0 },
        { jobId: 'bad-count', data: {}, attemptsMade: -1 },
        { jobId: 'good-2', data: { n: 2 }, attemptsMade: 0 },
      ],
    });

    const response = await signedFetch('POST', '/internal/dispatch/batch', body);

    expect(response.status).toBe(200);
    const lines = (await response.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as DispatchBatchLine);
    const byJob = new Map(lines.map((line) => [line.jobId, line]));
    expect(lines).toHaveLength(6);
    expect(byJob.get(longId)).toMatchObject({ outcome: 'failed', retryable: false, error: { message: expect.stringMatching(/^the edge cannot take this job: jobId must be at most 256/) } });
    expect(byJob.get('meta')).toMatchObject({ outcome: 'failed', retryable: false, error: { message: expect.stringContaining("BullMQ's own key names") } });
    expect(byJob.get('line\r\nbreak')).toMatchObject({ outcome: 'failed', retryable: false, error: { message: expect.stringContaining('printable ASCII') } });
    expect(byJob.get('bad-count')).toMatchObject({ outcome: 'failed', retryable: false, error: { message: expect.stringContaining('attemptsMade') } });
    expect(byJob.get('good-1')).toMatchObject({ outcome: 'completed' });
    expect(byJob.get('good-2')).toMatchObject({ outcome: 'completed' });
    expect((await stubRequests(queueName)).map((r) => (r.body as { jobId: string }).jobId).sort()).toEqual(['good-1', 'good-2']);
  });

  it('refuses a job whose data is over the one-job limit inside a large batch', async () => {
    const queueName = uniqueQueue('batch-big');
    await registerStubQueue(queueName);
    const lines = await dispatchBatch(queueName, [{ jobId: 'big', data: 'x'.repeat(MAX_JOB_DATA_BYTES + 1) }, { jobId: 'small' }]);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ jobId: 'big', outcome: 'failed', retryable: false }),
        expect.objectContaining({ jobId: 'small', outcome: 'completed' }),
      ]),
    );
  });

  it('the single route answers a job it cannot take with a failed outcome, not a 400', async () => {
    const queueName = uniqueQueue('single-poison');
    await registerStubQueue(queueName);
    expect(await dispatch({ queueName, jobId: 'wait' })).toMatchObject({ outcome: 'failed', retryable: false, durationMs: 0 });
    expect(await stubRequests(queueName)).toHaveLength(0);
  });

  it('rejects a bad batch before running any of it', async () => {
    const queueName = uniqueQueue('batch-bad');
    await registerStubQueue(queueName);
    const send = (body: unknown) => signedFetch('POST', '/internal/dispatch/batch', JSON.stringify(body));
    const duplicate = await send({ queueName, jobs: [{ jobId: 'x', data: {}, attemptsMade: 0 }, { jobId: 'x', data: {}, attemptsMade: 0 }] });
    expect(duplicate.status).toBe(400);
    expect(((await duplicate.json()) as { error: { details: { field: string }[] } }).error.details).toEqual([
      expect.objectContaining({ field: 'jobs[1].jobId' }),
    ]);
    const tooMany = await send({ queueName, jobs: Array.from({ length: MAX_BATCH_JOBS + 1 }, (_, i) => ({ jobId: `j${i}`, data: {}, attemptsMade: 0 })) });
    expect(tooMany.status).toBe(400);
    // A job whose answer line could not be matched (no string id) makes the whole batch a 400.
    const badJob = await send({ queueName, jobs: [{ jobId: 42, data: {}, attemptsMade: 0 }] });
    expect(((await badJob.json()) as { error: { details: { field: string }[] } }).error.details[0].field).toBe('jobs[0].jobId');
    expect(await stubRequests(queueName)).toHaveLength(0);
  });
});
