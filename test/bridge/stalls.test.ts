// A job whose bridge dies under it is not the job's fault, however often it happens: it stalls, is
// taken over by the next bridge, and ends as its feature says — never in the failed set for having
// stalled (BullMQ's default maxStalledCount of 1 would fail it on the second stall).

import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BridgeProcess, bridgeEnv } from '../support/bridge.ts';
import { TestStack } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';
import { waitFor } from '../support/wait.ts';

const KILLS = 3;
/** Longer than lock expiry + the stalled check, so each call is still running when its bridge dies. */
const CALL_MS = 5_000;

let stack: TestStack;
let queue: Queue;
const bridges: BridgeProcess[] = [];

beforeAll(async () => {
  stack = await TestStack.start();
  queue = new Queue(await stack.register('stalls', { timeoutMs: 10_000 }), { connection: stack.connection });
});

afterAll(() =>
  teardown(
    () => Promise.all(bridges.map((bridge) => bridge.stop())),
    () => queue?.close(),
    () => stack?.close(),
  ),
);

const spawnBridge = async (): Promise<BridgeProcess> => {
  const bridge = await BridgeProcess.start(bridgeEnv(stack.edge.url, stack.redis.port));
  bridges.push(bridge);
  return bridge;
};

it(`killed with SIGKILL under the same job ${KILLS} times: the job is taken over each time and completes, charged one attempt`, async () => {
  const slowCalls = Array.from({ length: KILLS }, () => ({ delayMs: CALL_MS }));
  stack.stub.script(queue.name, [...slowCalls, { body: { success: true, result: 'survived' } }]);
  const job = await queue.add('payment', { amount: 100 });

  for (let kill = 1; kill <= KILLS; kill++) {
    const bridge = await spawnBridge();
    await waitFor(() => stack.stub.requests(queue.name).length === kill, { timeoutMs: 20_000, what: `call ${kill}` });
    bridge.kill('SIGKILL');
    await bridge.exited;
  }
  await spawnBridge();
  await waitFor(async () => (await Job.fromId(queue, job.id!))?.finishedOn, { timeoutMs: 30_000, what: 'the job to finish' });

  const stored = (await Job.fromId(queue, job.id!))!;
  expect(stored.failedReason).toBeUndefined();
  expect(await stored.getState()).toBe('completed');
  expect(stored.returnvalue).toBe('survived');
  expect(stored.stalledCounter).toBe(KILLS);
  expect(stored.attemptsMade).toBe(1);
  expect(stack.stub.requests(queue.name).map((r) => (r.body as { attemptsMade: number }).attemptsMade)).toEqual(Array(KILLS + 1).fill(0));
});
