// `completion: "async"` at the edge, in workerd: a 202 from the feature defers the attempt, which
// keeps its slot; dispatching it again (a bridge that restarted) calls no feature; the first signed
// callback counts, and a repeated, late or other-attempt one is 409; a bad signature 401, a bad
// body 400 naming the field; the deferral survives a coordinator restart (an edge deploy).

import { evictDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queueKey } from '../../src/feature-keys.ts';
import { callbackPath, CallbackRefusedError, completeJob, type CompleteJobOptions } from '../../src/handler/complete-job.ts';
import { createJobHandler, type DeferredJob } from '../../src/handler/index.ts';
import { HEADER_QUEUE_NAME, HEADER_SIGNATURE } from '../../src/protocol.ts';
import { Signer } from '../../src/signing.ts';
import { adminFetch, dispatch, edgeFetch, EDGE, expectError, fieldsNamed, patchRegistration, registerStubQueue, registrationPath, scriptStub, signedFetch, stubStats, uniqueQueue } from './helpers.ts';

const TAKEN = { status: 202, body: { accepted: true } };
/** The stub repeats its last behaviour: after the 202, plain successes. */
const TAKEN_ONCE = [TAKEN, {}];

const asyncQueue = async (prefix: string, overrides: Record<string, unknown> = {}): Promise<string> => {
  const queueName = uniqueQueue(prefix);
  await registerStubQueue(queueName, { completion: 'async', concurrency: 1, ...overrides });
  return queueName;
};

const target = async (queueName: string, jobId: string, attempt = 1): Promise<CompleteJobOptions> => ({
  edgeUrl: EDGE,
  queueName,
  jobId,
  attempt,
  key: await queueKey(env.FEATURE_SIGNING_SECRET, queueName),
  fetch: (input, init) => exports.default.fetch(new Request(input, init)),
});

/** The edge's status for a callback, with the error body when refused. */
const callback = async (options: CompleteJobOptions, report: Parameters<typeof completeJob>[1]): Promise<number> =>
  completeJob(options, report).then(
    () => 200,
    (error: { status?: number }) => error.status ?? 0,
  );

describe('completion: "async"', () => {
  it('is validated, stored, and removed by a PATCH to sync', async () => {
    const bad = await adminFetch(registrationPath(uniqueQueue('async-bad')), { method: 'PUT', body: JSON.stringify({ endpoint: env.FEATURE_STUB_URL, completion: 'later' }) });
    expect(fieldsNamed(await expectError(bad, 400))).toEqual(['completion']);
    const queueName = await asyncQueue('async-field');
    expect((await patchRegistration(queueName, { concurrency: 2 })).completion).toBe('async');
    expect((await patchRegistration(queueName, { completion: 'sync' })).completion).toBeUndefined();
  });

  it('a 202 defers the attempt with its slot held; a redispatch calls no feature; the first callback counts, a second is 409', async () => {
    const queueName = await asyncQueue('async-once');
    await scriptStub(queueName, TAKEN_ONCE);
    const before = Date.now();
    const first = await dispatch({ queueName, jobId: 'gpu-1' });
    expect(first).toMatchObject({ outcome: 'deferred' });
    if (first.outcome !== 'deferred') throw new Error('not deferred');
    expect(first.deadlineMs).toBeGreaterThanOrEqual(before + 5_000);

    // The slot stays held (concurrency 1): another job waits; the same attempt again calls nothing.
    expect(await dispatch({ queueName, jobId: 'gpu-2' })).toMatchObject({ outcome: 'throttled', reason: 'busy' });
    expect(await dispatch({ queueName, jobId: 'gpu-1' })).toMatchObject({ outcome: 'deferred', deadlineMs: first.deadlineMs });
    expect((await stubStats(queueName)).count).toBe(1);

    const options = await target(queueName, 'gpu-1');
    expect(await callback(options, { success: true, result: { image: 'cat.png' } })).toBe(200);
    expect(await callback(options, { success: true, result: { image: 'dog.png' } })).toBe(409);
    expect(await dispatch({ queueName, jobId: 'gpu-1' })).toMatchObject({ outcome: 'completed', result: { image: 'cat.png' } });
    expect((await stubStats(queueName)).count).toBe(1);
    // The slot is free again.
    expect(await dispatch({ queueName, jobId: 'gpu-2' })).toMatchObject({ outcome: 'completed' });
  });

  it('refuses another attempt (409), a bad signature (401), a body naming its bad field (400), an unknown job (409)', async () => {
    const queueName = await asyncQueue('async-refuse');
    await scriptStub(queueName, TAKEN_ONCE);
    expect(await dispatch({ queueName, jobId: 'j', attemptsMade: 1 })).toMatchObject({ outcome: 'deferred' });
    expect(await callback(await target(queueName, 'j', 1), { success: true })).toBe(409);
    expect(await callback({ ...(await target(queueName, 'j', 2)), key: await queueKey(env.FEATURE_SIGNING_SECRET, 'another-queue') }, { success: true })).toBe(401);
    expect(await callback(await target(queueName, 'never-dispatched'), { success: true })).toBe(409);

    const path = callbackPath(queueName, 'j');
    const body = JSON.stringify({ attempt: 0, success: 'yes' });
    const signature = await new Signer(await queueKey(env.FEATURE_SIGNING_SECRET, queueName)).signBridgeRequest('POST', path, body);
    const response = await edgeFetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Queue-Signature': signature }, body });
    expect(fieldsNamed(await expectError(response, 400))).toEqual(['attempt', 'success']);
    // None of those counted: the right attempt still does, and a failure report is a retryable failure.
    expect(await callback(await target(queueName, 'j', 2), { success: false, error: 'GPU fell over' })).toBe(200);
    expect(await dispatch({ queueName, jobId: 'j', attemptsMade: 1 })).toMatchObject({ outcome: 'failed', retryable: true, error: { message: 'GPU fell over' } });
  });

  it("takes a callback signed as ARCHITECTURE says, like a feature call (\"<t>.<body>\"), from a feature in any language", async () => {
    const queueName = await asyncQueue('async-plain');
    await scriptStub(queueName, TAKEN_ONCE);
    expect(await dispatch({ queueName, jobId: 'plain' })).toMatchObject({ outcome: 'deferred' });
    const body = JSON.stringify({ attempt: 1, success: true, result: { done: true } });
    const post = async (key: string) =>
      edgeFetch(callbackPath(queueName, 'plain'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [HEADER_SIGNATURE]: await new Signer(key).signFeatureBody(body) },
        body,
      });
    expect((await post(await queueKey(env.FEATURE_SIGNING_SECRET, 'another-queue'))).status).toBe(401);
    expect((await post(await queueKey(env.FEATURE_SIGNING_SECRET, queueName))).status).toBe(200);
    expect(await dispatch({ queueName, jobId: 'plain' })).toMatchObject({ outcome: 'completed', result: { done: true } });
  });

  it('keeps the deferral through a coordinator restart (an edge deploy)', async () => {
    const queueName = await asyncQueue('async-restart');
    await scriptStub(queueName, TAKEN_ONCE);
    expect(await dispatch({ queueName, jobId: 'long' })).toMatchObject({ outcome: 'deferred' });
    await evictDurableObject(env.QUEUE_COORDINATOR.getByName(queueName));
    expect(await dispatch({ queueName, jobId: 'other' })).toMatchObject({ outcome: 'throttled', reason: 'busy' });
    expect(await dispatch({ queueName, jobId: 'long' })).toMatchObject({ outcome: 'deferred' });
    expect(await callback(await target(queueName, 'long'), { success: true, result: 42 })).toBe(200);
    await evictDurableObject(env.QUEUE_COORDINATOR.getByName(queueName));
    expect(await dispatch({ queueName, jobId: 'long' })).toMatchObject({ outcome: 'completed', result: 42 });
    expect((await stubStats(queueName)).count).toBe(1);
  });

  it('without a callback by timeoutMs the attempt fails retryable, frees its slot, and a late callback is 409', async () => {
    const queueName = await asyncQueue('async-late', { timeoutMs: 500 });
    await scriptStub(queueName, TAKEN_ONCE);
    expect(await dispatch({ queueName, jobId: 'slow' })).toMatchObject({ outcome: 'deferred' });
    await vi.waitFor(async () => expect(await dispatch({ queueName, jobId: 'slow' })).toMatchObject({ outcome: 'failed', retryable: true }), { timeout: 5_000, interval: 200 });
    expect(await callback(await target(queueName, 'slow'), { success: true })).toBe(409);
    expect(await dispatch({ queueName, jobId: 'next' })).toMatchObject({ outcome: 'completed' });
  });

  it("an operator's cancel ends a deferred attempt: its slot frees, it fails for good, and its callback is 409", async () => {
    const queueName = await asyncQueue('async-cancel');
    await scriptStub(queueName, TAKEN_ONCE);
    expect(await dispatch({ queueName, jobId: 'doomed' })).toMatchObject({ outcome: 'deferred' });
    const cancelled = await signedFetch('POST', '/internal/dispatch/cancel', JSON.stringify({ queueName, jobId: 'doomed' }));
    expect(cancelled.status).toBe(200);
    expect(await dispatch({ queueName, jobId: 'next' })).toMatchObject({ outcome: 'completed' });
    expect(await callback(await target(queueName, 'doomed'), { success: true })).toBe(409);
    expect(await dispatch({ queueName, jobId: 'doomed' })).toMatchObject({ outcome: 'failed', retryable: false });
  });

  describe('createJobHandler', () => {
    afterEach(() => vi.unstubAllGlobals());

    it("ctx.defer() answers 202 and its complete() settles the attempt; a second report rejects with the edge's 409", async () => {
      const queueName = await asyncQueue('async-handler');
      await scriptStub(queueName, TAKEN_ONCE);
      expect(await dispatch({ queueName, jobId: 'h' })).toMatchObject({ outcome: 'deferred' });

      // The handler's reports go to this edge, in this isolate; every other URL as usual.
      const realFetch = globalThis.fetch;
      vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) =>
        String(input instanceof Request ? input.url : input).startsWith(EDGE) ? exports.default.fetch(new Request(input, init)) : realFetch(input, init),
      );
      const key = await queueKey(env.FEATURE_SIGNING_SECRET, queueName);
      let deferred: DeferredJob | undefined;
      const handle = createJobHandler<Record<string, unknown>>({
        keys: { [queueName]: key },
        handlers: { [queueName]: (_data, ctx) => void (deferred = ctx.defer()) },
        edgeUrl: EDGE,
      });
      const body = JSON.stringify({ jobId: 'h', queueName, data: {}, attemptsMade: 0 });
      const call = new Request('http://feature.test/internal/process-job', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [HEADER_QUEUE_NAME]: queueName, [HEADER_SIGNATURE]: await new Signer(key).signFeatureBody(body) },
        body,
      });
      expect((await handle(call)).status).toBe(202);

      await deferred!.complete({ done: true });
      expect(await dispatch({ queueName, jobId: 'h' })).toMatchObject({ outcome: 'completed', result: { done: true } });
      const again = await deferred!.fail('too late').catch((error: unknown) => error);
      expect(again).toBeInstanceOf(CallbackRefusedError);
      expect((again as CallbackRefusedError).status).toBe(409);
    });
  });
});
