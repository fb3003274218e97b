// An alert whose delivery is under way when its bridge is SIGKILLed: the delivery (a job of the
// bridges' own outbox queue in Redis) is taken over by the next bridge and reaches the receiver,
// under the same webhook-id, once accepted.

import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AlertReceiver, HANG, TEST_ALERT_SECRET } from '../support/alert-receiver.ts';
import { BridgeProcess, bridgeEnv, type Env } from '../support/bridge.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';
import { waitFor } from '../support/wait.ts';

let stack: TestStack;
let receiver: AlertReceiver;
let env: Env;
const bridges: BridgeProcess[] = [];

beforeAll(async () => {
  [stack, receiver] = await Promise.all([TestStack.start(), AlertReceiver.start()]);
  env = bridgeEnv(stack.edge.url, stack.redis.port, { ALERT_SIGNING_SECRET: TEST_ALERT_SECRET });
});

afterAll(() =>
  teardown(
    () => Promise.all(bridges.map((bridge) => bridge.stop())),
    () => stack?.close(),
    () => receiver?.close(),
  ),
);

const startBridge = async (id: string): Promise<BridgeProcess> => {
  const bridge = await BridgeProcess.start({ ...env, BRIDGE_ID: id });
  bridges.push(bridge);
  return bridge;
};

const runs = async (bridge: BridgeProcess, queue: string): Promise<boolean> =>
  ((await (await fetch(`${bridge.url}/internal/status`)).json()) as { workers: { queue: string; running: boolean }[] }).workers.some((w) => w.queue === queue && w.running);

it('a delivery in flight when its bridge is killed is taken over by the next bridge and accepted once', async () => {
  const name = await stack.register('crash', {
    retry: { attempts: 1, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0, jitter: 0 } },
    alerts: { url: receiver.url, on: ['job.failed'] },
  });
  stack.stub.script(name, [{ status: 500 }]);
  receiver.answer(HANG, 200);
  const doomed = await startBridge('crash-a');
  await waitFor(() => runs(doomed, name), { what: 'the first bridge to run the queue' });

  const queue = new Queue(name, { connection: stack.connection });
  try {
    const added = await queue.add('charge', {});
    await finishedJobs(queue, [added.id!]);
    const hung = await waitFor(() => receiver.received.find((r) => r.data?.queue === name), { what: 'the delivery to be under way' });

    doomed.kill('SIGKILL');
    await doomed.exited;
    await startBridge('crash-b');

    const [accepted] = await waitFor(() => (receiver.accepted('job.failed', name).length > 0 ? receiver.accepted('job.failed', name) : undefined), {
      timeoutMs: 20_000,
      what: 'the delivery taken over by the second bridge',
    });
    expect(accepted.messageId).toBe(hung.messageId);
    expect(accepted.data).toMatchObject({ queue: name, jobId: added.id, attemptsMade: 1, attempts: 1 });
    expect(receiver.received.filter((r) => r.data?.queue === name).map((r) => [r.messageId, r.verified, r.status])).toEqual([
      [hung.messageId, true, HANG],
      [hung.messageId, true, 200],
    ]);
  } finally {
    await queue.close();
  }
});
