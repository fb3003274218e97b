// Registrations changed at the edge while the bridge runs: served, reconfigured, paused, resumed
// and removed without a restart.

import { once } from 'node:events';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { DEFAULT_SYNC_INTERVAL_MS } from '../../bridge/config.ts';
import type { BridgeWorkerStatus } from '../../src/protocol.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { sleep, waitFor } from '../support/wait.ts';

/** How long a job must stay untouched to count as "waits" (the worker is already known stopped). */
const OBSERVE_IDLE_MS = 1_500;

let stack: TestStack;
let bridge: Bridge;
let queue: Queue;

beforeAll(async () => {
  stack = await TestStack.start();
  // The production sync interval, so "within 5 s" is tested as deployed.
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { BRIDGE_SYNC_INTERVAL_MS: String(DEFAULT_SYNC_INTERVAL_MS) }));
});

afterAll(async () => {
  await queue?.close();
  await bridge?.close();
  await stack?.close();
});

const workerOf = async (queueName: string): Promise<BridgeWorkerStatus | undefined> =>
  (await bridge.status()).workers.find((worker) => worker.queue === queueName);

const completed = (id: string) => finishedJobs(queue, [id], 10_000);

// The steps build on each other: one queue through its whole life.
it('serves a queue registered while running within 5 s', async () => {
  const registeredAt = Date.now();
  const name = await stack.register('live');
  queue = new Queue(name, { connection: stack.connection });

  await waitFor(async () => (await workerOf(queue.name))?.running, { timeoutMs: 5_000, what: 'the new worker' });
  expect(Date.now() - registeredAt).toBeLessThan(5_000);
  const job = await queue.add('hello', {});
  await completed(job.id!);
  expect(stack.stub.requests(queue.name)).toHaveLength(1);
});

it('applies a concurrency change to the running worker', async () => {
  await stack.edge.patchRegistration(queue.name, { concurrency: 7 });

  await waitFor(async () => (await workerOf(queue.name))?.concurrency === 7, { what: 'concurrency 7' });
  expect((await workerOf(queue.name))?.running).toBe(true);
});

it('paused: its jobs wait; resumed: they run', async () => {
  await stack.edge.patchRegistration(queue.name, { paused: true });
  await waitFor(async () => (await workerOf(queue.name))?.running === false, { what: 'the worker to pause' });

  const job = await queue.add('held', {});
  await sleep(OBSERVE_IDLE_MS);
  expect(await job.getState()).toBe('waiting');
  expect(stack.stub.requests(queue.name)).toHaveLength(1);

  await stack.edge.patchRegistration(queue.name, { paused: false });
  await completed(job.id!);
  expect(stack.stub.requests(queue.name)).toHaveLength(2);
});

it('deleted: its worker stops and new jobs stay in Redis', async () => {
  const stopped = once(bridge, 'worker:stopped');
  await stack.edge.deleteRegistration(queue.name);

  expect(await stopped).toEqual([{ queue: queue.name, reason: 'removed' }]);
  expect(await workerOf(queue.name)).toBeUndefined();
  const job = await queue.add('orphan', {});
  await sleep(OBSERVE_IDLE_MS);
  expect(await job.getState()).toBe('waiting');
  expect(stack.stub.requests(queue.name)).toHaveLength(2);
});
