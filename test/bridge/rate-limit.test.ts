// A queue's `rateLimit` end to end: two bridges → the edge → the feature stub. The coordinator holds
// the rate for every bridge at once, together with `concurrency`; throttled tries go back to waiting
// without charging an attempt.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { busiestWindow } from '../support/busiest-window.ts';
import { Exposition } from '../support/prometheus.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const RATE = { max: 5, perMs: 1_000 };
const JOBS = 60;
/** 60 jobs at 5 a second take 11-12 s; the rest is slack for a loaded machine. */
const FINISH_TIMEOUT_MS = 25_000;
/** Long enough that two concurrent calls overlap, short enough that concurrency 2 alone would allow more than 5 a second. */
const CALL_MS = 250;

let stack: TestStack;
let bridges: Bridge[];

beforeAll(async () => {
  stack = await TestStack.start();
  bridges = await Promise.all(['rate-a', 'rate-b'].map((id) => startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { BRIDGE_ID: id }))));
});

afterAll(async () => {
  await Promise.all(bridges?.map((bridge) => bridge.close()) ?? []);
  await stack?.close();
});

/** The sum of a bridge's counter `name` over the series whose labels include `labels` (0 when none). */
const counted = async (bridge: Bridge, name: string, labels: Record<string, string>): Promise<number> => {
  const family = new Exposition((await bridge.metrics()).text).families.find((f) => f.name === name);
  const series = family?.metrics.filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value)) ?? [];
  return series.reduce((sum, sample) => sum + Number(sample.value), 0);
};

describe('rateLimit across two bridges', () => {
  it.each([
    { label: 'rate-only', concurrency: 20 },
    { label: 'rate-and-concurrency', concurrency: 2 },
  ])('$label (concurrency $concurrency): 60 jobs at max 5 per 1000 ms → no 1-second window holds more than 5 calls, all complete once, none charged', async ({ label, concurrency }) => {
    const queue = await stack.registerRunning(label, { concurrency, rateLimit: RATE }, bridges[0]);
    await waitFor(async () => (await bridges[1].status()).workers.some((w) => w.queue === queue.name && w.running), { what: 'the second bridge to run the queue' });
    stack.stub.script(queue.name, [{ delayMs: CALL_MS }]);

    const added = await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'send', data: { i }, opts: { attempts: 3 } })));
    const jobs = await finishedJobs(queue, added.map((job) => job.id!), FINISH_TIMEOUT_MS);

    const calls = stack.stub.requests(queue.name);
    expect(jobs.every((job) => job.returnvalue !== undefined && !job.failedReason)).toBe(true);
    // Each job reached the feature once, as its first attempt, and BullMQ counts that one attempt only.
    expect(calls).toHaveLength(JOBS);
    expect(new Set(calls.map((call) => (call.body as { jobId: string }).jobId)).size).toBe(JOBS);
    expect(calls.every((call) => (call.body as { attemptsMade: number }).attemptsMade === 0)).toBe(true);
    expect(jobs.map((job) => job.attemptsMade)).toEqual(Array(JOBS).fill(1));
    expect(busiestWindow(calls.map((call) => call.receivedAt), RATE.perMs)).toBeLessThanOrEqual(RATE.max);
    expect(stack.stub.stats(queue.name).maxInFlight).toBeLessThanOrEqual(concurrency);
    // Both bridges ran jobs and were throttled for the rate: the limit held across them, not within one.
    for (const bridge of bridges) {
      expect(await counted(bridge, 'queue_worker_jobs_total', { queue: queue.name, outcome: 'completed' })).toBeGreaterThan(0);
      expect(await counted(bridge, 'queue_worker_throttles_total', { queue: queue.name, reason: 'rate' })).toBeGreaterThan(0);
    }
  }, 40_000);
});
