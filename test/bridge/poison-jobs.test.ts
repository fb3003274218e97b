// Jobs that plain BullMQ producers add but that can never be dispatched (issue 11): each fails at
// once, not retried, with a reason naming the rule, and the jobs behind it on the same queue still
// run. Also what a failed or completed job keeps: bounded text, no stack of ours.

import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';

const RETRY = { attempts: 3, backoff: { type: 'fixed' as const, delayMs: 50, maxDelayMs: 50, jitter: 0 } };

let stack: TestStack;
let bridge: Bridge;

beforeAll(async () => {
  stack = await TestStack.start();
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port));
});

afterAll(async () => {
  await bridge?.close();
  await stack?.close();
});

/** One worker slot, so a job that looped or held its queue off would visibly hold the next one back. */
const registerQueue = (label: string): Promise<Queue> => stack.registerRunning(label, { concurrency: 1, retry: RETRY }, bridge);

const deep = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

describe('poison jobs', () => {
  it.each([
    ['data nested 1,000 levels', () => ({ data: deep(1_000) }), 'data must be nested at most 64 levels deep'],
    ['a 300-character id', () => ({ data: {}, jobId: `order-${'x'.repeat(294)}` }), 'jobId must be at most 256 characters'],
    ['an id with CR/LF', () => ({ data: {}, jobId: 'order\r\nX-Injected 1' }), 'jobId must contain only printable ASCII'],
    ['5 MiB of data', () => ({ data: { blob: 'x'.repeat(5 * 1024 * 1024) } }), 'data must be at most'],
  ])('%s: fails at once with the rule, and three good jobs behind it complete', async (_case, make, rule) => {
    const queue = await registerQueue('poison');
    const { data, jobId } = make() as { data: unknown; jobId?: string };
    const poison = await queue.add('job', data, jobId ? { jobId } : {});
    const good = await Promise.all([1, 2, 3].map((n) => queue.add('job', { n })));

    const [bad, ...rest] = await finishedJobs(queue, [poison.id!, ...good.map((job) => job.id!)]);

    expect(await bad.getState()).toBe('failed');
    expect(bad.failedReason).toContain(`job cannot be dispatched: ${rule}`);
    expect(bad.attemptsMade).toBe(1);
    expect(bad.stacktrace).toEqual([]);
    for (const job of rest) expect(await job.getState()).toBe('completed');
    // The poison job never reached the feature; the good ones each once.
    expect(stack.stub.requests(queue.name).map((r) => (r.body as { jobId: string }).jobId).sort()).toEqual(good.map((job) => job.id).sort());
  });
});

describe('what a job keeps', () => {
  it("a megabyte of the feature's error becomes a 1 KiB failedReason and no stack trace", async () => {
    const queue = await registerQueue('long-error');
    stack.stub.script(queue.name, [{ body: { success: false, retryable: false, error: 'E'.repeat(1_000_000) } }]);

    const [job] = await finishedJobs(queue, [(await queue.add('job', {})).id!]);

    expect(await job.getState()).toBe('failed');
    expect(new TextEncoder().encode(job.failedReason).byteLength).toBeLessThanOrEqual(1024);
    expect(job.failedReason).toMatch(/^E+…$/);
    expect(job.stacktrace).toEqual([]);
  });

  it('a result over RESULT_MAX_BYTES (64 KiB) completes the job as { resultTruncated } after one call', async () => {
    const queue = await registerQueue('big-result');
    const result = 'R'.repeat(1_000_000);
    stack.stub.script(queue.name, [{ body: { success: true, result } }]);

    const [job] = await finishedJobs(queue, [(await queue.add('job', {})).id!]);

    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toEqual({ resultTruncated: JSON.stringify(result).length });
    expect(stack.stub.requests(queue.name)).toHaveLength(1);
  });
});
