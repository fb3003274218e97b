// GET /internal/status (admin): each queue's registration and figures, and the bridges that report.

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  adminFetch,
  dispatch,
  edgeFetch,
  edgeStatus,
  expectError,
  fieldsNamed,
  patchRegistration,
  registerStubQueue,
  registrationPath,
  scriptStub,
  signedFetch,
  uniqueQueue,
  type QueueStatus,
} from './helpers.ts';

const queueStatus = async (name: string): Promise<QueueStatus | undefined> => (await edgeStatus()).queues.find((queue) => queue.name === name);

const heartbeat = (body: unknown) => signedFetch('POST', '/internal/heartbeat', JSON.stringify(body));

describe('GET /internal/status', () => {
  it('requires the admin token', async () => {
    await expectError(await edgeFetch('/internal/status'), 401);
    await expectError(await adminFetch('/internal/status', {}, `${env.ADMIN_TOKEN}-wrong`), 401);
  });

  it('shows a new queue with its registration and empty figures', async () => {
    const name = uniqueQueue('status');
    const registration = await registerStubQueue(name, { concurrency: 3 });
    expect(await queueStatus(name)).toEqual({
      name,
      registration,
      inFlight: 0,
      limit: 3,
      waiting: 0,
      rate: null,
      totals: { dispatched: 0, completed: 0, failedRetryable: 0, failedFinal: 0, throttled: 0, throttledBudget: 0, leasesExpired: 0 },
      latencyMs: { p50: null, p95: null },
      lastError: null,
      budget: { perIsolate: 256, held: 0, capped: null },
      depth: null,
    });
  });

  it("shows what a queue holds of the edge's dispatch budget while its calls run", async () => {
    const name = uniqueQueue('status');
    await registerStubQueue(name, { concurrency: 2 });
    await scriptStub(name, [{ delayMs: 1_500 }]);
    const running = Promise.all(['a', 'b', 'c'].map((jobId) => dispatch({ queueName: name, jobId })));
    // Two calls hold slots and the third waits in line: all three hold part of the budget.
    await expect.poll(async () => (await queueStatus(name))?.budget.held).toBe(3);
    await running;
    expect((await queueStatus(name))?.budget.held).toBe(0);
  });

  it('says plainly when the registered concurrency is above what one isolate runs', async () => {
    const name = uniqueQueue('status');
    await registerStubQueue(name, { concurrency: 300 });
    expect((await queueStatus(name))?.budget).toEqual({
      perIsolate: 256,
      held: 0,
      capped: expect.stringMatching(/concurrency 300 is above .*256 per isolate \(ISOLATE_DISPATCH_BUDGET\)/),
    });
  });

  it('still answers without Redis access, saying why the queue depth is missing', async () => {
    const name = uniqueQueue('status');
    await registerStubQueue(name);
    const status = await edgeStatus();
    expect(status.queues.find((q) => q.name === name)?.depth).toBeNull();
    expect(status.depthError).toMatch(/UPSTASH_REDIS_REST_URL/);
  });

  it("keeps a feature's megabyte of error to 1 KiB, in the outcome and in lastError (issue 11)", async () => {
    const name = uniqueQueue('status');
    await registerStubQueue(name);
    await scriptStub(name, [{ body: { success: false, error: 'E'.repeat(1_000_000) } }]);
    const outcome = await dispatch({ queueName: name, jobId: 'loud-1' });
    const kept = (message: string | undefined) => new TextEncoder().encode(message ?? '').byteLength;
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: true });
    expect(kept(outcome.outcome === 'failed' ? outcome.error.message : undefined)).toBeLessThanOrEqual(1024);
    const status = await queueStatus(name);
    expect(status?.lastError?.message).toMatch(/^E+…$/);
    expect(kept(status?.lastError?.message)).toBeLessThanOrEqual(1024);
  });

  it('counts dispatches by outcome, with latency and the last error', async () => {
    const name = uniqueQueue('status');
    await registerStubQueue(name, { concurrency: 2 });
    await scriptStub(name, [{ body: { success: true, result: 1 } }, { status: 500, body: { error: 'database down' } }, { status: 422 }]);
    expect(await dispatch({ queueName: name, jobId: 'ok-1' })).toMatchObject({ outcome: 'completed' });
    expect(await dispatch({ queueName: name, jobId: 'boom-2' })).toMatchObject({ outcome: 'failed', retryable: true });
    expect(await dispatch({ queueName: name, jobId: 'bad-3' })).toMatchObject({ outcome: 'failed', retryable: false });
    await patchRegistration(name, { paused: true });
    expect(await dispatch({ queueName: name, jobId: 'held-4' })).toMatchObject({ outcome: 'throttled' });

    const status = await queueStatus(name);
    expect(status).toMatchObject({
      inFlight: 0,
      limit: 2,
      registration: { paused: true, version: 2 },
      totals: { dispatched: 3, completed: 1, failedRetryable: 1, failedFinal: 1, throttled: 1, leasesExpired: 0 },
      lastError: { jobId: 'bad-3', status: 422 },
    });
    expect(status!.latencyMs.p50).toEqual(expect.any(Number));
    expect(status!.latencyMs.p95).toBeGreaterThanOrEqual(status!.latencyMs.p50!);
    expect(Date.parse(status!.lastError!.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('drops a deleted queue', async () => {
    const name = uniqueQueue('status');
    await registerStubQueue(name);
    expect(await queueStatus(name)).toBeDefined();
    expect((await adminFetch(registrationPath(name), { method: 'DELETE' })).status).toBe(204);
    expect(await queueStatus(name)).toBeUndefined();
  });

  it('lists a bridge after its heartbeat, with its workers', async () => {
    const bridgeId = uniqueQueue('bridge');
    const startedAt = new Date().toISOString();
    const workers = [{ queue: 'email', running: true, concurrency: 2, counts: { waiting: 4, active: 2, delayed: 0, failed: 1, completed: 9 } }];
    expect((await heartbeat({ bridgeId, startedAt, workers })).status).toBe(204);

    const { bridges } = await edgeStatus();
    expect(bridges.stale).toBe(false);
    const bridge = bridges.bridges.find((b) => b.bridgeId === bridgeId);
    expect(bridge).toMatchObject({ bridgeId, startedAt, workers, stale: false });
    expect(Date.parse(bridge!.lastSeenAt)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('POST /internal/heartbeat', () => {
  it("keeps a bridge whose id is '__proto__' like any other (issue 11)", async () => {
    const startedAt = new Date().toISOString();
    expect((await heartbeat({ bridgeId: '__proto__', startedAt, workers: [] })).status).toBe(204);
    expect((await edgeStatus()).bridges.bridges.find((b) => b.bridgeId === '__proto__')).toMatchObject({ startedAt, stale: false });
  });

  const valid = () => ({ bridgeId: uniqueQueue('bridge'), startedAt: new Date().toISOString(), workers: [] as unknown[] });

  it.each([
    ['bridgeId', { bridgeId: '' }],
    ['bridgeId', { bridgeId: 42 }],
    ['bridgeId', { bridgeId: 'bridge\u0000one' }],
    ['bridgeId', { bridgeId: 'bridge one' }],
    ['startedAt', { startedAt: 'at some point' }],
    ['workers', { workers: 'all of them' }],
    ['workers[0]', { workers: [{ queue: 'email', running: 'yes', concurrency: 1 }] }],
    ['workers[1]', { workers: [{ queue: 'email', running: true, concurrency: 1 }, { queue: 'Bad Name', running: true, concurrency: 1 }] }],
  ])('answers 400 naming `%s` for %j', async (field, change) => {
    const body = { ...valid(), ...change };
    expect(fieldsNamed(await expectError(await heartbeat(body), 400))).toEqual([field]);
    if (typeof body.bridgeId === 'string') {
      expect((await edgeStatus()).bridges.bridges.map((b) => b.bridgeId)).not.toContain(body.bridgeId);
    }
  });

  it('names every bad field at once', async () => {
    const error = await expectError(await heartbeat({ startedAt: 7, workers: null }), 400);
    expect(fieldsNamed(error).sort()).toEqual(['bridgeId', 'startedAt', 'workers']);
  });
});
