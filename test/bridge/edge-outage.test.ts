// The edge goes away while jobs keep arriving: the bridge holds the queue off, charges nothing,
// says so on /health, and finishes everything once the edge is back (same state, same port).

import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import type { HealthReport } from '../../bridge/health.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const JOBS = 12;

let stack: TestStack;
let bridge: Bridge;
let queue: Queue;

beforeAll(async () => {
  stack = await TestStack.start();
  queue = new Queue(await stack.register('outage', { concurrency: 3 }), { connection: stack.connection });
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port));
});

afterAll(async () => {
  await queue?.close();
  await bridge?.close();
  await stack?.close();
});

const health = async (): Promise<HealthReport & { httpStatus: number }> => {
  const response = await fetch(`${bridge.url}/health`);
  return { ...((await response.json()) as HealthReport), httpStatus: response.status };
};

it('edge stopped while jobs are added, then restarted: every job completes, none charged for the outage', async () => {
  expect((await bridge.status()).workers.map((w) => w.queue)).toEqual([queue.name]);
  await stack.edge.stop();

  const added = await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'during-outage', data: { i } })));
  const down = await waitFor(async () => {
    const report = await health();
    return report.dependencies[1].status === 'down' ? report : undefined;
  }, { what: '/health to report the edge down' });
  expect(down).toMatchObject({ status: 'degraded', httpStatus: 200 });
  expect(stack.stub.requests(queue.name)).toHaveLength(0);

  await stack.edge.restart();
  const jobs = await finishedJobs(queue, added.map((job) => job.id!), 30_000);

  expect(await Promise.all(jobs.map((job) => job.getState()))).toEqual(Array(JOBS).fill('completed'));
  // One call each, made with attemptsMade 0: the outage cost no attempt. BullMQ then counts the
  // successful attempt, so each job ends with attemptsMade 1.
  const calls = stack.stub.requests(queue.name).map((r) => r.body as { jobId: string; attemptsMade: number });
  expect(calls.map((c) => c.jobId).sort()).toEqual(added.map((job) => job.id).sort());
  expect(calls.every((c) => c.attemptsMade === 0)).toBe(true);
  expect(jobs.map((job) => job.attemptsMade)).toEqual(Array(JOBS).fill(1));
  expect((await health()).status).toBe('ok');
});
