// Replays: a signed dispatch is accepted once (the queue's coordinator remembers it for every
// isolate), and one attempt of a job runs at most once at a time; a job sent again with a fresh
// request keeps working.

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { DispatchOutcome } from '../../src/protocol.ts';
import {
  bridgeSignature,
  dispatch,
  dispatchBatch,
  edgeFetch,
  expectError,
  patchRegistration,
  registerStubQueue,
  scriptStub,
  stubRequests,
  stubStats,
  uniqueQueue,
} from './helpers.ts';

const coordinator = (queueName: string) => env.QUEUE_COORDINATOR.getByName(queueName);
const now = () => Math.floor(Date.now() / 1000);

/** One exact request, as captured on the wire: same headers, same body, sent as often as asked. */
const captured = async (path: string, body: string, t = now()) => {
  const signature = await bridgeSignature('POST', path, body, { t });
  return () => edgeFetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Queue-Signature': signature }, body });
};

describe('a replayed dispatch', () => {
  it('sent again 1.5 s later is refused 409 replayed; the feature is called once', async () => {
    const queueName = uniqueQueue('replay');
    await registerStubQueue(queueName);
    const send = await captured('/internal/dispatch', JSON.stringify({ jobId: 'job-1', queueName, data: {}, attemptsMade: 0 }));

    expect(await (await send()).json()).toMatchObject({ outcome: 'completed' });
    // The reproduction: the same request again, 1.5 s later (well inside the 5-minute window).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const error = await expectError(await send(), 409);

    expect(error.code).toBe('replayed');
    expect(await stubRequests(queueName)).toHaveLength(1);
  });

  it('of a batch is refused whole; each job was called once', async () => {
    const queueName = uniqueQueue('replay-batch');
    await registerStubQueue(queueName);
    const jobs = ['a', 'b'].map((jobId) => ({ jobId, data: {}, attemptsMade: 0 }));
    const send = await captured('/internal/dispatch/batch', JSON.stringify({ queueName, jobs }));

    const first = await send();
    expect(first.status).toBe(200);
    expect((await first.text()).trim().split('\n')).toHaveLength(2);
    expect((await expectError(await send(), 409)).code).toBe('replayed');
    expect((await stubRequests(queueName)).map((r) => (r.body as { jobId: string }).jobId).sort()).toEqual(['a', 'b']);
  });

  it('is caught by the queue coordinator for every isolate, not only the one that saw it first', async () => {
    const queueName = uniqueQueue('replay-global');
    await registerStubQueue(queueName);
    const signature = { mac: 'ab'.repeat(32), validUntil: Date.now() + 60_000 };

    expect(await coordinator(queueName).acquire({ jobId: 'j1', attemptsMade: 0, maxWaitMs: 0, signature })).toMatchObject({ status: 'granted' });
    expect(await coordinator(queueName).acquire({ jobId: 'j2', attemptsMade: 0, maxWaitMs: 0, signature })).toEqual({ status: 'replayed' });
    expect(await coordinator(queueName).acquireMany([{ jobId: 'j3', attemptsMade: 0 }], signature)).toEqual({ status: 'replayed' });
    expect((await coordinator(queueName).stats()).totals.dispatched).toBe(1);
  });

  it('does not apply to the registrations poll, which replicas may sign identically', async () => {
    const signature = await bridgeSignature('GET', '/internal/registrations');
    for (let i = 0; i < 2; i++) {
      expect((await edgeFetch('/internal/registrations', { headers: { 'X-Queue-Signature': signature } })).status).toBe(200);
    }
  });
});

describe('one attempt of a job at a time', () => {
  it('a second dispatch of the same (jobId, attemptsMade) while the first runs is throttled in_flight, uncharged; after it, it runs', async () => {
    const queueName = uniqueQueue('in-flight');
    await registerStubQueue(queueName, { concurrency: 5 });
    await scriptStub(queueName, [{ delayMs: 1_500 }, {}]);
    const first = dispatch({ queueName, jobId: 'job-1', attemptsMade: 2 });
    await expect.poll(async () => (await stubStats(queueName)).inFlight).toBe(1);

    const second: DispatchOutcome = await dispatch({ queueName, jobId: 'job-1', attemptsMade: 2 });
    const inBatch = await dispatchBatch(queueName, [{ jobId: 'job-1', attemptsMade: 2 }, { jobId: 'job-2' }]);

    expect(second).toMatchObject({ outcome: 'throttled', reason: 'in_flight' });
    expect(second.outcome === 'throttled' && second.retryAfterMs).toBeGreaterThanOrEqual(50);
    expect(second.outcome === 'throttled' && second.retryAfterMs).toBeLessThanOrEqual(1_500);
    expect(inBatch.find((line) => line.jobId === 'job-1')).toMatchObject({ outcome: 'throttled', reason: 'in_flight' });
    expect(inBatch.find((line) => line.jobId === 'job-2')).toMatchObject({ outcome: 'completed' });
    expect(await first).toMatchObject({ outcome: 'completed' });
    expect(await dispatch({ queueName, jobId: 'job-1', attemptsMade: 2 })).toMatchObject({ outcome: 'completed' });
    expect((await stubRequests(queueName)).filter((r) => (r.body as { jobId: string }).jobId === 'job-1')).toHaveLength(2);
  });

  it('a job throttled and sent again in the same second completes: a fresh requestId makes a fresh signature', async () => {
    const queueName = uniqueQueue('throttled-again');
    await registerStubQueue(queueName);
    await patchRegistration(queueName, { paused: true });
    const t = now();
    const job = { jobId: 'job-1', queueName, data: {}, attemptsMade: 0 };
    const firstTry = await captured('/internal/dispatch', JSON.stringify({ ...job, requestId: 'first' }), t);
    expect(await (await firstTry()).json()).toMatchObject({ outcome: 'throttled', reason: 'paused' });

    await patchRegistration(queueName, { paused: false });
    const secondTry = await captured('/internal/dispatch', JSON.stringify({ ...job, requestId: 'second' }), t);
    expect(await (await secondTry()).json()).toMatchObject({ outcome: 'completed' });
    expect((await expectError(await firstTry(), 409)).code).toBe('replayed');
    expect(await stubRequests(queueName)).toHaveLength(1);
  });
});
