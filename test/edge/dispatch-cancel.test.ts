// An operator's cancel at the edge: POST /internal/dispatch/cancel (bridge-signed) aborts one job's
// feature call, even inside a batch, through the coordinator; and the bridge reads /internal/status
// with its signature (it holds no admin token).

import { describe, expect, it } from 'vitest';
import {
  bridgeSignature,
  dispatchBatch,
  edgeFetch,
  edgeStatus,
  expectError,
  fieldsNamed,
  registerStubQueue,
  scriptStub,
  signedFetch,
  stubRequests,
  stubStats,
  uniqueQueue,
} from './helpers.ts';

const cancel = (body: unknown) => signedFetch('POST', '/internal/dispatch/cancel', JSON.stringify(body));

const waitUntil = async (probe: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe('POST /internal/dispatch/cancel', () => {
  it('aborts only the cancelled job of a running batch: its call fails, not retryable; the other runs on; the slots come back', async () => {
    const queueName = uniqueQueue('cancel');
    await registerStubQueue(queueName, { concurrency: 2, timeoutMs: 1_500 });
    await scriptStub(queueName, [{ hang: true }]);

    const batch = dispatchBatch(queueName, [{ jobId: 'doomed' }, { jobId: 'kept' }]);
    await waitUntil(async () => (await stubStats(queueName)).inFlight === 2, 'both calls at the feature');
    const answer = await cancel({ queueName, jobId: 'doomed' });

    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ aborted: 1 });
    const lines = Object.fromEntries((await batch).map((line) => [line.jobId, line]));
    expect(lines.doomed).toMatchObject({ outcome: 'failed', retryable: false, error: { message: 'cancelled by an operator' } });
    // The other job of the same request was left to its own timeout.
    expect(lines.kept).toMatchObject({ outcome: 'failed', retryable: true, error: { message: expect.stringContaining('did not answer within 1500 ms') } });
    expect((lines.doomed as { durationMs: number }).durationMs).toBeLessThan((lines.kept as { durationMs: number }).durationMs);
    expect((await stubStats(queueName)).aborted).toBe(2);
    const status = (await edgeStatus()).queues.find((queue) => queue.name === queueName);
    expect(status?.inFlight).toBe(0);
  });

  it('a job cancelled before its dispatch arrives gets no slot for a while: throttled, uncharged, and the feature is never called', async () => {
    const queueName = uniqueQueue('cancel-early');
    await registerStubQueue(queueName, { concurrency: 2 });
    expect(await (await cancel({ queueName, jobId: 'early' })).json()).toEqual({ aborted: 0 });

    const lines = Object.fromEntries((await dispatchBatch(queueName, [{ jobId: 'early' }, { jobId: 'other' }])).map((line) => [line.jobId, line]));

    // Throttled, not failed: an operator who retries the job at once only sees it delayed.
    expect(lines.early).toMatchObject({ outcome: 'throttled', reason: 'in_flight' });
    expect((lines.early as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(10_000);
    expect(lines.other).toMatchObject({ outcome: 'completed' });
    expect((await stubRequests(queueName)).map((r) => (r.body as { jobId: string }).jobId)).toEqual(['other']);
  });

  it('answers 0 for a job with no call running, and 400 naming each bad field', async () => {
    const queueName = uniqueQueue('cancel-idle');
    await registerStubQueue(queueName);
    const idle = await cancel({ queueName, jobId: 'nothing-running' });
    expect(await idle.json()).toEqual({ aborted: 0 });
    const error = await expectError(await cancel({ queueName: 'Bad Name', jobId: '' }), 400);
    expect(fieldsNamed(error)).toEqual(['queueName', 'jobId']);
  });

  it('is refused without a valid bridge signature', async () => {
    const body = JSON.stringify({ queueName: 'any', jobId: 'x' });
    await expectError(await edgeFetch('/internal/dispatch/cancel', { method: 'POST', body }), 401);
  });
});

describe('GET /internal/status signed by the bridge', () => {
  it("answers the bridge's signature like the admin token, and refuses a forged one", async () => {
    const queueName = uniqueQueue('status-signed');
    await registerStubQueue(queueName, { concurrency: 4 });
    const signed = await signedFetch('GET', '/internal/status');
    expect(signed.status).toBe(200);
    const body = (await signed.json()) as { queues: { name: string; limit: number }[] };
    expect(body.queues.find((queue) => queue.name === queueName)?.limit).toBe(4);

    const forged = await bridgeSignature('GET', '/internal/status', '', { secret: 'not-the-bridge-secret-at-all' });
    await expectError(await edgeFetch('/internal/status', { headers: { 'X-Queue-Signature': forged } }), 401);
  });
});
