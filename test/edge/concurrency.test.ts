// The queue's coordinator keeps its global concurrency limit exact, lines callers up fairly,
// takes back slots whose holder vanished, and obeys admin changes at once.

import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { DispatchOutcome } from '../../src/protocol.ts';
import { DEFAULT_REFUSAL_RETRY_MS } from '../../worker/dispatch/fair-share.ts';
import { isolateBudgetSize } from '../../worker/dispatch/isolate-load.ts';
import {
  adminFetch,
  dispatch,
  dispatchBatch,
  patchRegistration,
  registerStubQueue,
  resetStub,
  scriptStub,
  stubStats,
  uniqueQueue,
} from './helpers.ts';

const coordinator = (queueName: string) => env.QUEUE_COORDINATOR.getByName(queueName);

/** Before a queue has finished a call in this isolate, its refusals say to retry after the default. */
const BUDGET_THROTTLED = { outcome: 'throttled', retryAfterMs: DEFAULT_REFUSAL_RETRY_MS, reason: 'budget' };

const fireAtOnce = (queueName: string, count: number): Promise<DispatchOutcome[]> =>
  Promise.all(Array.from({ length: count }, (_, i) => dispatch({ queueName, jobId: `job-${i}` })));

describe('global concurrency', () => {
  it('never lets more than the limit reach the feature; the rest wait their turn or come back throttled', async () => {
    const queueName = uniqueQueue('limit');
    await registerStubQueue(queueName, { concurrency: 3 });
    await scriptStub(queueName, [{ delayMs: 700 }]);

    const outcomes = await fireAtOnce(queueName, 20);

    const stats = await stubStats(queueName);
    expect(stats.maxInFlight).toBe(3);
    const completed = outcomes.filter((o) => o.outcome === 'completed');
    const throttled = outcomes.filter((o) => o.outcome === 'throttled');
    expect(completed.length + throttled.length).toBe(20);
    expect(stats.count).toBe(completed.length);
    // 3 at once, then more as slots free up while others wait in line (up to 2 s).
    expect(completed.length).toBeGreaterThan(3);
    expect(throttled.length).toBeGreaterThan(0);
    for (const outcome of throttled) {
      expect(outcome).toMatchObject({ reason: 'busy' });
      expect(outcome.outcome === 'throttled' && outcome.retryAfterMs).toBeGreaterThanOrEqual(50);
    }
    expect((await coordinator(queueName).stats()).inFlight).toBe(0);
  });

  it('serves the line in arrival order', async () => {
    const queueName = uniqueQueue('fifo');
    await registerStubQueue(queueName, { concurrency: 1 });
    const held = await coordinator(queueName).acquire({ jobId: 'holder', attemptsMade: 0, maxWaitMs: 0 });
    if (held.status !== 'granted') throw new Error('expected a slot');

    const order: string[] = [];
    const waiters = ['first', 'second', 'third'].map((jobId) =>
      coordinator(queueName)
        .acquire({ jobId, attemptsMade: 0, maxWaitMs: 10_000 })
        .then(async (result) => {
          order.push(jobId);
          if (result.status === 'granted') await coordinator(queueName).release(result.leaseId, { kind: 'completed', durationMs: 1, jobId });
        }),
    );
    await expect.poll(async () => (await coordinator(queueName).stats()).waiting).toBe(3);
    await coordinator(queueName).release(held.leaseId, { kind: 'completed', durationMs: 1, jobId: 'holder' });
    await Promise.all(waiters);
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it.each([
    ['success', { body: { success: true } }, {}],
    ['failure', { status: 500 }, {}],
    ['timeout', { hang: true }, { timeoutMs: 200 }],
  ] as const)('gives the slot back after a %s', async (_label, behaviour, registration) => {
    const queueName = uniqueQueue('slot-back');
    await registerStubQueue(queueName, { concurrency: 1, ...registration });
    await scriptStub(queueName, [behaviour]);
    await dispatch({ queueName });
    expect((await coordinator(queueName).stats()).inFlight).toBe(0);
    expect(await coordinator(queueName).acquire({ jobId: 'next', attemptsMade: 0, maxWaitMs: 0 })).toMatchObject({ status: 'granted' });
  });

  it('takes back the slot of a caller that vanished, once its lease expires, and hands it to the line', async () => {
    const queueName = uniqueQueue('vanished');
    await registerStubQueue(queueName, { concurrency: 1, timeoutMs: 200 });
    const vanished = await coordinator(queueName).acquire({ jobId: 'crashed', attemptsMade: 0, maxWaitMs: 0 });
    expect(vanished.status).toBe('granted');
    expect(await coordinator(queueName).acquire({ jobId: 'impatient', attemptsMade: 0, maxWaitMs: 0 })).toMatchObject({ status: 'throttled', reason: 'busy' });

    // Nobody releases: the lease's alarm (timeout 200 ms + grace) must free the slot for the waiter.
    const started = Date.now();
    const next = await coordinator(queueName).acquire({ jobId: 'patient', attemptsMade: 0, maxWaitMs: 10_000 });
    expect(next.status).toBe('granted');
    expect(Date.now() - started).toBeLessThan(8_000);
    expect((await coordinator(queueName).stats()).totals.leasesExpired).toBe(1);
  });

  it('remembers slots in use across a restart of the coordinator', async () => {
    const queueName = uniqueQueue('restart');
    await registerStubQueue(queueName, { concurrency: 1 });
    const held = await coordinator(queueName).acquire({ jobId: 'long-call', attemptsMade: 0, maxWaitMs: 0 });
    expect(held.status).toBe('granted');

    await evictDurableObject(coordinator(queueName));

    expect(await coordinator(queueName).acquire({ jobId: 'next', attemptsMade: 0, maxWaitMs: 0 })).toMatchObject({ status: 'throttled', reason: 'busy' });
    if (held.status === 'granted') await coordinator(queueName).release(held.leaseId, { kind: 'completed', durationMs: 1, jobId: 'long-call' });
    expect(await coordinator(queueName).acquire({ jobId: 'next', attemptsMade: 0, maxWaitMs: 0 })).toMatchObject({ status: 'granted' });
  });

  it("after a restart never admits more than the limit: a batch's slots stay counted, each release gives one back, a lost one expires", async () => {
    const queueName = uniqueQueue('restart-batch');
    await registerStubQueue(queueName, { concurrency: 3, timeoutMs: 200 });
    const batch = await coordinator(queueName).acquireMany(['a', 'b', 'c'].map((jobId) => ({ jobId, attemptsMade: 0 })));
    if (batch.status !== 'granted') throw new Error('expected grants');
    expect(batch.grants).toHaveLength(3);

    await evictDurableObject(coordinator(queueName));

    expect(await coordinator(queueName).acquireMany([{ jobId: 'd', attemptsMade: 0 }])).toEqual({ status: 'granted', grants: [] });
    expect(await coordinator(queueName).acquire({ jobId: 'd', attemptsMade: 0, maxWaitMs: 0 })).toMatchObject({ status: 'throttled', reason: 'busy' });
    await coordinator(queueName).releaseMany(batch.grants.slice(0, 2).map(({ leaseId }) => ({ leaseId, report: { kind: 'completed', durationMs: 1, jobId: 'a' } })));
    expect((await coordinator(queueName).stats()).inFlight).toBe(1);
    const next = await coordinator(queueName).acquireMany(['d', 'e', 'f'].map((jobId) => ({ jobId, attemptsMade: 0 })));
    if (next.status !== 'granted') throw new Error('expected grants');
    expect(next.grants).toHaveLength(2);
    await coordinator(queueName).releaseMany(next.grants.map(({ leaseId }) => ({ leaseId, report: { kind: 'completed', durationMs: 1, jobId: 'd' } })));

    // 'c' is never released: its slot stays counted past its lease, and comes back by the reservation's end.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await coordinator(queueName).stats()).inFlight).toBe(1);
    await expect.poll(async () => (await coordinator(queueName).stats()).inFlight, { timeout: 12_000, interval: 250 }).toBe(0);
    expect((await coordinator(queueName).stats()).totals.leasesExpired).toBe(1);
  });

  it('moves the state an older coordinator kept through the storage API (registration, leases) into its table', async () => {
    const queueName = uniqueQueue('legacy');
    const registration = await registerStubQueue(queueName, { concurrency: 1 });
    const stub = coordinator(queueName);
    // As the coordinator before its SQL table stored them: a key per lease, the registration by key.
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec('DROP TABLE coordinator');
      await state.storage.put({ registration, 'lease:old': { id: 'old', jobId: 'running', attemptsMade: 0, acquiredAt: Date.now(), expiresAt: Date.now() + 60_000 } });
    });
    await evictDurableObject(stub);

    const stats = await stub.stats();
    expect(stats.registration).toEqual(registration);
    expect(stats.inFlight).toBe(1);
    expect(await stub.acquire({ jobId: 'next', attemptsMade: 0, maxWaitMs: 0 })).toMatchObject({ status: 'throttled', reason: 'busy' });
    await stub.release('old', { kind: 'completed', durationMs: 1, jobId: 'running' });
    expect(await stub.acquire({ jobId: 'next', attemptsMade: 0, maxWaitMs: 0 })).toMatchObject({ status: 'granted' });
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.list({ prefix: 'lease:' }))).toHaveProperty('size', 0);
  });

  it('keeps its figures across a restart once its alarm has flushed them, and then holds no alarm', async () => {
    const queueName = uniqueQueue('flush');
    await registerStubQueue(queueName, { concurrency: 2 });
    await scriptStub(queueName, [{ body: { success: true } }]);
    await Promise.all([dispatch({ queueName }), dispatch({ queueName }), dispatch({ queueName })]);
    const alarmAt = await runInDurableObject(coordinator(queueName), (_instance, state) => state.storage.getAlarm());
    expect(alarmAt).not.toBeNull();

    expect(await runDurableObjectAlarm(coordinator(queueName))).toBe(true);
    expect(await runInDurableObject(coordinator(queueName), (_instance, state) => state.storage.getAlarm())).toBeNull();
    await evictDurableObject(coordinator(queueName));

    expect((await coordinator(queueName).stats()).totals).toMatchObject({ dispatched: 3, completed: 3 });
    expect(await runInDurableObject(coordinator(queueName), (_instance, state) => state.storage.getAlarm())).toBeNull();
  });
});

describe('the isolate dispatch budget', () => {
  it('answers a borrower throttled (reason budget) past it, while a quiet queue is served at once', async () => {
    const busy = uniqueQueue('borrower');
    const quiet = uniqueQueue('quiet');
    // All its answers arrive in the same instant; reading them takes this test runner seconds.
    await registerStubQueue(busy, { concurrency: 1000, timeoutMs: 30_000 });
    await registerStubQueue(quiet, { concurrency: 5 });
    await scriptStub(busy, [{ delayMs: 3_000 }]);
    const size = isolateBudgetSize(env);

    const busyOutcomes = fireAtOnce(busy, size + 20);
    await expect.poll(async () => (await stubStats(busy)).inFlight, { timeout: 10_000 }).toBe(size);
    // The busy queue holds the whole budget; the quiet one is under its fair share, so it runs.
    const quietOutcomes = await fireAtOnce(quiet, 5);
    expect(quietOutcomes.map((o) => o.outcome)).toEqual(Array(5).fill('completed'));
    expect((await stubStats(busy)).inFlight).toBe(size);

    const outcomes = await busyOutcomes;
    expect((await stubStats(busy)).maxInFlight).toBe(size);
    const throttled = outcomes.filter((o) => o.outcome === 'throttled');
    expect(throttled).toHaveLength(20);
    for (const outcome of throttled) expect(outcome).toEqual(BUDGET_THROTTLED);
    expect(outcomes.filter((o) => o.outcome === 'completed')).toHaveLength(size);
    // The refusals never asked the coordinator; they reached it with the queue's next release.
    expect((await coordinator(busy).stats()).totals).toMatchObject({ throttledBudget: 20, throttled: 0 });
    expect((await coordinator(quiet).stats()).totals).toMatchObject({ throttledBudget: 0, completed: 5 });
    // Room comes back: once those calls are done, a dispatch goes through again.
    expect(await dispatch({ queueName: busy })).toMatchObject({ outcome: 'completed' });
  });

  it('runs the admitted part of a batch and answers the rest throttled', async () => {
    const busy = uniqueQueue('batch-borrower');
    await registerStubQueue(busy, { concurrency: 1000, timeoutMs: 30_000 });
    await scriptStub(busy, [{ delayMs: 2_000 }]);
    const size = isolateBudgetSize(env);
    const held = fireAtOnce(busy, size - 3);
    await expect.poll(async () => (await stubStats(busy)).inFlight, { timeout: 10_000 }).toBe(size - 3);

    const lines = await dispatchBatch(busy, Array.from({ length: 6 }, (_, i) => ({ jobId: `batch-${i}` })));

    expect(lines).toHaveLength(6);
    expect(lines.filter((line) => line.outcome === 'completed').map((line) => line.jobId).sort()).toEqual(['batch-0', 'batch-1', 'batch-2']);
    for (const line of lines.filter((l) => l.outcome !== 'completed')) expect(line).toEqual({ jobId: line.jobId, ...BUDGET_THROTTLED });
    await held;
  });
});

describe('live registration changes', () => {
  it('lowering concurrency 3 → 1 applies to the very next dispatches', async () => {
    const queueName = uniqueQueue('lower');
    await registerStubQueue(queueName, { concurrency: 3 });
    await scriptStub(queueName, [{ delayMs: 150 }]);
    await fireAtOnce(queueName, 3);
    expect((await stubStats(queueName)).maxInFlight).toBe(3);

    await patchRegistration(queueName, { concurrency: 1 });
    await resetStub(queueName);
    const outcomes = await fireAtOnce(queueName, 5);
    expect((await stubStats(queueName)).maxInFlight).toBe(1);
    expect(outcomes.filter((o) => o.outcome === 'completed').length).toBeGreaterThanOrEqual(1);
  });

  it('paused → throttled without calling the feature; resumed → runs again', async () => {
    const queueName = uniqueQueue('paused');
    await registerStubQueue(queueName);
    await patchRegistration(queueName, { paused: true });
    const outcome = await dispatch({ queueName });
    expect(outcome).toMatchObject({ outcome: 'throttled', reason: 'paused' });
    expect(outcome.outcome === 'throttled' && outcome.retryAfterMs).toBeGreaterThan(0);
    expect((await stubStats(queueName)).count).toBe(0);

    await patchRegistration(queueName, { paused: false });
    expect(await dispatch({ queueName })).toMatchObject({ outcome: 'completed' });
  });

  it('pausing turns away callers already waiting in line', async () => {
    const queueName = uniqueQueue('pause-line');
    await registerStubQueue(queueName, { concurrency: 1 });
    const held = await coordinator(queueName).acquire({ jobId: 'holder', attemptsMade: 0, maxWaitMs: 0 });
    expect(held.status).toBe('granted');
    const waiting = coordinator(queueName).acquire({ jobId: 'waiter', attemptsMade: 0, maxWaitMs: 10_000 });
    await expect.poll(async () => (await coordinator(queueName).stats()).waiting).toBe(1);
    await patchRegistration(queueName, { paused: true });
    expect(await waiting).toMatchObject({ status: 'throttled', reason: 'paused' });
  });

  it('deleted → unknown queue, not retryable', async () => {
    const queueName = uniqueQueue('deleted');
    await registerStubQueue(queueName);
    expect((await adminFetch(`/admin/registrations/${queueName}`, { method: 'DELETE' })).status).toBe(204);
    expect(await dispatch({ queueName })).toMatchObject({ outcome: 'failed', retryable: false });
  });
});
