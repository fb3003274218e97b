// A queue's `rateLimit` through the admin route and the dispatch routes, in workerd: validated with
// a 400 naming the field, applied by the coordinator to the very next dispatch after a PATCH,
// answered `throttled` (reason `rate`, the exact wait) without calling the feature, and shown in
// /internal/status.

import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { DispatchOutcome } from '../../src/protocol.ts';
import { countedForMs } from '../../worker/coordinator/rate-window.ts';
import {
  adminFetch,
  dispatch,
  dispatchBatch,
  edgeStatus,
  expectError,
  fieldsNamed,
  patchRegistration,
  registerStubQueue,
  registrationPath,
  stubStats,
  uniqueQueue,
} from './helpers.ts';

const ENDPOINT = 'http://email-api:3020';
/** Long enough that no start leaves the window while a test runs. */
const MINUTE = 60_000;

const refusedFields = async (rateLimit: unknown): Promise<string[]> => {
  const response = await adminFetch(registrationPath(uniqueQueue('rate-bad')), { method: 'PUT', body: JSON.stringify({ endpoint: ENDPOINT, rateLimit }) });
  return fieldsNamed(await expectError(response, 400));
};

const dispatchEach = async (queueName: string, ids: string[]): Promise<DispatchOutcome[]> => {
  const outcomes: DispatchOutcome[] = [];
  for (const jobId of ids) outcomes.push(await dispatch({ queueName, jobId }));
  return outcomes;
};

describe('rateLimit', () => {
  it('answers 400 naming rateLimit.max and rateLimit.perMs when out of range, missing or unknown', async () => {
    expect(await refusedFields({ max: 0, perMs: 99 })).toEqual(['rateLimit.max', 'rateLimit.perMs']);
    expect(await refusedFields({ max: 10_001, perMs: 86_400_001 })).toEqual(['rateLimit.max', 'rateLimit.perMs']);
    expect(await refusedFields({ max: 1.5, perMs: 1_000 })).toEqual(['rateLimit.max']);
    expect(await refusedFields({ max: 5 })).toEqual(['rateLimit.perMs']);
    expect(await refusedFields({ max: 5, perMs: 1_000, burst: 2 })).toEqual(['rateLimit.burst']);
    expect(await refusedFields(50)).toEqual(['rateLimit']);
  });

  it('a PATCH applies to the very next dispatch: over the rate it is throttled with the exact wait, uncharged, and null removes it', async () => {
    const queueName = uniqueQueue('rate');
    await registerStubQueue(queueName, { concurrency: 10 });
    expect((await dispatchEach(queueName, ['free-1', 'free-2', 'free-3'])).map((o) => o.outcome)).toEqual(['completed', 'completed', 'completed']);

    const patched = await patchRegistration(queueName, { rateLimit: { max: 2, perMs: MINUTE } });
    expect(patched.rateLimit).toEqual({ max: 2, perMs: MINUTE });
    const before = Date.now();
    const [first, second, third] = await dispatchEach(queueName, ['a', 'b', 'c']);
    expect([first.outcome, second.outcome]).toEqual(['completed', 'completed']);
    expect(third).toMatchObject({ outcome: 'throttled', reason: 'rate' });
    // The exact wait: until the first of the two starts no longer counts (a minute and its delivery guard).
    const counted = countedForMs({ max: 2, perMs: MINUTE });
    const retryAfterMs = third.outcome === 'throttled' ? third.retryAfterMs : 0;
    expect(retryAfterMs).toBeLessThanOrEqual(counted);
    expect(retryAfterMs).toBeGreaterThan(counted - (Date.now() - before) - 1);
    expect((await stubStats(queueName)).count).toBe(5);

    // A batch gets what the rate allows: nothing now, each job told the wait.
    const lines = await dispatchBatch(queueName, [{ jobId: 'batch-0' }, { jobId: 'batch-1' }]);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatchObject({ outcome: 'throttled', reason: 'rate' });

    const queue = (await edgeStatus()).queues.find((q) => q.name === queueName);
    expect(queue?.rate).toEqual({ max: 2, perMs: MINUTE, started: 2 });

    // A PATCH of another field keeps the limit; null removes it.
    expect((await patchRegistration(queueName, { concurrency: 5 })).rateLimit).toEqual({ max: 2, perMs: MINUTE });
    expect((await patchRegistration(queueName, { rateLimit: null })).rateLimit).toBeUndefined();
    expect(await dispatch({ queueName, jobId: 'c' })).toMatchObject({ outcome: 'completed' });
    expect((await stubStats(queueName)).count).toBe(6);
  });

  it('raising max lets the next dispatches start at once', async () => {
    const queueName = uniqueQueue('rate-raise');
    await registerStubQueue(queueName, { rateLimit: { max: 1, perMs: MINUTE } });
    expect((await dispatchEach(queueName, ['a', 'b'])).map((o) => o.outcome)).toEqual(['completed', 'throttled']);
    await patchRegistration(queueName, { rateLimit: { max: 3, perMs: MINUTE } });
    expect((await dispatchEach(queueName, ['b', 'c', 'd'])).map((o) => o.outcome)).toEqual(['completed', 'completed', 'throttled']);
  });

  it('keeps counting the starts across a restart once its alarm has flushed them, and forgets them at once without a flush', async () => {
    const queueName = uniqueQueue('rate-restart');
    await registerStubQueue(queueName, { rateLimit: { max: 2, perMs: MINUTE } });
    expect((await dispatchEach(queueName, ['a', 'b'])).map((o) => o.outcome)).toEqual(['completed', 'completed']);
    const coordinator = env.QUEUE_COORDINATOR.getByName(queueName);

    // The alarm stores the log with the figures (an idle coordinator's alarm runs before it is evicted).
    expect(await runDurableObjectAlarm(coordinator)).toBe(true);
    await evictDurableObject(coordinator);
    expect(await dispatch({ queueName, jobId: 'c' })).toMatchObject({ outcome: 'throttled', reason: 'rate' });
    expect((await env.QUEUE_COORDINATOR.getByName(queueName).stats()).rate).toEqual({ max: 2, perMs: MINUTE, started: 2 });

    // A crash before the flush: the window's starts since then are forgotten, the documented extra window's worth.
    await patchRegistration(queueName, { rateLimit: { max: 3, perMs: MINUTE } });
    expect(await dispatch({ queueName, jobId: 'c' })).toMatchObject({ outcome: 'completed' });
    await evictDurableObject(env.QUEUE_COORDINATOR.getByName(queueName));
    expect((await env.QUEUE_COORDINATOR.getByName(queueName).stats()).rate).toEqual({ max: 3, perMs: MINUTE, started: 2 });
    expect((await stubStats(queueName)).count).toBe(3);
  });
});
