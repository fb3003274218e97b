// `completion: "async"` end to end with real processes: the feature answers 202 and calls back
// 20 s later (a long GPU job, as the proof asks); meanwhile the edge is restarted with its state kept (a deploy) and
// the bridge running the job is SIGKILLed. The feature is called once and the job completes once
// with the callback's result. Without a callback by timeoutMs the attempt fails retryable, the
// retry runs, and the late callback is refused with 409.

import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queueKey } from '../../src/feature-keys.ts';
import { CallbackRefusedError, completeJob, type CompleteJobOptions } from '../../src/handler/complete-job.ts';
import { BridgeProcess, bridgeEnv } from '../support/bridge.ts';
import type { RecordedRequest } from '../support/feature-stub.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';
import { sleep, waitFor } from '../support/wait.ts';

/** How long the feature works before it calls back. */
const WORK_MS = 20_000;

let stack: TestStack;
const bridges: BridgeProcess[] = [];
const queues: Queue[] = [];

beforeAll(async () => {
  stack = await TestStack.start();
});

afterAll(() =>
  teardown(
    () => Promise.all(bridges.map((bridge) => bridge.stop())),
    () => Promise.all(queues.map((queue) => queue.close())),
    () => stack?.close(),
  ),
);

const spawnBridge = async (): Promise<BridgeProcess> => {
  const bridge = await BridgeProcess.start(bridgeEnv(stack.edge.url, stack.redis.port));
  bridges.push(bridge);
  return bridge;
};

const asyncQueue = async (label: string, input: Parameters<TestStack['register']>[1]): Promise<Queue> => {
  const queue = new Queue(await stack.register(label, { completion: 'async', concurrency: 1, ...input }), { connection: stack.connection });
  queues.push(queue);
  return queue;
};

const target = async (queue: Queue, request: RecordedRequest): Promise<CompleteJobOptions> => ({
  edgeUrl: stack.edge.url,
  queueName: queue.name,
  jobId: request.headers['x-queue-job-id'],
  attempt: Number(request.headers['x-queue-attempt']),
  key: await queueKey(EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET, queue.name),
});

/** As a real feature would: the report is retried while the edge cannot be reached (it may be mid-deploy). */
const reportUntilAnswered = (options: CompleteJobOptions, result: unknown): Promise<unknown> =>
  waitFor(
    () =>
      completeJob(options, { success: true, result }).then(
        () => 'counted',
        (error: unknown) => (error instanceof CallbackRefusedError ? error : undefined),
      ),
    { timeoutMs: 60_000, intervalMs: 500, what: 'the callback to reach the edge' },
  );

it('an edge restart and a bridge SIGKILL while the job runs: the feature is called once, the job completes once with its result', async () => {
  const queue = await asyncQueue('async-e2e', { timeoutMs: 60_000 });
  const reports: Promise<unknown>[] = [];
  stack.stub.script(queue.name, (request) => {
    reports.push(
      (async () => {
        await sleep(WORK_MS);
        return reportUntilAnswered(await target(queue, request), { rendered: request.headers['x-queue-job-id'] });
      })(),
    );
    return { status: 202, body: { accepted: true } };
  });
  const first = await spawnBridge();
  const job = await queue.add('render', { prompt: 'a cat' });
  await waitFor(() => stack.stub.requests(queue.name).length === 1, { what: 'the feature call' });

  // While the feature works: an edge deploy and a crashed bridge.
  await stack.edge.stop();
  first.kill('SIGKILL');
  await first.exited;
  await stack.edge.restart();
  await spawnBridge();

  const [stored] = await finishedJobs(queue, [job.id!], 60_000);
  expect(await stored.getState()).toBe('completed');
  expect(stored.returnvalue).toEqual({ rendered: job.id });
  expect(stored.attemptsMade).toBe(1);
  expect(await Promise.all(reports)).toEqual(['counted']);
  expect(stack.stub.requests(queue.name)).toHaveLength(1);
  // A repeated report is refused.
  const again = await completeJob(await target(queue, stack.stub.requests(queue.name)[0]), { success: true, result: 'twice' }).catch((error: unknown) => error);
  expect(again).toBeInstanceOf(CallbackRefusedError);
  expect((again as CallbackRefusedError).status).toBe(409);
}, 120_000);

it('no callback by timeoutMs: the attempt fails retryable, the retry runs, and the late callback is 409', async () => {
  const queue = await asyncQueue('async-timeout', { timeoutMs: 2_000, retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 100 } } });
  // First call: taken, never reported in time; the retry answers at once.
  stack.stub.script(queue.name, [{ status: 202, body: { accepted: true } }, { body: { success: true, result: 'second try' } }]);
  if (bridges.length === 0) await spawnBridge();
  const job = await queue.add('render', {});
  const [stored] = await finishedJobs(queue, [job.id!], 30_000);
  expect(await stored.getState()).toBe('completed');
  expect(stored.returnvalue).toBe('second try');
  expect(stored.attemptsMade).toBe(2);
  const late = await completeJob(await target(queue, stack.stub.requests(queue.name)[0]), { success: true, result: 'late' }).catch((error: unknown) => error);
  expect((late as CallbackRefusedError).status).toBe(409);
}, 60_000);
