// POST /internal/dispatch against a real feature stub: one test per row of ARCHITECTURE's
// classification table, and the call itself (seed-shaped body, headers, signature).

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { StubBehaviour } from '../support/feature-stub-types.ts';
import { dispatch, dispatchBatch, registerStubQueue, scriptStub, stubRequests, uniqueQueue } from './helpers.ts';

/** Registers a fresh queue whose stub answers `behaviour`, dispatches one job, returns both sides. */
const dispatchAgainst = async (behaviour: StubBehaviour, registration: Record<string, unknown> = {}) => {
  const queueName = uniqueQueue('dispatch');
  await registerStubQueue(queueName, registration);
  await scriptStub(queueName, [behaviour]);
  const outcome = await dispatch({ queueName, jobId: 'job-1', data: { to: 'ada@example.com' }, attemptsMade: 2 });
  return { queueName, outcome, requests: await stubRequests(queueName) };
};

describe('the feature call', () => {
  it('posts the seed-shaped body with the job headers and a signature the feature can verify', async () => {
    const { queueName, requests } = await dispatchAgainst({ body: { success: true, result: { sent: 1 } } });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request.path).toBe('/internal/process-job');
    expect(request.body).toEqual({ jobId: 'job-1', queueName, data: { to: 'ada@example.com' }, attemptsMade: 2 });
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'x-queue-job-id': 'job-1',
      'x-queue-name': queueName,
      'x-queue-attempt': '3',
      'idempotency-key': `${queueName}:job-1`,
    });
    expect(request.headers['x-queue-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(request.signatureValid).toBe(true);
  });

  it("forwards the job's traceparent as the feature call's header, and drops one that is not valid", async () => {
    const queueName = uniqueQueue('dispatch-trace');
    await registerStubQueue(queueName);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    expect(await dispatch({ queueName, jobId: 'traced', traceparent })).toMatchObject({ outcome: 'completed' });
    expect(await dispatch({ queueName, jobId: 'bad-trace', traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).toMatchObject({ outcome: 'completed' });

    const [traced, bad] = await stubRequests(queueName);
    expect(traced.headers.traceparent).toBe(traceparent);
    expect(bad.headers.traceparent).toBeUndefined();
  });

  it("forwards the job's BullMQ name as `name` in the body, and sends none when the job has none", async () => {
    const queueName = uniqueQueue('named');
    await registerStubQueue(queueName);
    await scriptStub(queueName, [{ body: { success: true } }]);
    await dispatch({ queueName, jobId: 'named', name: 'send-welcome', data: {} });
    await dispatch({ queueName, jobId: 'unnamed', data: {} });
    const requests = await stubRequests(queueName);
    expect(requests.map((request) => request.body)).toEqual([
      { jobId: 'named', queueName, data: {}, attemptsMade: 0, name: 'send-welcome' },
      { jobId: 'unnamed', queueName, data: {}, attemptsMade: 0 },
    ]);
  });

  it('uses the registration path', async () => {
    const { requests } = await dispatchAgainst({}, { path: '/jobs/run' });
    expect(requests[0].path).toBe('/jobs/run');
  });

  it("calls the feature for jobs named like Object.prototype's members, alone and in a batch", async () => {
    const queueName = uniqueQueue('proto-ids');
    await registerStubQueue(queueName, { concurrency: 10 });
    await scriptStub(queueName, [{ body: { success: true } }]);
    const names = ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'];
    for (const jobId of names) expect(await dispatch({ queueName, jobId }), jobId).toMatchObject({ outcome: 'completed' });
    const lines = await dispatchBatch(queueName, names.map((jobId) => ({ jobId, attemptsMade: 1 })));
    expect(lines.map((line) => [line.jobId, line.outcome]).sort()).toEqual(names.map((jobId) => [jobId, 'completed']).sort());
    expect((await stubRequests(queueName)).map((request) => (request.body as { jobId: string }).jobId).sort()).toEqual([...names, ...names].sort());
  });
});

describe('classification', () => {
  it('2xx {success:true, result} → completed with the result', async () => {
    const { outcome } = await dispatchAgainst({ body: { success: true, result: { messageId: 'm-1' } } });
    expect(outcome).toMatchObject({ outcome: 'completed', result: { messageId: 'm-1' } });
    expect(outcome.outcome === 'completed' && outcome.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('2xx {success:false, error} → failed, retryable', async () => {
    const { outcome } = await dispatchAgainst({ body: { success: false, error: 'mailbox full' } });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: true, error: { message: 'mailbox full', status: 200 } });
  });

  it('2xx {success:false, retryable:false} → failed, not retryable', async () => {
    const { outcome } = await dispatchAgainst({ body: { success: false, retryable: false, error: { message: 'address invalid' } } });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: false, error: { message: 'address invalid' } });
  });

  it('400 → failed, not retryable, with the feature’s message', async () => {
    const { outcome } = await dispatchAgainst({ status: 400, body: { error: 'template missing' } });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: false, error: { status: 400 } });
    expect(outcome.outcome === 'failed' && outcome.error.message).toContain('template missing');
  });

  it('404 → failed, not retryable', async () => {
    const { outcome } = await dispatchAgainst({ status: 404, rawBody: 'Not Found' });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: false, error: { status: 404 } });
  });

  it('408 → failed, retryable', async () => {
    const { outcome } = await dispatchAgainst({ status: 408 });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: true, error: { status: 408 } });
  });

  it('429 with Retry-After → throttled for that long', async () => {
    const { outcome } = await dispatchAgainst({ status: 429, headers: { 'Retry-After': '7' } });
    expect(outcome).toEqual({ outcome: 'throttled', retryAfterMs: 7000, reason: 'feature' });
  });

  it('429 asking for an hour → throttled, capped at five minutes', async () => {
    const { outcome } = await dispatchAgainst({ status: 429, headers: { 'Retry-After': '3600' } });
    expect(outcome).toMatchObject({ outcome: 'throttled', retryAfterMs: 300_000 });
  });

  it('500 → failed, retryable', async () => {
    const { outcome } = await dispatchAgainst({ status: 500, body: { error: { message: 'db down' } } });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: true, error: { status: 500 } });
    expect(outcome.outcome === 'failed' && outcome.error.message).toContain('db down');
  });

  it('503 with Retry-After → throttled', async () => {
    const { outcome } = await dispatchAgainst({ status: 503, headers: { 'Retry-After': '2' } });
    expect(outcome).toEqual({ outcome: 'throttled', retryAfterMs: 2000, reason: 'feature' });
  });

  it('503 without Retry-After → failed, retryable', async () => {
    const { outcome } = await dispatchAgainst({ status: 503 });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: true, error: { status: 503 } });
  });

  it('no answer within timeoutMs → failed, retryable, saying it timed out', async () => {
    const started = Date.now();
    const { outcome } = await dispatchAgainst({ hang: true }, { timeoutMs: 300 });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: true });
    expect(outcome.outcome === 'failed' && outcome.error.message).toMatch(/did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('connection refused → failed, retryable', async () => {
    const queueName = uniqueQueue('refused');
    await registerStubQueue(queueName, { endpoint: 'http://127.0.0.1:1' });
    const outcome = await dispatch({ queueName });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: true });
    expect(outcome.outcome === 'failed' && outcome.error.message).toMatch(/could not reach feature API/);
  });

  it('non-JSON 200 → failed, retryable, with a snippet of the answer', async () => {
    const { outcome } = await dispatchAgainst({ status: 200, rawBody: '<html>maintenance page</html>', headers: { 'content-type': 'text/html' } });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: true, error: { status: 200 } });
    expect(outcome.outcome === 'failed' && outcome.error.message).toContain('<html>maintenance page</html>');
  });

  it('unknown queue → failed, not retryable, saying so, and no feature call', async () => {
    const queueName = uniqueQueue('never-registered');
    const outcome = await dispatch({ queueName });
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: false });
    expect(outcome.outcome === 'failed' && outcome.error.message).toContain(`queue '${queueName}' is not registered`);
    expect(await stubRequests(queueName)).toHaveLength(0);
  });
});

describe('figures', () => {
  it('counts outcomes and keeps the last error for /internal/status', async () => {
    const queueName = uniqueQueue('figures');
    await registerStubQueue(queueName);
    await scriptStub(queueName, [{ body: { success: true } }, { status: 500, body: { error: 'boom' } }, { status: 422 }]);
    for (let i = 0; i < 3; i++) await dispatch({ queueName, jobId: `job-${i}` });
    const stats = await env.QUEUE_COORDINATOR.getByName(queueName).stats();
    expect(stats.totals).toMatchObject({ dispatched: 3, completed: 1, failedRetryable: 1, failedFinal: 1 });
    expect(stats.inFlight).toBe(0);
    expect(stats.lastError).toMatchObject({ status: 422, jobId: 'job-2' });
    expect(stats.latencyMs.p50).not.toBeNull();
  });
});
