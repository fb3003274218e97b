// Cancel of a running job with two bridge replicas: the operator asks one bridge; whichever bridge
// runs the job aborts its dispatch, the edge aborts the feature call (the feature's request closes),
// the job fails `cancelled` without a retry, and the queue's slot goes back to the coordinator.

import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { BridgeProcess, bridgeEnv, startBridge } from '../support/bridge.ts';
import { OPS_ENV, OPS_READ_TOKEN, opsFetch } from '../support/ops.ts';
import { TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

// Each bridge runs one job at a time, so two running jobs are one per replica.
const ONE_JOB_EACH = { ...OPS_ENV, BRIDGE_WORKER_CONCURRENCY: '1' };

let stack: TestStack;
let local: Bridge;
let remote: BridgeProcess;
let queue: Queue;

beforeAll(async () => {
  stack = await TestStack.start();
  // A long timeout: the calls can only end early because they were cancelled.
  const name = await stack.register('cancel-active', { concurrency: 2, timeoutMs: 60_000, retry: { attempts: 5 } });
  queue = new Queue(name, { connection: stack.connection });
  [local, remote] = await Promise.all([
    startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { ...ONE_JOB_EACH, BRIDGE_ID: 'replica-local' })),
    BridgeProcess.start(bridgeEnv(stack.edge.url, stack.redis.port, { ...ONE_JOB_EACH, BRIDGE_ID: 'replica-remote' })),
  ]);
});

afterAll(async () => {
  await queue?.close();
  await Promise.all([local?.close(), remote?.stop()]);
  await stack?.close();
});

const edgeFigures = async () => {
  const { body } = await opsFetch(local.url, '/queues', { token: OPS_READ_TOKEN });
  return body.queues.find((q: { name: string }) => q.name === queue.name)?.edge as { inFlight: number; limit: number } | null;
};

it('cancels the job each replica runs, through one bridge: the feature sees both calls aborted, the jobs fail cancelled, the slots return', async () => {
  stack.stub.script(queue.name, [{ hang: true }]);
  const jobs = await queue.addBulk([
    { name: 'a', data: {} },
    { name: 'b', data: {} },
  ]);
  await waitFor(() => stack.stub.stats(queue.name).inFlight === 2, { what: 'both jobs at the feature' });
  expect((await edgeFigures())?.inFlight).toBe(2);

  const answers = await Promise.all(jobs.map((job) => opsFetch(local.url, `/queues/${queue.name}/jobs/${job.id}/cancel`, { method: 'POST' })));

  expect(answers).toEqual(jobs.map((job) => ({ status: 200, body: { id: job.id, state: 'failed' } })));
  await waitFor(() => stack.stub.stats(queue.name).aborted === 2, { what: 'the feature to see both requests aborted' });
  await waitFor(async () => (await edgeFigures())?.inFlight === 0, { what: "the edge's in-flight count back to 0" });
  const runners = new Set<string>();
  for (const job of jobs) {
    const { body } = await opsFetch(local.url, `/queues/${queue.name}/jobs/${job.id}`, { token: OPS_READ_TOKEN });
    // Failed for good on its first try although four more were allowed.
    expect(body).toMatchObject({ state: 'failed', failedReason: 'cancelled', attemptsMade: 1 });
    expect(body.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: 'cancelled', error: 'cancelled' })]);
    runners.add(body.attempts[0].bridgeId);
  }
  expect(runners).toEqual(new Set(['replica-local', 'replica-remote']));
  expect(stack.stub.requests(queue.name)).toHaveLength(2);
});
